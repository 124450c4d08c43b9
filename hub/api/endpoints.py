"""Declaring an API endpoint once: route, permission, request and response schemas.

The same pydantic models validate requests and generate the OpenAPI document, so the
published contract cannot drift from what the code accepts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from hub.access import Permission, requires
from hub.errors import HubError, ValidationFailed


class BadRequest(HubError):
    status = 400
    title = "Malformed request"


class UnsupportedMediaType(HubError):
    status = 415
    title = "Unsupported media type"


@dataclass(frozen=True)
class EndpointSpec:
    method: str
    rule: str
    summary: str
    permission: Permission
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    extra_responses: dict[int, str] = field(default_factory=dict)
    # Other media types the success answer takes when the Accept header asks for them.
    media_types: tuple[str, ...] = ()


REGISTRY: list[EndpointSpec] = []


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Pydantic errors as ``{"subject.date_of_birth": "message"}`` (invariant 8)."""
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        key = f"{prefix}{loc}"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "Unknown field"
        elif err["type"] == "missing":
            message = "This field is required"
        errors.setdefault(key, message)
    return errors


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate the JSON body against ``model``: 415 if not JSON, 400 if not parseable, 422 per field.

    pydantic parses and validates in one pass, with a nesting limit, so a hostile body can
    neither exhaust the stack nor smuggle lone surrogates or NaN into the services.
    """
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json")
    raw = request.get_data(cache=True)  # werkzeug answers 413 beyond MAX_CONTENT_LENGTH
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A streamed (chunked) body is cut at the limit rather than refused: refuse it here,
        # or a truncated prefix would be parsed as if it were the whole body.
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise BadRequest("The body is empty; send a JSON object")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        if any(err["type"] == "json_invalid" for err in problems):
            raise BadRequest("The body is not valid JSON (UTF-8, no comments)") from None
        if any(err["type"] == "model_type" and not err["loc"] for err in problems):
            raise ValidationFailed({"body": "The body must be a JSON object"}) from None
        raise ValidationFailed(field_errors(exc)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[0] if len(values) == 1 else values
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None


def endpoint(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    permission: Permission,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    extra_responses: dict[int, str] | None = None,
    media_types: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a JSON endpoint; the handler receives ``body=`` and ``query=`` already validated."""
    prefix = bp.url_prefix or ""
    spec = EndpointSpec(method, prefix + rule, summary, permission, body, query, response,
                        status, (bp.name,), extra_responses or {}, media_types)
    REGISTRY.append(spec)

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def view(**kwargs: Any) -> Any:
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return handler(**kwargs)

        view = requires(permission)(view)
        bp.add_url_rule(rule, endpoint=f"{handler.__name__}", view_func=view, methods=[method])
        return view

    return decorate
