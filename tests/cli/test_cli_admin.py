"""`hub db upgrade`, `agency add`, `user add`, `user deactivate`, `token create`, as operators run them."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import Engine

from hub import migrate
from hub.agencies.models import Agency, ApiToken, User
from hub.audit.models import AuditEvent
from hub.crypto.keyring import Keyring
from hub.db import make_engine
from tests.cli.support import alembic_revision, assert_refused, hub_env, row_counts, run_hub


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    Keyring.generate().save(path)
    return path


@pytest.fixture
def env(fresh_database_url: str, keyring_path: Path) -> dict[str, str]:
    return hub_env(fresh_database_url, keyring_path)


@pytest.fixture
def db(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def hub(env: dict[str, str], tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_hub(*args, env=env, cwd=tmp_path)


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    assert head is not None
    return head


# --- help -------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    [], ["db"], ["db", "upgrade"], ["agency", "add"], ["user", "add"], ["user", "deactivate"],
    ["token", "create"], ["serve"], ["demo"], ["keys", "init"], ["audit", "verify"], ["jobs", "run"],
])
def test_every_command_explains_itself_with_help(command, env, tmp_path):
    result = hub(env, tmp_path, *command, "--help")
    assert result.code == 0, result
    assert result.stdout.startswith(f"Usage: hub {' '.join(command)}".rstrip())
    assert "Traceback" not in result.output


def test_bare_hub_lists_the_commands(env, tmp_path):
    result = hub(env, tmp_path)
    assert result.code == 0
    for command in ("agency", "user", "token", "db", "serve", "demo", "keys", "audit", "jobs"):
        assert f"  {command} " in result.stdout


def test_unknown_command_and_missing_subcommand_are_refused(env, tmp_path):
    assert_refused(hub(env, tmp_path, "frobnicate"), "No such command 'frobnicate'", code=2)
    missing = hub(env, tmp_path, "agency")
    assert_refused(missing, "hub agency", code=2)
    assert "add" in missing.stdout  # and the group's help says what there is


# --- db upgrade -------------------------------------------------------------------------------


def test_db_upgrade_creates_the_sqlite_folder_and_is_idempotent(tmp_path, keyring_path):
    target = tmp_path / "not" / "yet" / "there" / "hub.db"
    url = f"sqlite:///{target}"
    env = hub_env(url, keyring_path)
    first = hub(env, tmp_path, "db", "upgrade")
    assert first.code == 0, first
    assert target.exists()
    second = hub(env, tmp_path, "db", "upgrade")
    assert second.code == 0, second
    assert "newest schema" in second.stdout
    engine = make_engine(url)
    try:
        assert alembic_revision(engine) == head_revision(url)
    finally:
        engine.dispose()


def test_db_upgrade_on_an_already_migrated_database_changes_nothing(env, tmp_path, db, fresh_database_url):
    before = row_counts(db)
    result = hub(env, tmp_path, "db", "upgrade")
    assert result.code == 0, result
    assert alembic_revision(db) == head_revision(fresh_database_url)
    assert row_counts(db) == before


def test_commands_on_an_unmigrated_database_say_to_run_db_upgrade(tmp_path, keyring_path):
    env = hub_env(f"sqlite:///{tmp_path / 'empty.db'}", keyring_path)
    result = hub(env, tmp_path, "agency", "add", "POL-NS", "--name", "Northshire Police", "--kind", "police")
    assert_refused(result, "hub db upgrade")


def test_unreachable_database_is_named_without_its_password(tmp_path, keyring_path):
    env = hub_env("postgresql+psycopg://hub:s3cret-pw@127.0.0.1:1/hub", keyring_path)
    result = hub(env, tmp_path, "agency", "add", "POL-NS", "--name", "Northshire Police", "--kind", "police")
    assert_refused(result, "cannot use the database", "127.0.0.1:1")
    assert "s3cret-pw" not in result.output


def test_a_malformed_database_url_is_refused_clearly(tmp_path, keyring_path):
    result = hub(hub_env("not a url", keyring_path), tmp_path, "db", "upgrade")
    assert_refused(result, "HUB_DATABASE_URL is not a valid database URL")


# --- agency add -------------------------------------------------------------------------------


def test_agency_add_registers_the_agency_and_audits_it(env, tmp_path, db):
    result = hub(env, tmp_path, "agency", "add", "POL-NS", "--name", "Northshire Police", "--kind", "police")
    assert result.code == 0, result
    assert result.stdout.strip() == "agency POL-NS registered"
    with db.connect() as connection:
        row = connection.execute(select(Agency.code, Agency.name, Agency.kind)).one()
        actions = connection.execute(select(AuditEvent.action)).scalars().all()
    assert tuple(row) == ("POL-NS", "Northshire Police", "police")
    assert actions == ["agency.add"]


@pytest.mark.parametrize(("args", "fragments"), [
    (["pol-ns", "--name", "Northshire Police", "--kind", "police"], ["code:", "upper-case"]),
    (["P", "--name", "Northshire Police", "--kind", "police"], ["code:"]),
    (["POL-NS", "--name", "   ", "--kind", "police"], ["name:"]),
    (["POL-NS", "--name", "Northshire Police", "--kind", "constabulary"], ["--kind", "constabulary"]),
    (["POL-NS", "--name", "Northshire Police"], ["--kind"]),
    (["--name", "Northshire Police", "--kind", "police"], ["CODE"]),
])
def test_agency_add_refuses_bad_input_and_writes_nothing(args, fragments, env, tmp_path, db):
    before = row_counts(db)
    assert_refused(hub(env, tmp_path, "agency", "add", *args), *fragments)
    assert row_counts(db) == before


def test_a_duplicate_agency_is_refused_and_the_first_one_is_kept(env, tmp_path, db):
    assert hub(env, tmp_path, "agency", "add", "POL-NS", "--name", "Northshire Police",
               "--kind", "police").code == 0
    before = row_counts(db)
    again = hub(env, tmp_path, "agency", "add", "POL-NS", "--name", "Other", "--kind", "idva")
    assert_refused(again, "POL-NS already exists")
    assert row_counts(db) == before
    with db.connect() as connection:
        assert connection.execute(select(Agency.name)).scalars().all() == ["Northshire Police"]


# --- user add and deactivate ------------------------------------------------------------------


@pytest.fixture
def agency_ns(env, tmp_path) -> str:
    result = hub(env, tmp_path, "agency", "add", "ASC-NS", "--name", "Adult Social Care",
                 "--kind", "council_adults")
    assert result.code == 0, result
    return "ASC-NS"


def test_user_add_with_several_roles(env, tmp_path, db, agency_ns):
    result = hub(env, tmp_path, "user", "add", "--agency", agency_ns, "--email", "lead@asc.example",
                 "--name", "Hannah Price", "--role", "lead", "--role", "ig")
    assert result.code == 0, result
    with db.connect() as connection:
        person = connection.execute(select(User.id, User.email, User.roles, User.active)).one()
    assert result.stdout.strip() == f"user {person.id} registered in ASC-NS"
    assert (person.email, sorted(person.roles), person.active) == ("lead@asc.example", ["ig", "lead"], True)


@pytest.mark.parametrize(("args", "fragments"), [
    (["--agency", "NOPE", "--email", "a@asc.example", "--name", "A", "--role", "lead"],
     ["agency:", "NOPE"]),
    (["--agency", "ASC-NS", "--email", "not-an-address", "--name", "A", "--role", "lead"], ["email:"]),
    (["--agency", "ASC-NS", "--email", "a@asc.example", "--name", "A", "--role", "boss"],
     ["--role", "boss"]),
    (["--agency", "ASC-NS", "--email", "a@asc.example", "--name", "A", "--role", "lead", "--role", "king"],
     ["--role", "king"]),
    (["--agency", "ASC-NS", "--email", "a@asc.example", "--name", "A"], ["--role"]),
    (["--agency", "ASC-NS", "--email", "a@asc.example", "--name", " ", "--role", "lead"], ["name:"]),
])
def test_user_add_refuses_bad_input_and_writes_nothing(args, fragments, env, tmp_path, db, agency_ns):
    before = row_counts(db)
    assert_refused(hub(env, tmp_path, "user", "add", *args), *fragments)
    assert row_counts(db) == before


def test_user_deactivate_of_an_unknown_address_is_refused(env, tmp_path, db):
    before = row_counts(db)
    assert_refused(hub(env, tmp_path, "user", "deactivate", "--email", "nobody@asc.example"),
                   "nobody@asc.example")
    assert row_counts(db) == before


# --- token create -----------------------------------------------------------------------------


@pytest.fixture
def person_email(env, tmp_path, agency_ns) -> str:
    result = hub(env, tmp_path, "user", "add", "--agency", agency_ns, "--email", "svc@asc.example",
                 "--name", "Case system", "--role", "practitioner")
    assert result.code == 0, result
    return "svc@asc.example"


def test_token_create_prints_the_token_once_and_stores_only_its_hash(env, tmp_path, db, person_email):
    result = hub(env, tmp_path, "token", "create", "--user", person_email, "--days", "30")
    assert result.code == 0, result
    secret = result.stdout.strip()
    assert secret.startswith("hub_")
    assert len(secret) > 40
    assert result.stderr == ""
    with db.connect() as connection:
        row = connection.execute(select(ApiToken)).one()._mapping
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    assert (row["expires_at"] - row["created_at"]).days == 30


@pytest.mark.parametrize("days", ["0", "367", "-1", "ninety"])
def test_token_create_refuses_a_lifetime_out_of_range(days, env, tmp_path, db, person_email):
    before = row_counts(db)
    result = hub(env, tmp_path, "token", "create", "--user", person_email, "--days", days)
    assert_refused(result, "--days", code=2)
    assert result.stdout == ""
    assert row_counts(db) == before


def test_token_create_for_an_unknown_person_is_refused(env, tmp_path, db, person_email):
    before = row_counts(db)
    result = hub(env, tmp_path, "token", "create", "--user", "someone-else@asc.example")
    assert_refused(result, "someone-else@asc.example")
    assert result.stdout == ""
    assert row_counts(db) == before


def test_token_create_for_a_deactivated_person_is_refused(env, tmp_path, db, person_email):
    assert hub(env, tmp_path, "user", "deactivate", "--email", person_email).code == 0
    before = row_counts(db)
    result = hub(env, tmp_path, "token", "create", "--user", person_email)
    assert_refused(result, "deactivated")
    assert row_counts(db) == before


def test_a_bad_config_file_stops_the_command_with_the_setting_named(env, tmp_path, db):
    config = tmp_path / "hub.toml"
    config.write_text("[policy]\nsession_idle_minutes = \"soon\"\n", encoding="utf-8")
    before = row_counts(db)
    result = hub({**env, "HUB_CONFIG": str(config)}, tmp_path, "agency", "add", "POL-NS",
                 "--name", "Northshire Police", "--kind", "police")
    assert_refused(result, "[policy] session_idle_minutes must be a whole number", code=2)
    assert row_counts(db) == before


def test_user_deactivate_by_id_and_the_choice_between_email_and_id(env, tmp_path, db, person_email):
    with db.connect() as connection:
        person_id = connection.execute(select(User.id)).scalar_one()
    assert_refused(hub(env, tmp_path, "user", "deactivate"), "--email or --id", code=2)
    assert_refused(hub(env, tmp_path, "user", "deactivate", "--id", "not-a-uuid"), "--id", code=2)
    result = hub(env, tmp_path, "user", "deactivate", "--id", str(person_id))
    assert result.code == 0, result
    assert result.stdout.strip() == f"user {person_id} deactivated"
    with db.connect() as connection:
        assert connection.execute(select(User.active)).scalar_one() is False
        assert connection.execute(select(AuditEvent.action).where(
            AuditEvent.action == "user.deactivate")).scalars().all() == ["user.deactivate"]


def test_the_installed_console_script_is_the_same_command(env, tmp_path):
    script = Path(sys.executable).with_name("hub")
    assert script.exists(), "pip install -e . installs the `hub` console script"
    completed = subprocess.run([str(script), "agency", "add", "--help"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "--kind" in completed.stdout


def test_token_create_for_an_address_two_people_share_asks_for_the_id(env, tmp_path, db, agency_ns):
    for name in ("First Person", "Second Person"):
        assert hub(env, tmp_path, "user", "add", "--agency", agency_ns, "--email", "shared@asc.example",
                   "--name", name, "--role", "practitioner").code == 0
    before = row_counts(db)
    assert_refused(hub(env, tmp_path, "token", "create", "--user", "shared@asc.example"),
                   "2 users share the e-mail shared@asc.example", "id")
    assert row_counts(db) == before
    with db.connect() as connection:
        second = connection.execute(select(User.id).where(User.name == "Second Person")).scalar_one()
    by_id = hub(env, tmp_path, "token", "create", "--user", str(second))
    assert by_id.code == 0, by_id
    with db.connect() as connection:
        assert connection.execute(select(ApiToken.user_id)).scalars().all() == [second]


def test_the_command_line_starts_without_the_web_application_alembic_or_the_scheduler():
    """Operators run `hub audit verify` and `hub user add` often: what only `serve`, `db upgrade`,
    `scheduler` and `demo` need is imported by those commands (start-up about half a second
    instead of one)."""
    heavy = ("hub.app", "alembic", "apscheduler", "hub.demo", "hub.scheduler", "authlib", "requests")
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, hub.cli; print(' '.join(m for m in sys.argv[1:] if m in sys.modules))", *heavy],
        capture_output=True, text=True, check=True,
    )
    assert probe.stdout.split() == []


def test_db_upgrade_from_a_revision_this_release_does_not_know_is_refused_and_changes_nothing(tmp_path):
    """A database migrated by a newer release (or a typo in alembic_version): Alembic's own error,
    as one line, and the database left as it was."""
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('f00dfeedbeef')")
    result = run_hub("db", "upgrade", env=hub_env(url, None), cwd=tmp_path)
    assert_refused(result, "migration:", "Can't locate revision identified by 'f00dfeedbeef'", code=1)
    with engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()
    engine.dispose()
    assert tables == ["alembic_version"]
