"""RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
