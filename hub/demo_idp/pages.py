"""Shared page plumbing for the demo identity provider: its tenants, CSP nonce and error pages."""

from __future__ import annotations

import secrets
from typing import cast

from flask import Response, abort, current_app, g, render_template

from hub.demo_idp.directory import Tenant
from hub.demo_idp.server import TenantServer

EXTENSION = "demo_idp"


def tenant_server(slug: str) -> TenantServer:
    """The tenant's authorization server, or a 404 page for an unknown tenant."""
    found = cast(dict[str, TenantServer], current_app.extensions[EXTENSION]).get(slug)
    if found is None:
        abort(404)
    return found


def all_servers() -> list[TenantServer]:
    return list(cast(dict[str, TenantServer], current_app.extensions[EXTENSION]).values())


def csp_nonce() -> str:
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return cast(str, nonce)


def page(template: str, status: int = 200, **values: object) -> Response:
    return Response(render_template(template, **values), status=status, mimetype="text/html")


def error_page(status: int, title: str, detail: str, tenant: Tenant | None = None) -> Response:
    return page("demo_idp/error.html", status, page_title=title, title=title, detail=detail, tenant=tenant)
