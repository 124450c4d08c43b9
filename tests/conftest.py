"""Fixtures: the database (SQLite or PostgreSQL, per HUB_TEST_DB), the app, people and tokens.

The schema is migrated with Alembic once per session; each test runs inside a transaction
that is rolled back, every commit of the code under test becoming a savepoint release.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, User
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy, Settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, make_engine, utcnow
from tests.support.postgres import PostgresCluster, start_cluster

DB_KIND = os.environ.get("HUB_TEST_DB", "sqlite")
_counter = itertools.count(1)


def pytest_report_header() -> str:
    return f"hub test database: {DB_KIND}"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    if DB_KIND != "postgresql":
        yield None
        return
    try:
        cluster = start_cluster()
    except (RuntimeError, OSError) as exc:
        pytest.fail(f"PostgreSQL is required for HUB_TEST_DB=postgresql: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def database_url(pg_cluster: PostgresCluster | None, tmp_path_factory: pytest.TempPathFactory) -> str:
    if pg_cluster is not None:
        url = pg_cluster.create_database("hub_template")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.db'}"
    migrate.upgrade(url)
    migrate.check(url)
    if pg_cluster is not None:
        # The shared test engine gets a copy, so that hub_template stays free of connections
        # and fresh_database_url can still copy it.
        url = pg_cluster.create_database("hub_tests", template="hub_template")
    return url


@pytest.fixture
def fresh_database_url(
    pg_cluster: PostgresCluster | None, database_url: str, tmp_path: Path
) -> str:
    """A migrated database of its own, for tests that need real commits (CLI, concurrency)."""
    if pg_cluster is not None:
        return pg_cluster.create_database(f"hub_{uuid.uuid4().hex[:12]}", template="hub_template")
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring.generate()


@pytest.fixture
def envelope(keyring: Keyring) -> Envelope:
    return Envelope(keyring)


@pytest.fixture
def database(engine: Engine, database_url: str) -> Iterator[Database]:
    connection = engine.connect()
    outer = connection.begin()
    db = Database(database_url, engine=engine)
    db.bind_to_connection(connection)
    yield db
    if outer.is_active:
        outer.rollback()
    connection.close()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.session()
    yield s
    s.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        keyring_path=None,
        base_url="http://127.0.0.1:5000",
        policy=Policy(),
    )


@pytest.fixture
def app(settings: Settings, database: Database, keyring: Keyring) -> Flask:
    application = create_app(settings, database=database, keyring=keyring)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Factory:
    """Builds agencies, people, tokens and cases through the real services."""

    session: Session
    envelope: Envelope

    def agency(self, code: str | None = None, kind: str = "police") -> Agency:
        code = code or f"AG-{next(_counter):04d}"
        return agency_services.add_agency(self.session, Actor.system(), code=code,
                                          name=f"Agency {code}", kind=kind, now=utcnow())

    def user(self, agency: Agency, *roles: str, name: str | None = None) -> User:
        n = next(_counter)
        return agency_services.add_user(
            self.session, Actor.system(), agency_code=agency.code,
            email=f"person{n}@{agency.code.lower()}.example", name=name or f"Person {n}",
            roles=list(roles or ("practitioner",)), now=utcnow(),
        )

    def token(self, user: User, days: int = 30) -> str:
        _t, secret = agency_services.create_token(self.session, Actor.system(), user=user,
                                                  days=days, now=utcnow())
        self.session.commit()
        return secret

    def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def case(self, creator: User, *, kind: CaseKind = CaseKind.ADULT, members: tuple[Agency, ...] = (),
             name: str = "Alex Testperson", dob: date = date(1980, 5, 17)) -> Case:
        case = case_services.create_case(
            self.session, Actor(creator, "test"), kind=kind,
            subject=case_services.Subject(name, dob), agency_codes=[a.code for a in members],
            envelope=self.envelope, policy=Policy(), now=utcnow(),
        )
        self.session.commit()
        return case


@pytest.fixture
def make(session: Session, envelope: Envelope) -> Factory:
    return Factory(session, envelope)


def with_policy(settings: Settings, **changes: object) -> Settings:
    return replace(settings, policy=replace(settings.policy, **changes))
