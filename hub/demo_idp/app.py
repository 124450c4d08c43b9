"""The demo identity provider's Flask application: several tenants, one issuer each, loopback only."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from flask import Flask, Response, request
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from hub.config import ROOT
from hub.demo_idp.directory import Tenant
from hub.demo_idp.loopback import is_loopback_host, require_loopback_url
from hub.demo_idp.pages import EXTENSION, csp_nonce, error_page
from hub.demo_idp.server import TenantServer, TenantState
from hub.demo_idp.views import idp

HERE = Path(__file__).resolve().parent
log = logging.getLogger("hub.demo_idp")


def create_demo_idp(issuer_base: str, tenants: Sequence[Tenant], *,
                    clock: Callable[[], float] = time.time) -> Flask:
    """Build the provider; tenant `slug` gets the issuer `issuer_base/slug` (exactly, no trailing slash).

    Refuses issuers and client redirect URIs that are not on loopback: this provider signs people in
    without a password and must never be reachable from another machine.
    """
    issuer_base = require_loopback_url(issuer_base.rstrip("/"))
    for tenant in tenants:
        for client in tenant.clients:
            for uri in (*client.redirect_uris, *client.post_logout_redirect_uris):
                require_loopback_url(uri)
    app = Flask("hub.demo_idp", template_folder=str(HERE / "templates"),
                static_folder=str(ROOT / "hub" / "static"), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = 64_000  # sign-in forms and token requests are small
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [app.jinja_loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions[EXTENSION] = {
        t.slug: TenantServer(TenantState(t, f"{issuer_base}/{t.slug}", clock)) for t in tenants
    }
    app.register_blueprint(idp)
    app.before_request(_loopback_callers_only)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

    @app.context_processor
    def inject() -> dict[str, object]:
        return {"cspNonce": csp_nonce()}

    return app


def _loopback_callers_only() -> Response | None:
    """Belt and braces: even if something bound it wider, answer nobody but this machine."""
    if not is_loopback_host(request.remote_addr):
        return error_page(403, "Not available", "The demo identity provider only answers on this computer.")
    return None


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    titles = {404: "Page not found", 405: "Method not allowed", 400: "Bad request", 413: "Request too large"}
    return error_page(status, titles.get(status, exc.name), exc.description or "")


def _unexpected_error(exc: Exception) -> Response:
    log.exception("demo identity provider: unexpected error")
    return error_page(500, "Sorry, there is a problem with the demo identity provider",
                      "Go back to the hub and try again.")
