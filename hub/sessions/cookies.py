"""The session cookie: HttpOnly, SameSite=Lax, Path=/, and `__Host-` prefixed and Secure over HTTPS.

No Max-Age or Expires is ever set: the cookie lives at most as long as the browser session, and
the server refuses it anyway after the idle or absolute timeout (issue 3, point 3).
"""

from __future__ import annotations

from werkzeug.wrappers import Response

SESSION_COOKIE = "hub_session"
SECURE_SESSION_COOKIE = "__Host-hub_session"


def session_cookie_name(*, secure: bool) -> str:
    """`__Host-` binds the cookie to this exact host over HTTPS (no Domain, Path=/, Secure)."""
    return SECURE_SESSION_COOKIE if secure else SESSION_COOKIE


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Give the browser the session token; `secure` is true when the request came over HTTPS."""
    response.set_cookie(
        session_cookie_name(secure=secure), token, path="/", secure=secure, httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Tell the browser to forget the session cookie (the server has ended the session already)."""
    response.delete_cookie(
        session_cookie_name(secure=secure), path="/", secure=secure, httponly=True, samesite="Lax",
    )
