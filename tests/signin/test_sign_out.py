"""Sign-out asks the provider for its metadata only once the request holds no database lock.

On SQLite a POST's transaction holds the database's one write lock from its first statement, so a
network call made inside it (up to the provider's HTTP timeout) would stall every other writer;
on PostgreSQL it would hold the session row's lock as long.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hub.sessions.cookies import SESSION_COOKIE
from hub.signin.providers import ProviderMetadata, ProviderUnavailable
from hub.signin.views import EXTENSION
from tests.signin.conftest import LiveHub
from tests.support.idp import location_of, sign_in_at_provider


def signed_in(hub: LiveHub, browser: requests.Session, subject: str) -> str:
    """Sign in and return the CSRF token for the sign-out form."""
    answer = browser.get(location_of(sign_in_at_provider(browser, hub.url, "north", subject)),
                         allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return hub.page(browser).headers["X-CSRF-Token"]


def nothing_holds_a_write_lock(hub: LiveHub, session_id: int) -> bool:
    """Whether another connection could write at once: SQLite's write lock is free, or (PostgreSQL)
    the session's row is not locked by an uncommitted change."""
    url = make_url(hub.database.url)
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()
    with hub.database.engine.connect() as probe:
        try:
            probe.execute(text("SELECT id FROM user_sessions WHERE id = :id FOR UPDATE NOWAIT"),
                          {"id": session_id})
            return True
        except OperationalError:
            return False


def test_sign_out_fetches_the_providers_metadata_only_once_the_database_is_free(hub, browser, monkeypatch):
    csrf = signed_in(hub, browser, "out-1")
    [live] = hub.live_sessions()
    registry = hub.app.extensions[EXTENSION]
    fetch = registry.metadata
    free_while_fetching: list[bool] = []

    def watched(provider: Any, *, now: Any) -> ProviderMetadata:
        free_while_fetching.append(nothing_holds_a_write_lock(hub, live.id))
        return fetch(provider, now=now)

    monkeypatch.setattr(registry, "metadata", watched)
    out = browser.post(f"{hub.url}/sign-out", data={"csrf_token": csrf}, allow_redirects=False)

    assert free_while_fetching == [True]
    assert out.status_code == 302
    end_session = urlsplit(location_of(out))
    assert f"{end_session.scheme}://{end_session.netloc}" == hub.idps["north"].issuer
    assert hub.live_sessions() == []


@pytest.mark.parametrize("code", ["discovery_unreachable", "discovery_http_502"])
def test_sign_out_still_ends_the_session_when_the_provider_is_unreachable(hub, browser, monkeypatch, code):
    csrf = signed_in(hub, browser, "out-1")
    copied = browser.cookies.get(SESSION_COOKIE, domain="127.0.0.1")
    registry = hub.app.extensions[EXTENSION]

    def unreachable(provider: Any, *, now: Any) -> ProviderMetadata:
        raise ProviderUnavailable(provider, code)

    monkeypatch.setattr(registry, "metadata", unreachable)
    out = browser.post(f"{hub.url}/sign-out", data={"csrf_token": csrf}, allow_redirects=False)

    assert out.status_code == 302
    assert location_of(out) == f"{hub.url}/signed-out"
    assert hub.live_sessions() == []
    assert [e.outcome for e in hub.audit("signout")] == ["success"]
    with requests.Session() as thief:
        thief.cookies.set(SESSION_COOKIE, copied, domain="127.0.0.1")
        assert thief.get(f"{hub.url}/", allow_redirects=False).status_code == 302
