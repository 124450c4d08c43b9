"""Binding each sign-in attempt to the browser that started it (login CSRF: RFC 9700 §4.7,
OpenID Connect Core 1.0 §3.1.2.1).

`state` alone only proves that *some* browser started the attempt: a callback URL from an
attacker's own sign-in, opened in a victim's browser, would sign the victim in as the attacker.
So the login also gives the browser a random secret in a short-lived cookie (HttpOnly,
SameSite=Lax so it survives the provider's top-level redirect back, `__Host-` and Secure over
HTTPS), and the attempt keeps only the secret's SHA-256; the callback is refused unless the
browser presents a secret whose hash is the attempt's.

Two tabs signing in at once: the cookie holds the secrets of the browser's last few attempts
(newest first, at most MAX_PENDING), so each tab's callback finds its own and removes only that
one; with a single secret the later login would overwrite the earlier tab's, whose callback would
then be refused. Two logins answered at the very same moment can still overwrite each other's
cookie (the later tab is then refused and starts again); nothing unsafe follows from that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta

from werkzeug.wrappers import Response

BINDING_COOKIE = "hub_signin"
SECURE_BINDING_COOKIE = "__Host-hub_signin"
MAX_PENDING = 5
SECRET_BYTES = 32
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)
_SEPARATOR = "."


def binding_cookie_name(*, secure: bool) -> str:
    """`__Host-` over HTTPS: the cookie is then bound to this exact host (no Domain, Path=/, Secure),
    so a sibling subdomain cannot plant a secret of its own."""
    return SECURE_BINDING_COOKIE if secure else BINDING_COOKIE


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pending_secrets(cookie_value: str | None) -> list[str]:
    """The well-formed secrets a binding cookie holds, newest first (anything else is ignored)."""
    if not cookie_value or len(cookie_value) > MAX_PENDING * 44:
        return []
    found = [s for s in cookie_value.split(_SEPARATOR) if _SECRET.fullmatch(s)]
    return list(dict.fromkeys(found))[:MAX_PENDING]


def with_secret(pending: Sequence[str], secret: str) -> list[str]:
    """The cookie's secrets once a new attempt starts: its own first, the oldest dropped."""
    return [secret, *(s for s in pending if s != secret)][:MAX_PENDING]


def holds_attempt(pending: Sequence[str], browser_hash: str) -> bool:
    """Whether one of the browser's secrets hashes to the attempt's `browser_hash`; every secret
    is compared in constant time."""
    matches = [hmac.compare_digest(hash_secret(s).encode(), browser_hash.encode()) for s in pending]
    return any(matches)


def without_attempt(pending: Sequence[str], browser_hash: str) -> list[str]:
    """The cookie's secrets once the attempt with `browser_hash` has been used."""
    return [s for s in pending if not hmac.compare_digest(hash_secret(s).encode(), browser_hash.encode())]


def set_binding_cookie(response: Response, pending: Sequence[str], *, secure: bool,
                       lifetime: timedelta) -> None:
    """Give the browser its pending secrets for as long as an attempt lives; none left: forget it."""
    name = binding_cookie_name(secure=secure)
    if not pending:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
        return
    response.set_cookie(name, _SEPARATOR.join(pending), max_age=int(lifetime.total_seconds()), path="/",
                        secure=secure, httponly=True, samesite="Lax")
