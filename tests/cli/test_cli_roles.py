"""`hub user roles --email E --set ROLE[,ROLE]`, run as an operator runs it (a subprocess)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from hub.agencies.models import User
from hub.audit.models import AuditEvent
from hub.crypto.keyring import Keyring
from hub.db import make_engine
from tests.cli.support import Result, assert_refused, hub_env, run_hub


@pytest.fixture
def env(fresh_database_url: str, tmp_path: Path) -> dict[str, str]:
    keyring = tmp_path / "keyring.json"
    Keyring.generate().save(keyring)
    return hub_env(fresh_database_url, keyring)


@pytest.fixture
def db(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def hub(env: dict[str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    def run(*args: str) -> Result:
        return run_hub(*args, env=env, cwd=tmp_path)

    assert run("agency", "add", "ASC-NS", "--name", "Adult Social Care", "--kind", "council_adults").code == 0
    return run


def add_person(hub, email: str, *roles: str) -> str:  # type: ignore[no-untyped-def]
    args = [a for role in roles for a in ("--role", role)]
    result = hub("user", "add", "--agency", "ASC-NS", "--email", email, "--name", "Casey Service", *args)
    assert result.code == 0, result
    return result.stdout.split()[1]


def people(db: Engine) -> list[tuple[Any, ...]]:
    with db.connect() as connection:
        return [tuple(r) for r in connection.execute(select(User.id, User.roles).order_by(User.id))]


def audit_actions(db: Engine) -> list[str]:
    with db.connect() as connection:
        return list(connection.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_user_roles_explains_itself_with_help(hub):
    result = hub("user", "roles", "--help")
    assert result.code == 0, result
    assert result.stdout.startswith("Usage: hub user roles")
    assert "--set ROLE[,ROLE]" in result.stdout
    assert "practitioner, manager, lead, ig, admin, auditor" in " ".join(result.stdout.split())


def test_user_roles_sets_the_roles_and_audits_old_and_new(hub, db):
    user_id = add_person(hub, "svc@asc.example", "practitioner")

    result = hub("user", "roles", "--email", "svc@asc.example", "--set", "lead, manager")

    assert result.code == 0, result
    assert result.stdout.strip() == f"user {user_id} has roles lead,manager"
    assert [roles for _id, roles in people(db)] == [["lead", "manager"]]
    with db.connect() as connection:
        event = connection.execute(select(AuditEvent).where(AuditEvent.action == "user.roles_set")).one()
    assert event.object_id == user_id
    assert event.details == {"agency": "ASC-NS", "old": ["practitioner"], "new": ["lead", "manager"]}
    assert event.outcome == "success"
    assert "svc@" not in str(event.details)
    assert "Casey" not in str(event.details)


def test_setting_the_same_roles_again_changes_nothing(hub, db):
    add_person(hub, "svc@asc.example", "lead")
    before = audit_actions(db)
    assert hub("user", "roles", "--email", "svc@asc.example", "--set", "lead").code == 0
    assert audit_actions(db) == before


@pytest.mark.parametrize(
    ("roles", "fragment"),
    [("lead,overlord", "'overlord' is not a hub role; the roles are practitioner"),
     ("", "Give one or more roles"), ("lead,,manager", "Give one or more roles")],
    ids=["unknown-role", "empty", "blank-between-commas"],
)
def test_an_unknown_or_missing_role_is_refused_with_exit_2_and_changes_nothing(hub, db, roles, fragment):
    add_person(hub, "svc@asc.example", "practitioner")
    before = (people(db), audit_actions(db))

    result = hub("user", "roles", "--email", "svc@asc.example", "--set", roles)

    assert_refused(result, "roles:", fragment, code=2)
    assert (people(db), audit_actions(db)) == before


def test_an_unknown_email_is_refused_clearly_and_changes_nothing(hub, db):
    add_person(hub, "svc@asc.example", "practitioner")
    before = (people(db), audit_actions(db))

    result = hub("user", "roles", "--email", "nobody@asc.example", "--set", "lead")

    assert_refused(result, "No user with e-mail nobody@asc.example", code=1)
    assert (people(db), audit_actions(db)) == before


def test_people_sharing_an_address_are_named_by_their_id(hub, db):
    first = add_person(hub, "shared@asc.example", "practitioner")
    second = add_person(hub, "shared@asc.example", "practitioner")
    before = (people(db), audit_actions(db))

    ambiguous = hub("user", "roles", "--email", "shared@asc.example", "--set", "lead")
    assert_refused(ambiguous, "2 users share the e-mail", "name the person by their id", code=1)
    assert (people(db), audit_actions(db)) == before

    by_id = hub("user", "roles", "--id", second, "--set", "lead")
    assert by_id.code == 0, by_id
    assert dict(people(db)) == {uuid.UUID(first): ["practitioner"], uuid.UUID(second): ["lead"]}


def test_naming_the_person_twice_or_not_at_all_is_a_usage_error(hub, db):
    add_person(hub, "svc@asc.example", "practitioner")
    assert_refused(hub("user", "roles", "--set", "lead"), "give either --email or --id", code=2)
    assert_refused(hub("user", "roles", "--email", "svc@asc.example", "--id",
                       "00000000-0000-0000-0000-000000000000", "--set", "lead"),
                   "give either --email or --id", code=2)
