"""Base classes for API schemas: strict about unknown fields and JSON types."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """A request body: unknown fields and wrong JSON types are refused, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Query(BaseModel):
    """Query-string parameters arrive as strings, so they are converted, but unknown ones refused."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)
