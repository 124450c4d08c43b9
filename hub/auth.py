"""Who is calling: the browser's server-side session cookie, or a bearer token for partner systems.

Sets ``g.auth_method`` ("session" or "bearer") and ``g.issuer``; a session-authenticated request
also gets ``g.user_session``. CSRF and recent sign-in apply only to "session" (hub.security).
"""

from __future__ import annotations

from flask import Flask, Request, current_app, g, has_request_context, request
from flask_login import LoginManager

from hub import context
from hub.actor import TOKEN_ISSUER
from hub.agencies.models import User
from hub.agencies.services import user_for_token
from hub.sessions.cookies import session_cookie_name
from hub.sessions.services import session_for_token


def is_https() -> bool:
    """True when the browser talks to us over HTTPS: the request says so (after ProxyFix, when
    HUB_PROXY_FIX trusts the proxy) or the configured base URL is https."""
    if has_request_context() and request.is_secure:
        return True
    return context.state(current_app).settings.base_url.startswith("https://")


def _load_from_bearer(credentials: str) -> User | None:
    found = user_for_token(context.db(), credentials.strip(), now=context.now())
    if found is not None:
        g.issuer = TOKEN_ISSUER
        g.auth_method = "bearer"
    return found


def _load_from_cookie(req: Request) -> User | None:
    token = req.cookies.get(session_cookie_name(secure=is_https()))
    if not token:
        return None
    user_session = session_for_token(
        context.db(), token, policy=context.state().settings.policy, now=context.now()
    )
    if user_session is None:
        g.stale_session_cookie = True  # ended, expired or forged: hub.security tells the browser to drop it
        return None
    g.user_session = user_session
    g.issuer = user_session.issuer
    g.auth_method = "session"
    return user_session.user


def _load_from_request(req: Request) -> User | None:
    """A request that sends an Authorization header is judged by it alone (no cookie fallback)."""
    header = req.headers.get("Authorization", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return None
        return _load_from_bearer(credentials)
    return _load_from_cookie(req)


def init_auth(app: Flask) -> LoginManager:
    manager = LoginManager()
    manager.request_loader(_load_from_request)
    # Nobody is ever signed in through Flask's client-side cookie session: only the server-side
    # session (hub.sessions) or a bearer token count.
    manager.user_loader(lambda _id: None)
    # Templates use the hub's own `current_user_`; Flask-Login's context processor would look the
    # user up again and turn a database outage into an unstyled error page.
    manager.init_app(app, add_context_processor=False)
    return manager
