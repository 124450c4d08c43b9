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


def unauthorised(*, credentials_sent: bool, request_id: str | None = None) -> Response:
    """401 with an RFC 6750 challenge; a token that was sent but vouches for nobody is named as such.

    The detail never says *why* a token is refused (unknown, expired, revoked, deactivated owner),
    so a stolen token cannot be probed.
    """
    if credentials_sent:
        return problem(401, "Not signed in", "The credentials sent are not valid (expired, revoked "
                       "or unknown); ask for a new token or sign in again",
                       headers={"WWW-Authenticate": 'Bearer realm="hub", error="invalid_token"'},
                       request_id=request_id)
    return problem(401, "Not signed in", "Send a bearer token or sign in",
                   headers={"WWW-Authenticate": 'Bearer realm="hub"'}, request_id=request_id)
