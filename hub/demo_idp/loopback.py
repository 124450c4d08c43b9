"""The demo identity provider signs anyone in without a password, so it must never leave loopback."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, run_simple

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class NotLoopbackError(ValueError):
    """Raised when asked to bind, or to trust, anything but the loopback interface."""


def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; false for everything else, including 0.0.0.0."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_loopback_host(host: str) -> str:
    """Return `host` if it is loopback, else refuse before anything is bound."""
    if not is_loopback_host(host):
        raise NotLoopbackError(
            f"the demo identity provider only listens on loopback (127.0.0.1 or ::1), not {host!r}"
        )
    return host


def require_loopback_url(url: str) -> str:
    """Return `url` if it is http(s) on a loopback host, else refuse (issuers, redirect URIs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname):
        raise NotLoopbackError(f"the demo identity provider only works with loopback URLs, not {url!r}")
    return url


class _PathOnlyLog(WSGIRequestHandler):
    """Access log without query strings: they carry one-time codes, states and nonces."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s %s', self.command, self.path.split("?", 1)[0], code, size)


def serve_on_loopback(application: WSGIApplication, host: str, port: int) -> None:
    """Serve with werkzeug, threaded, after refusing any non-loopback address (nothing is bound)."""
    run_simple(require_loopback_host(host), port, application, threaded=True, use_reloader=False,
               request_handler=_PathOnlyLog)
