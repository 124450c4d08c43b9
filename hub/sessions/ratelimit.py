"""Rate limits that hold across every worker process and host: fixed-window counters in the shared
database (issue 3, point 4: sign-in and callbacks).

Each hit is its own short transaction, so an attempt counts even when the request it belongs to
fails and rolls back; the counter is an atomic upsert, so concurrent workers never lose a hit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import Response, current_app, render_template, request
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub import context
from hub.api.problem import problem
from hub.db import Database, is_postgres
from hub.sessions.models import RateLimitBucket

MAX_KEY_LENGTH = 200
# Rows of finished windows are kept this long at most (the longest window a limit may use).
MAX_WINDOW_SECONDS = 24 * 3600
log = logging.getLogger(__name__)
RATE_LIMIT_ATTR = "_hub_rate_limit"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    per_seconds: int


def window_start(now: datetime, per_seconds: int) -> datetime:
    """The start of the fixed window `now` falls in (windows are aligned to the Unix epoch)."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % per_seconds, tz=UTC)


def seconds_until_next_window(now: datetime, per_seconds: int) -> int:
    end = window_start(now, per_seconds) + timedelta(seconds=per_seconds)
    return max(1, math.ceil((end - now).total_seconds()))


def _increment(session: Session, key: str, start: datetime) -> int:
    values = {"key": key, "window_start": start, "count": 1}
    insert = (postgresql.insert if is_postgres(session) else sqlite.insert)(RateLimitBucket)
    statement = (
        insert.values(values)
        .on_conflict_do_update(
            index_elements=[RateLimitBucket.key, RateLimitBucket.window_start],
            set_={"count": RateLimitBucket.count + 1},
        )
        .returning(RateLimitBucket.count)
    )
    return int(session.execute(statement).scalar_one())


def hit(database: Database, key: str, *, limit: int, per_seconds: int, now: datetime) -> bool:
    """Count one attempt under `key`; True while at most `limit` attempts fell in this window.

    Runs in its own transaction (committed at once). When a key starts a new window, its
    finished windows and everyone's windows older than a day are pruned.
    """
    if limit < 1 or not 1 <= per_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError("a rate limit needs limit >= 1 and a window of 1 s to 1 day")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a rate-limit key has 1 to {MAX_KEY_LENGTH} characters")
    start = window_start(now, per_seconds)
    with database.transaction() as session:
        count = _increment(session, key, start)
    if count == 1:
        _prune(database, key, start, now)
    return count <= limit


def _prune(database: Database, key: str, start: datetime, now: datetime) -> None:
    """Housekeeping only: the hit is already counted, so a prune that loses a lock race (two
    workers deleting the same stale rows) is logged and left to the next new window."""
    try:
        with database.transaction() as session:
            session.execute(
                delete(RateLimitBucket).where(
                    (RateLimitBucket.window_start < now - timedelta(seconds=MAX_WINDOW_SECONDS))
                    | ((RateLimitBucket.key == key) & (RateLimitBucket.window_start < start))
                )
            )
    except OperationalError as exc:
        log.warning("rate-limit pruning skipped: %s", type(exc.orig).__name__)


def client_key(name: str, address: str | None, *, secret: bytes) -> str:
    """`name:` plus a keyed digest of the client address: the table never holds an IP address,
    and without the app secret the digest cannot be reversed by trying every IPv4 address."""
    digest = hmac.new(secret, (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]
    return f"{name}:{digest}"


def too_many_requests(retry_after: int) -> Response:
    """429 with `Retry-After`: problem+json for the API, a GOV.UK page for the browser."""
    title = "Too many attempts"
    detail = f"Too many attempts from your network. Wait {retry_after} seconds, then try again."
    headers = {"Retry-After": str(retry_after)}
    if request.path.startswith("/api/"):
        return problem(429, title, detail, headers=headers, request_id=context.request_id())
    body = render_template("errors/error.html", status=429, title=title, detail=detail, errors={})
    response = Response(body, status=429, mimetype="text/html")
    response.headers.update(headers)
    return response


def rate_limited(name: str, limit: int, per_seconds: int) -> Callable[[F], F]:
    """Allow a view at most `limit` calls per client address per `per_seconds`, across all workers.

    The decorator only declares the limit; :func:`enforce_rate_limit` counts the hit as the very
    first step of the request, before the request's own database session has written anything
    (on SQLite a write lock held by that session would otherwise make the counter wait on it).
    """
    if limit < 1 or not 1 <= per_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError("a rate limit needs limit >= 1 and a window of 1 s to 1 day")
    if not name or len(name) > MAX_KEY_LENGTH - 40:
        raise ValueError("a rate limit needs a short name")

    def decorate(view: F) -> F:
        setattr(view, RATE_LIMIT_ATTR, RateLimit(name, limit, per_seconds))
        return view

    return decorate


def enforce_rate_limit() -> Response | None:
    """Request hook: count a hit against the endpoint's declared limit; 429 once it is spent.

    The client address is `request.remote_addr`, which ProxyFix (HUB_PROXY_FIX) takes from
    X-Forwarded-For only when the hub is configured to trust its proxy.
    """
    if request.endpoint is None:
        return None
    declared: RateLimit | None = getattr(
        current_app.view_functions.get(request.endpoint), RATE_LIMIT_ATTR, None
    )
    if declared is None:
        return None
    now = context.now()
    key = client_key(declared.name, request.remote_addr,
                     secret=str(current_app.config["SECRET_KEY"]).encode())
    if hit(context.state().database, key, limit=declared.limit, per_seconds=declared.per_seconds,
           now=now):
        return None
    return too_many_requests(seconds_until_next_window(now, declared.per_seconds))
