"""Base classes for API schemas, strict about unknown fields and JSON types, and the text types
the packages' schemas share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from hub.text import CONTROL_PROBLEM, has_control_characters


def _no_control_characters(text: str) -> str:
    """Tabs and line breaks are text; other control characters are not (and PostgreSQL refuses
    NUL in a text column)."""
    if has_control_characters(text):
        raise PydanticCustomError("control_characters", CONTROL_PROBLEM)
    return text


_Clean = AfterValidator(_no_control_characters)
# Free text (a rationale, a plan's strategies): long enough for a considered paragraph or ten.
Text = Annotated[str, StringConstraints(max_length=10_000), _Clean]
# A name of a person, organisation or role.
Name = Annotated[str, StringConstraints(max_length=200), _Clean]
# An item of a list (an organisation, an item shared, an exclusion).
Item = Annotated[str, StringConstraints(max_length=1_000), _Clean]
# A reference to another document (DSA, DPIA).
Reference = Annotated[str, StringConstraints(max_length=100), _Clean]
# A short label (channel, security marking), as long as the column that holds it.
Label = Annotated[str, StringConstraints(max_length=64), _Clean]


class Input(BaseModel):
    """A request body: unknown fields and wrong JSON types are refused, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Query(BaseModel):
    """Query-string parameters arrive as strings, so they are converted, but unknown ones refused."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Query):
    """Paging through a list, newest first."""

    limit: int = Field(default=50, ge=1, le=200, description="how many to return (1-200)")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="how many to skip")
