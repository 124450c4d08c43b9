"""Rate limits on sign-in and callbacks: counted in the shared database, so they hold across worker
processes and hosts, and counted even when the limited request fails."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.access import Permission, requires
from hub.app import create_app
from hub.db import Database
from hub.errors import ValidationFailed
from hub.sessions.models import RateLimitBucket
from hub.sessions.ratelimit import hit, rate_limited

T0 = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
DAY = 24 * 3600


def build_app(settings, database, keyring, *, limit, per_seconds=DAY, proxy_fix=0):
    """The real app with a rate-limited page, API endpoint and failing endpoint mounted on it."""
    app = create_app(replace(settings, database_url=database.url, proxy_fix=proxy_fix),
                     database=database, keyring=keyring)

    @rate_limited("test-attempt", limit, per_seconds)
    @requires(Permission.PUBLIC)
    def attempt() -> str:
        return "ok"

    @rate_limited("test-failing", limit, per_seconds)
    @requires(Permission.PUBLIC)
    def failing() -> str:
        raise ValidationFailed({"code": "Not a valid code"})

    app.add_url_rule("/test/attempt", view_func=attempt, methods=["GET", "POST"])
    app.add_url_rule("/api/v1/test/attempt", endpoint="api_attempt", view_func=attempt)
    app.add_url_rule("/test/failing", view_func=failing, methods=["POST"])
    return app


def bucket_total(database: Database) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.coalesce(func.sum(RateLimitBucket.count), 0))) or 0)


def test_the_limit_allows_n_hits_per_window_then_refuses_until_the_next(database):
    allowed = [hit(database, "sign-in:abc", limit=3, per_seconds=60, now=T0 + timedelta(seconds=i))
               for i in range(5)]
    assert allowed == [True, True, True, False, False]
    assert hit(database, "sign-in:other", limit=3, per_seconds=60, now=T0)  # keys are separate
    assert hit(database, "sign-in:abc", limit=3, per_seconds=60, now=T0 + timedelta(seconds=30))


def test_finished_windows_are_pruned(database):
    for i in range(3):
        hit(database, "k:1", limit=10, per_seconds=60, now=T0 + timedelta(seconds=i))
    hit(database, "k:stale", limit=10, per_seconds=60, now=T0 - timedelta(days=2))
    hit(database, "k:1", limit=10, per_seconds=60, now=T0 + timedelta(minutes=5))
    with database.transaction() as s:
        rows = s.execute(select(RateLimitBucket.key, RateLimitBucket.count)).all()
    assert sorted(rows) == [("k:1", 1)]


@pytest.mark.parametrize(("limit", "per_seconds", "key"), [
    (0, 60, "k"), (5, 0, "k"), (5, DAY + 1, "k"), (5, 60, ""), (5, 60, "k" * 201),
])
def test_nonsense_limits_and_keys_are_refused(database, limit, per_seconds, key):
    with pytest.raises(ValueError, match=r"rate[- ]limit"):
        hit(database, key, limit=limit, per_seconds=per_seconds, now=T0)


def test_concurrent_hits_from_separate_engines_never_lose_a_count(fresh_database_url):
    """Two 'processes' (two engines, two pools) and eight threads hammer one key at once."""
    databases = [Database(fresh_database_url), Database(fresh_database_url)]
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(database: Database) -> None:
        start.wait()
        for _ in range(10):
            ok = hit(database, "sign-in:shared", limit=25, per_seconds=60, now=T0)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker, args=(databases[i % 2],)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert Counter(results) == {True: 25, False: 55}
        assert bucket_total(databases[0]) == 80
    finally:
        for database in databases:
            database.engine.dispose()


def test_a_limit_is_shared_by_two_app_instances_with_their_own_engines(
    fresh_database_url, settings, keyring
):
    """The real multi-worker situation: two app instances, each with its own connection pool, serve
    concurrent requests from one client address; together they let exactly `limit` through."""
    databases = [Database(fresh_database_url), Database(fresh_database_url)]
    apps = [build_app(settings, db, keyring, limit=10) for db in databases]
    statuses: list[int] = []
    retry_after: set[str] = set()
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker(index: int) -> None:
        client = apps[index % 2].test_client()
        start.wait()
        for _ in range(6):
            response = client.post("/test/attempt")
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 429:
                    retry_after.add(response.headers["Retry-After"])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert Counter(statuses) == {200: 10, 429: 14}
        assert all(0 < int(value) <= DAY for value in retry_after)
        # A third worker started later sees the spent limit too.
        assert apps[0].test_client().get("/test/attempt").status_code == 429
    finally:
        for database in databases:
            database.engine.dispose()


def test_the_refusal_is_a_clear_page_for_browsers_and_a_problem_for_the_api(
    settings, database, keyring
):
    app = build_app(settings, database, keyring, limit=1)
    client = app.test_client()
    assert client.get("/test/attempt").status_code == 200
    page = client.get("/test/attempt")
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    assert "Too many attempts" in page.get_data(as_text=True)
    assert 0 < int(page.headers["Retry-After"]) <= DAY
    assert page.headers["Content-Security-Policy"]
    api = client.get("/api/v1/test/attempt")
    assert api.status_code == 429
    assert api.mimetype == "application/problem+json"
    assert api.json["title"] == "Too many attempts"
    assert api.headers["Retry-After"]


def test_failed_attempts_count_although_their_request_rolls_back(settings, database, keyring):
    app = build_app(settings, database, keyring, limit=3)
    client = app.test_client()
    assert [client.post("/test/failing").status_code for _ in range(4)] == [422, 422, 422, 429]
    assert bucket_total(database) == 4


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(
    settings, database, keyring
):
    app = build_app(settings, database, keyring, limit=2, proxy_fix=1)
    client = app.test_client()
    first = {"X-Forwarded-For": "203.0.113.7"}
    second = {"X-Forwarded-For": "198.51.100.9"}
    assert [client.get("/test/attempt", headers=first).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/test/attempt", headers=second).status_code == 200
    with database.transaction() as s:
        keys = s.scalars(select(RateLimitBucket.key)).all()
    assert len(set(keys)) == 2
    assert not any("203.0.113.7" in k or "198.51.100.9" in k for k in keys)  # no addresses stored
    plain_digests = {hashlib.sha256(ip.encode()).hexdigest()[:32] for ip in ("203.0.113.7", "198.51.100.9")}
    assert not any(k.split(":", 1)[1] in plain_digests for k in keys)  # nor guessable digests of them


def test_without_proxy_fix_a_forged_forwarded_for_does_not_buy_more_attempts(
    settings, database, keyring
):
    app = build_app(settings, database, keyring, limit=2)
    client = app.test_client()
    statuses = [client.get("/test/attempt", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
                for i in range(3)]
    assert statuses == [200, 200, 429]
