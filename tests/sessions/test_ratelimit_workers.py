"""The sign-in rate limit under `hub serve` with two gunicorn worker processes: the allowance is
one, shared by both workers, because the counter lives in the database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

from hub.crypto.keyring import Keyring
from hub.db import Database
from hub.sessions.models import RateLimitBucket
from hub.sessions.ratelimit import RATE_LIMIT_ATTR, RateLimit
from hub.signin.views import login
from tests.support.postgres import free_port
from tests.support.serve import stop, wait_until_healthy


def test_the_sign_in_limit_holds_across_two_gunicorn_worker_processes(fresh_database_url, tmp_path: Path):
    declared: RateLimit = getattr(login, RATE_LIMIT_ATTR)
    keyring = tmp_path / "keyring.json"
    Keyring.generate().save(keyring)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=fresh_database_url, HUB_KEYRING=str(keyring),
               HUB_SECRET_KEY="rate-limit-test-secret")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    extra = 12
    try:
        wait_until_healthy(base, server)
        # Start early in a fresh window so that every request below falls into the same one.
        remaining = declared.per_seconds - time.time() % declared.per_seconds
        if remaining < 20:
            time.sleep(remaining + 0.5)

        def attempt(_: int) -> requests.Response:
            # A new connection each time, so the requests spread over both workers.
            return requests.get(f"{base}/auth/no-such-agency/login", timeout=30,
                                headers={"Connection": "close"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(attempt, range(declared.limit + extra)))
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {404: declared.limit, 429: extra}
        refused = next(r for r in responses if r.status_code == 429)
        assert 0 < int(refused.headers["Retry-After"]) <= declared.per_seconds
        assert "Too many attempts" in refused.text
        database = Database(fresh_database_url)
        try:
            with database.transaction() as session:
                counted = session.scalar(select(func.sum(RateLimitBucket.count)).where(
                    RateLimitBucket.key.startswith(f"{declared.name}:")))
        finally:
            database.engine.dispose()
        assert counted == declared.limit + extra
    finally:
        out, err = stop(server)
    assert "Traceback" not in out + err
    assert (out + err).count("Booting worker") >= 2  # two worker processes really served
