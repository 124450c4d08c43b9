"""The OpenAPI 3.1 document, generated from the registered endpoints and their schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from hub.access import Permission
from hub.api.endpoints import REGISTRY, EndpointSpec

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_REF = "#/components/schemas/{model}"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Set on every answer by the request hooks (hub.app), errors included.
_REQUEST_ID_HEADER = {"X-Request-ID": {
    "description": "The request's id, quoted in logs and audit events", "required": True,
    "schema": {"type": "string"}}}

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "request_id": {"type": "string"},
    },
    "required": ["title", "status"],
}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "uuid":
            schema["format"] = "uuid"
        elif converter == "int":
            schema = {"type": "integer"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _add_component(components: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    if name in components and components[name] != schema:
        raise ValueError(f"two different schemas are both named {name}; rename one of the models")
    components[name] = schema


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema pydantic validates ``model`` with, referring to components by name."""
    return model.model_json_schema(ref_template=_REF, mode="validation")


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model_schema(model)
    for name, definition in schema.pop("$defs", {}).items():
        _add_component(components, name, definition)
    _add_component(components, model.__name__, schema)
    return {"$ref": _REF.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model_schema(model)
    for name, definition in schema.pop("$defs", {}).items():
        _add_component(components, name, definition)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        params.append({"name": name, "in": "query", "required": name in required,
                       "description": description, "schema": prop})
    return params


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    _, params = _path(spec.rule)
    op: dict[str, Any] = {
        "summary": spec.summary,
        "operationId": f"{spec.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', spec.rule.lower())}",
        "tags": list(spec.tags),
        "x-permission": str(spec.permission),
        "parameters": params,
        "responses": {},
    }
    if spec.query is not None:
        op["parameters"].extend(_query_parameters(spec.query, components))
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(spec.body, components)}},
        }
    ok: dict[str, Any] = {"description": "Success", "headers": _REQUEST_ID_HEADER}
    if spec.response is not None:
        ok["content"] = {"application/json": {"schema": _schema_ref(spec.response, components)}}
    for media_type in spec.media_types:
        ok.setdefault("content", {})[media_type] = {"schema": {"type": "string"}}
    op["responses"][str(spec.status)] = ok
    problem = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}
    errors: dict[int, str] = {}
    if spec.permission is not Permission.PUBLIC:
        errors[401] = "Not signed in, or the token is expired, revoked or of a deactivated person"
    # hub.security: an unsafe request made with the browser session needs the session's CSRF token.
    csrf = spec.permission is not Permission.PUBLIC and spec.method in _UNSAFE
    if spec.permission not in (Permission.PUBLIC, Permission.SIGNED_IN):
        errors[403] = "Your role does not allow this" + (", or the CSRF token is missing" if csrf else "")
    elif csrf:
        errors[403] = "Sent with the browser session but without its CSRF token"
    if spec.permission is not Permission.PUBLIC or params:
        errors[404] = "Not found, or not visible to you"
    if spec.body is not None:
        errors |= {400: "Malformed JSON", 413: "Body too large", 415: "Not JSON"}
    # A path parameter without a converter is free text that the handler itself validates.
    free_text_in_path = any(converter == "" for converter, _ in _CONVERTER.findall(spec.rule))
    if spec.body is not None or spec.query is not None or free_text_in_path:
        errors[422] = "Validation failed; errors per field"
    errors |= spec.extra_responses
    for status, description in sorted(errors.items()):
        headers = dict(_REQUEST_ID_HEADER)
        if status == 401:
            headers["WWW-Authenticate"] = {"description": "How to authenticate: Bearer, or a fresh "
                                                          "sign-in (OpenIDConnect max_age)",
                                           "required": True, "schema": {"type": "string"}}
        op["responses"][str(status)] = {"description": description, "headers": headers,
                                        "content": problem}
    if spec.permission is Permission.PUBLIC:
        op["security"] = []
    return op


def build_document(title: str, version: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for spec in REGISTRY:
        path, _ = _path(spec.rule)
        paths.setdefault(path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "hub_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
