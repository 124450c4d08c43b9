"""Fixtures: the database (SQLite or PostgreSQL, per HUB_TEST_DB), the app, people and tokens.

The schema is migrated with Alembic once per session; each test runs inside a transaction
that is rolled back, every commit of the code under test becoming a savepoint release.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from hub import migrate
from hub.app import create_app
from hub.config import Policy, Settings, SmtpConfig
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, make_engine
from tests.support.components import component_missing
from tests.support.environment import BadTestEnvironment, check, database_kind, skipped_components
from tests.support.factories.core import Factory
from tests.support.postgres import PostgresCluster, start_cluster
from tests.support.smtp import SmtpServer
from tests.support.templates import InMemoryBytecodeCache

__all__ = ["DB_KIND", "Factory", "app_for", "rolled_back", "settings_for", "with_policy"]

try:
    DB_KIND = database_kind()
except BadTestEnvironment:
    DB_KIND = os.environ.get("HUB_TEST_DB", "")  # pytest_configure stops the run, saying why


def pytest_configure(config: pytest.Config) -> None:
    """Refuse, before any test runs, a HUB_TEST_DB or HUB_TEST_SKIP value the harness does not know."""
    try:
        check()
    except BadTestEnvironment as exc:
        raise pytest.UsageError(str(exc)) from None
    if DB_KIND == "postgresql" and "postgresql" in skipped_components():
        raise pytest.UsageError("HUB_TEST_DB=postgresql, but HUB_TEST_SKIP leaves PostgreSQL out")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database-tests-only", action="store_true",
                     help="leave out the tests that use no database: `make test` runs them once, in the "
                          "SQLite suite, rather than in both")


# The fixtures through which a test reaches the run's database (every other database fixture
# depends on one of them).
DATABASE_FIXTURES = frozenset({"database_url", "pg_cluster"})


def uses_no_database(item: pytest.Item) -> bool:
    """A test that would run the same on either database: it asks for no database fixture, its
    module does not read DB_KIND, and it has no skip condition (which may be the database's)."""
    module = getattr(item, "module", None)
    return (not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
            and getattr(module, "DB_KIND", None) is None
            and next(item.iter_markers("skipif"), None) is None
            and next(item.iter_markers("postgres_only"), None) is None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    elsewhere = [item for item in items if uses_no_database(item)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        left = set(map(id, elsewhere))
        items[:] = [item for item in items if id(item) not in left]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> str | None:
    if config.getoption("--database-tests-only"):
        return "--database-tests-only: the tests that use no database run in the other suite"
    return None


def pytest_report_header() -> str:
    skipped = ",".join(sorted(skipped_components())) or "none"
    return f"hub test database: {DB_KIND}; components left out (HUB_TEST_SKIP): {skipped}"


@pytest.fixture(scope="session", autouse=True)
def templates_compiled_once() -> Iterator[None]:
    """Every application the tests build shares one bytecode cache (tests/support/templates.py)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(Flask, "jinja_options", {**Flask.jinja_options,
                                           "bytecode_cache": InMemoryBytecodeCache()})
    yield
    patch.undo()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    if DB_KIND != "postgresql":
        yield None
        return
    try:
        cluster = start_cluster()
    except (RuntimeError, OSError) as exc:
        component_missing("postgresql", f"PostgreSQL is required for HUB_TEST_DB=postgresql: {exc}")
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
) -> Iterator[str]:
    """A migrated database of its own, for tests that need real commits (CLI, concurrency),
    dropped afterwards on PostgreSQL."""
    if pg_cluster is not None:
        name = f"hub_{uuid.uuid4().hex[:12]}"
        yield pg_cluster.create_database(name, template="hub_template")
        pg_cluster.drop_database(name)
        return
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    yield url


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
def db_connection(engine: Engine) -> Iterator[Connection]:
    """The one connection a test's sessions share, inside a transaction rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    if outer.is_active:
        outer.rollback()
    connection.close()


@pytest.fixture
def database(db_connection: Connection, engine: Engine, database_url: str) -> Database:
    db = Database(database_url, engine=engine)
    db.bind_to_connection(db_connection)
    return db


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.session()
    yield s
    s.close()


def settings_for(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        keyring_path=None,
        base_url="http://127.0.0.1:5000",
        policy=Policy(),
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


def app_for(settings: Settings, database: Database, keyring: Keyring) -> Flask:
    application = create_app(settings, database=database, keyring=keyring)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def app(settings: Settings, database: Database, keyring: Keyring) -> Flask:
    return app_for(settings, database, keyring)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(session: Session, envelope: Envelope) -> Factory:
    return Factory(session, envelope)


def with_policy(settings: Settings, **changes: object) -> Settings:
    return replace(settings, policy=replace(settings.policy, **changes))


@contextmanager
def rolled_back(connection: Connection, session: Session) -> Iterator[None]:
    """Everything written inside the block (commits included) is undone when it ends.

    For property tests: each hypothesis example runs in a savepoint of its own, so no example
    sees what an earlier one wrote, and a failure replays against the same data.
    """
    session.rollback()  # the test's own session must hold no savepoint across the boundary
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        session.rollback()
        session.expunge_all()
        if savepoint.is_active:
            savepoint.rollback()


# A real SMTP server on loopback, and settings whose [smtp] points at it (links to the hub's
# pages are made from base_url).
MAIL_SENDER = "safeguarding-hub@northshire.example"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return replace(settings, base_url="https://hub.northshire.example",
                   smtp=SmtpConfig(host=smtp_server.host, port=smtp_server.port, sender=MAIL_SENDER))
