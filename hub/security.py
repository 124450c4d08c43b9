"""Web security for every response (issue 3, point 4).

- CSRF: every unsafe request authenticated by the session cookie must carry a synchronizer token
  derived from the server-side session (HMAC of the session's token hash with the app secret), so
  it changes at every sign-in and dies with the session. Bearer-token requests are exempt (a
  browser cannot attach an Authorization header cross-site), and so are views marked
  :func:`csrf_exempt` (the provider's back-channel logout).
- Recent sign-in before the permissions in ``access.RECENT_SIGN_IN_REQUIRED``.
- Headers: CSP with a per-request nonce, nosniff, no-referrer, frame denial, HSTS over HTTPS,
  ``Cache-Control: no-store``.
- Flask's own cookie session: HttpOnly, SameSite=Lax, and `__Host-` prefixed and Secure over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask, Request, Response, current_app, g, redirect, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import RECENT_SIGN_IN_REQUIRED, declared_permission
from hub.api.problem import problem
from hub.auth import is_https
from hub.config import Settings
from hub.sessions.cookies import clear_session_cookie, session_cookie_name
from hub.sessions.ratelimit import enforce_rate_limit
from hub.sessions.services import needs_recent_sign_in

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
CSRF_EXEMPT_ATTR = "_hub_csrf_exempt"
HSTS = "max-age=63072000; includeSubDomains"
FLASK_SESSION_COOKIE = "hub_state"
F = TypeVar("F", bound=Callable[..., Any])


def csrf_exempt(view: F) -> F:
    """Mark a view that is called by another server, never by a browser with our cookie."""
    setattr(view, CSRF_EXEMPT_ATTR, True)
    return view


def csrf_token() -> str:
    """The CSRF token of the current session ("" without one); templates call ``csrf_token()``."""
    user_session = g.get("user_session")
    if user_session is None:
        return ""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"csrf:" + user_session.token_hash.encode(), hashlib.sha256).hexdigest()


def csp_nonce() -> str:
    """This request's CSP nonce, exposed to templates as ``cspNonce`` (GOV.UK template's name)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        g.csp_nonce = nonce
    return str(nonce)


def content_security_policy(settings: Settings, nonce: str) -> str:
    """No inline script but the nonced one; forms may post only here, or redirect to a provider
    (sign-out goes on to the provider's end-session endpoint)."""
    form_targets = ["'self'"]
    for provider in settings.providers:
        parts = urlsplit(provider.issuer)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc and origin not in form_targets:
            form_targets.append(origin)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'nonce-{nonce}' 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action " + " ".join(form_targets),
    ])


def _view() -> Callable[..., Any] | None:
    if request.endpoint is None:
        return None
    return current_app.view_functions.get(request.endpoint)


def _refuse_csrf() -> Response:
    context.defer_audit(action="security.csrf_refused", details={"endpoint": request.endpoint})
    title = "Your request could not be checked"
    if request.path.startswith("/api/"):
        return problem(403, "CSRF token missing or wrong",
                       f"Requests made with the browser session must send the {CSRF_HEADER} header "
                       f"given in the {CSRF_HEADER} response header (for example of GET /api/v1/me)",
                       request_id=context.request_id())
    body = render_template(
        "errors/error.html", status=403, title=title,
        detail="The form was missing its security token or it had expired, so nothing was saved. "
               "Go back, reload the page and try again.", errors={})
    return Response(body, status=403, mimetype="text/html")


def check_csrf() -> ResponseReturnValue | None:
    """Request hook: refuse an unsafe, session-authenticated request without the right token."""
    if request.method in context.SAFE_METHODS:
        return None
    view = _view()
    if view is None or getattr(view, CSRF_EXEMPT_ATTR, False):
        return None
    context.user()  # loads the caller, setting g.auth_method
    if g.get("auth_method") != "session":
        return None
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent.encode(), csrf_token().encode()):
        return _refuse_csrf()
    return None


def check_recent_sign_in() -> ResponseReturnValue | None:
    """Request hook: sensitive operations in a browser session need a recent sign-in; the browser
    is sent to sign in again with `max_age`, the API is told 401 (issue 3, point 3)."""
    if declared_permission(_view()) not in RECENT_SIGN_IN_REQUIRED:
        return None
    context.user()
    user_session = g.get("user_session")
    if g.get("auth_method") != "session" or user_session is None:
        return None
    policy = context.state().settings.policy
    if not needs_recent_sign_in(user_session, policy=policy, now=context.now()):
        return None
    max_age = policy.recent_auth_minutes * 60
    if request.path.startswith("/api/"):
        return problem(401, "Fresh sign-in needed",
                       f"This change needs you to have signed in within the last "
                       f"{policy.recent_auth_minutes} minutes. Sign in again, then retry.",
                       headers={"WWW-Authenticate": f'OpenIDConnect max_age="{max_age}"'},
                       request_id=context.request_id())
    back_to = request.full_path if request.args else request.path
    query = urlencode({"max_age": max_age, "next": back_to})
    return redirect(f"/auth/{quote(user_session.provider, safe='')}/login?{query}")


def add_security_headers(response: Response) -> Response:
    """After-request hook: the same protective headers on pages, API answers and error pages."""
    response.headers["Content-Security-Policy"] = content_security_policy(
        context.state().settings, csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if is_https():
        response.headers["Strict-Transport-Security"] = HSTS
    credentials = bool(request.cookies) or "Authorization" in request.headers
    if request.endpoint != "static" or credentials:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
    if g.get("auth_method") == "session":
        response.headers[CSRF_HEADER] = csrf_token()
    if g.get("stale_session_cookie"):
        name = session_cookie_name(secure=is_https())
        if not any(c.startswith(f"{name}=") for c in response.headers.getlist("Set-Cookie")):
            clear_session_cookie(response, secure=is_https())
    return response


class HardenedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, set like the session cookie: `__Host-` and Secure over
    HTTPS, HttpOnly and SameSite=Lax always."""

    def get_cookie_name(self, app: Flask) -> str:
        return f"__Host-{FLASK_SESSION_COOKIE}" if is_https() else FLASK_SESSION_COOKIE

    def get_cookie_secure(self, app: Flask) -> bool:
        return is_https()

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True

    def get_cookie_samesite(self, app: Flask) -> str:
        return "Lax"

    def get_cookie_domain(self, app: Flask) -> None:
        return None

    def get_cookie_path(self, app: Flask) -> str:
        return "/"

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Most requests carry no such cookie: skip building the signing serializer for them.
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_security(app: Flask) -> None:
    """Wire the hooks. Call after the access hook is registered: CSRF and recent sign-in run after
    the permission check, while the rate limit is counted first of all, before the request's own
    database session can hold a lock the counter's transaction would wait on."""
    app.session_interface = HardenedSessionInterface()
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_rate_limit)
    app.before_request(check_csrf)
    app.before_request(check_recent_sign_in)
    app.after_request(add_security_headers)

    @app.context_processor
    def inject_security() -> dict[str, object]:
        return {"cspNonce": csp_nonce(), "csrf_token": csrf_token}
