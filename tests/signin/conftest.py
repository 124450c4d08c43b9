"""Fixtures for sign-in: two real `oidc-provider` instances (two agencies, two issuers), two
hand-rolled providers for forged tokens, and the hub itself served over real HTTP on loopback.

A missing Node.js or npm package fails the run, unless HUB_TEST_SKIP=idp leaves these tests out
(tests.support.components; never in CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.services import add_agency
from hub.app import create_app
from hub.audit.models import AuditEvent
from hub.config import Policy, ProviderConfig, Settings
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from hub.sessions.cookies import SESSION_COOKIE
from hub.sessions.models import UserSession
from hub.signin.binding import BINDING_COOKIE
from tests.support import components
from tests.support.idp import (
    ComponentMissing,
    HandRolledProvider,
    LiveServer,
    OidcProviderProcess,
    ensure_idp_installed,
    free_port,
    start_oidc_provider,
)

HUB_HOST = "127.0.0.1"
SECRETS = {
    "north": "north-client-secret-0123456789-abcdefghij",
    "south": "south-client-secret-0123456789-abcdefghij",
    "forged": "forged-client-secret-0123456789-abcdefghi",
    "forged-b": "forged-b-client-secret-0123456789-abcdefg",
}
NORTH_ACCOUNTS: dict[str, dict[str, Any]] = {
    "officer-1": {"name": "Olive Officer", "email": "olive@police.example", "roles": ["officer"]},
    "lead-1": {"name": "Lee Lead", "email": "lee@police.example", "roles": ["safeguarding-lead"]},
    "shared-7": {"name": "Sam Shared", "email": "sam@shared.example", "roles": ["officer"]},
    "mover-1": {"name": "Morgan Mover", "roles": ["officer"], "agency": "NHS-S1"},
    "retired-1": {"name": "Rory Retired", "roles": ["officer"]},
    "bc-1": {"name": "Bea Backchannel", "roles": ["officer"]},
    "out-1": {"name": "Otto Out", "roles": ["officer"]},
}
SOUTH_ACCOUNTS: dict[str, dict[str, Any]] = {
    "shared-7": {"name": "Sam Shared", "email": "sam@shared.example", "roles": ["clinician"],
                 "agency": "NHS-S2"},
    "ig-1": {"name": "Ida Governance", "roles": ["ig-officer"], "agency": "NHS-S1"},
    "nowhere-1": {"name": "Nell Nowhere", "roles": ["clinician"]},
    "elsewhere-1": {"name": "Ezra Elsewhere", "roles": ["clinician"], "agency": "POL-N"},
}


def component_missing(message: str) -> None:
    components.component_missing("idp", message)


@pytest.fixture(scope="session")
def hub_url() -> str:
    return f"http://{HUB_HOST}:{free_port(HUB_HOST)}"


def _client(hub_url: str, name: str) -> dict[str, Any]:
    return {
        "client_id": "hub",
        "client_secret": SECRETS[name],
        "redirect_uris": [f"{hub_url}/auth/{name}/callback"],
        "post_logout_redirect_uris": [f"{hub_url}/signed-out"],
        "backchannel_logout_uri": f"{hub_url}/auth/{name}/backchannel-logout",
    }


@pytest.fixture(scope="session")
def oidc_providers(
    hub_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, OidcProviderProcess]]:
    """Two real OpenID providers: `north` (a police force) and `south` (an NHS trust)."""
    components.leave_out_if_opted_out("idp")
    try:
        ensure_idp_installed()
    except ComponentMissing as exc:
        component_missing(str(exc))
    workdir = tmp_path_factory.mktemp("idp")
    started: dict[str, OidcProviderProcess] = {}
    try:
        instances = (("north", "127.0.0.2", NORTH_ACCOUNTS), ("south", "127.0.0.3", SOUTH_ACCOUNTS))
        for name, host, accounts in instances:
            try:
                started[name] = start_oidc_provider(workdir, host=host, clients=[_client(hub_url, name)],
                                                    accounts=accounts)
            except ComponentMissing as exc:
                component_missing(str(exc))
        yield started
    finally:
        for idp in started.values():
            idp.stop()


@dataclass
class LiveHub:
    """The hub over real HTTP, its own database, and the providers it trusts."""

    url: str
    app: Flask
    database: Database
    idps: dict[str, OidcProviderProcess]
    forged: HandRolledProvider
    forged_b: HandRolledProvider

    def query(self, statement: Any) -> list[Any]:
        with self.database.session() as session:
            return list(session.scalars(statement))

    def count(self, model: Any, *where: Any) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def audit(self, action: str) -> list[AuditEvent]:
        return self.query(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))

    def live_sessions(self) -> list[UserSession]:
        return self.query(select(UserSession).where(UserSession.ended_at.is_(None)))

    def change(self) -> Session:
        return self.database.session()

    def page(self, browser: requests.Session, path: str = "/") -> requests.Response:
        return browser.get(self.url + path, allow_redirects=False)


# The real providers release the `roles` claim only under the `roles` scope.
WITH_ROLES = ("openid", "profile", "email", "roles")


def provider_configs(idps: dict[str, OidcProviderProcess], forged: HandRolledProvider,
                     forged_b: HandRolledProvider, gone_issuer: str) -> tuple[ProviderConfig, ...]:
    return (
        ProviderConfig(name="north", title="Northshire Police", issuer=idps["north"].issuer, client_id="hub",
                       client_secret_env="HUB_TEST_NORTH_SECRET", agencies=("POL-N",), role_claim="roles",
                       role_map={"safeguarding-lead": "lead", "officer": "practitioner"}, scopes=WITH_ROLES),
        ProviderConfig(name="south", title="Southshire NHS Trust", issuer=idps["south"].issuer,
                       client_id="hub", client_secret_env="HUB_TEST_SOUTH_SECRET",
                       agencies=("NHS-S1", "NHS-S2"), role_claim="roles",
                       role_map={"clinician": "practitioner", "ig-officer": "ig"}, scopes=WITH_ROLES),
        ProviderConfig(name="forged", title="Forged Agency", issuer=forged.issuer, client_id="hub",
                       client_secret_env="HUB_TEST_FORGED_SECRET", agencies=("FRG-1",)),
        ProviderConfig(name="forged-b", title="Second Forged Agency", issuer=forged_b.issuer, client_id="hub",
                       client_secret_env="HUB_TEST_FORGED_B_SECRET", agencies=("FRG-2",)),
        ProviderConfig(name="gone", title="Gone Agency", issuer=gone_issuer, client_id="hub",
                       client_secret_env="HUB_TEST_FORGED_SECRET", agencies=("FRG-1",)),
    )


@pytest.fixture
def provider_changes() -> dict[str, dict[str, Any]]:
    """Changes to the providers' configuration, by provider name; a test parametrizes this name
    to run the hub with, say, `{"north": {"default_role": "practitioner"}}`."""
    return {}


@pytest.fixture
def hub(
    oidc_providers: dict[str, OidcProviderProcess], hub_url: str, fresh_database_url: str, keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch, provider_changes: dict[str, dict[str, Any]],
) -> Iterator[LiveHub]:
    for name, secret in SECRETS.items():
        monkeypatch.setenv(f"HUB_TEST_{name.upper().replace('-', '_')}_SECRET", secret)
    forged = HandRolledProvider("127.0.0.4", "hub", SECRETS["forged"]).start()
    forged_b = HandRolledProvider("127.0.0.5", "hub", SECRETS["forged-b"]).start()
    database = Database(fresh_database_url)
    with database.transaction() as session:
        for code, kind in (("POL-N", "police"), ("NHS-S1", "nhs_mental_health"), ("NHS-S2", "nhs_acute"),
                           ("FRG-1", "other"), ("FRG-2", "other")):
            add_agency(session, Actor.system(), code=code, name=f"Agency {code}", kind=kind, now=utcnow())
    providers = provider_configs(oidc_providers, forged, forged_b, f"http://127.0.0.1:{free_port()}")
    settings = Settings(
        database_url=fresh_database_url, secret_key="sign-in-test-secret-key", keyring_path=None,
        base_url=hub_url,
        providers=tuple(replace(p, **provider_changes.get(p.name, {})) for p in providers),
        policy=Policy(),
    )
    app = create_app(settings, database=database, keyring=keyring)
    host, port = hub_url.removeprefix("http://").split(":")
    server = LiveServer(app, host, int(port))
    try:
        yield LiveHub(hub_url, app, database, oidc_providers, forged, forged_b)
    finally:
        server.stop()
        forged.stop()
        forged_b.stop()
        database.engine.dispose()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def session_cookie_set(response: requests.Response) -> bool:
    """Whether the hub's answer gives the browser a session cookie (a non-empty one)."""
    return any(c.name == SESSION_COOKIE and c.value for c in response.cookies)


def binding_cookie(browser: requests.Session) -> str | None:
    """The sign-in binding cookie the browser holds for the hub, if any."""
    return browser.cookies.get(BINDING_COOKIE, domain=HUB_HOST)
