"""PostgreSQL deployment as the README gives it: the hub runs as a role that may insert and read
the audit tables but does not own them, so it can neither change audit rows nor switch off or
drop what refuses changes. The roles and grants are the README's own SQL, run as it says."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import func, select

from hub import migrate
from hub.app import create_app
from hub.audit.chain import seal_pending, verify_chain
from hub.audit.models import AuditEvent, AuditSeal
from hub.config import Settings
from hub.crypto.keyring import Keyring
from hub.db import Database
from tests.audit.cli import run_hub
from tests.audit.helpers import NOW, add_events, checkpoint_lines, keyring_file, postgres_only
from tests.support.postgres import PostgresCluster

pytestmark = [postgres_only, pytest.mark.postgres_only]

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_sql() -> list[str]:
    """The SQL blocks of the README's Deployment section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Deployment")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```sql\n(.*?)```", text[start:end if end != -1 else None], re.S)


def statements(block: str) -> list[str]:
    """One block's statements, without comments (CREATE DATABASE cannot share a transaction)."""
    code = "\n".join(line.split("--", 1)[0] for line in block.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


@dataclass
class Deployment:
    cluster: PostgresCluster
    database: str
    owner: str
    runtime: str

    def dsn(self, role: str) -> str:
        return f"postgresql://{role}@127.0.0.1:{self.cluster.port}/{self.database}"

    def url(self, role: str) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.cluster.port}/{self.database}"


@pytest.fixture(scope="module")
def deployment(pg_cluster: PostgresCluster) -> Iterator[Deployment]:
    """A database set up from nothing by the README's steps: its roles, its grants, migrated by
    the owner. Names get a suffix, as roles belong to the whole cluster."""
    suffix = uuid.uuid4().hex[:8]
    made = Deployment(pg_cluster, f"hub_roles_{suffix}", f"hub_owner_{suffix}", f"hub_runtime_{suffix}")

    def ours(sql: str) -> str:
        sql = re.sub(r"\bhub_owner\b", made.owner, sql)
        sql = re.sub(r"\bhub_runtime\b", made.runtime, sql)
        return re.sub(r"\bDATABASE hub\b", f"DATABASE {made.database}", sql)

    blocks = readme_sql()
    assert len(blocks) == 3, "the README gives the roles' SQL in three steps"
    once, in_database, after_upgrade = ([ours(s) for s in statements(b)] for b in blocks)
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
        for statement in once:
            admin.execute(statement)
    with psycopg.connect(made.dsn("postgres"), autocommit=True) as superuser:
        for statement in in_database:
            superuser.execute(statement)
    migrate.upgrade(made.url(made.owner))
    with psycopg.connect(made.dsn(made.owner), autocommit=True) as owner:
        for statement in after_upgrade:
            owner.execute(statement)
    try:
        yield made
    finally:
        with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{made.database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{made.runtime}"')
            admin.execute(f'DROP ROLE IF EXISTS "{made.owner}"')


@pytest.fixture
def runtime(deployment: Deployment) -> Iterator[Database]:
    database = Database(deployment.url(deployment.runtime))
    yield database
    database.engine.dispose()


def test_the_owner_owns_the_schema_and_the_runtime_role_is_no_superuser(deployment):
    with psycopg.connect(deployment.dsn(deployment.runtime)) as conn:
        owners = dict(conn.execute("SELECT tablename, tableowner FROM pg_tables "
                                   "WHERE schemaname = 'public'").fetchall())
        me = conn.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
                          "WHERE rolname = current_user").fetchone()
    assert owners["audit_events"] == owners["audit_seals"] == deployment.owner
    assert set(owners.values()) == {deployment.owner}
    assert me == (False, False, False, False)


def test_the_runtime_role_writes_and_reads_audit_events_and_seals_them(runtime):
    with runtime.transaction() as s:
        add_events(s, 5)
        assert seal_pending(s, now=NOW) == 5
    with runtime.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) >= 5
        assert verify_chain(s).ok


def test_the_hub_itself_runs_as_the_runtime_role(deployment, runtime, tmp_path):
    """What else the app needs: the command line, a case created through the API (data keys,
    blind index, reference counters locked FOR UPDATE, membership, audit), sealing, verifying."""
    url = deployment.url(deployment.runtime)
    keyring = keyring_file(tmp_path)
    for command in (["agency", "add", "POL-RT", "--name", "Runtime Police", "--kind", "police"],
                    ["user", "add", "--agency", "POL-RT", "--email", "lead@rt.example",
                     "--name", "Role Test Lead", "--role", "lead"]):
        done = run_hub(url, *command, keyring=keyring)
        assert done.returncode == 0, done.stderr
    token = run_hub(url, "token", "create", "--user", "lead@rt.example", keyring=keyring)
    assert token.returncode == 0, token.stderr
    settings = Settings(database_url=url, secret_key="runtime-role-test", keyring_path=keyring,
                        base_url="http://127.0.0.1:5000")
    app = create_app(settings, database=runtime, keyring=Keyring.load(keyring))
    response = app.test_client().post(
        "/api/v1/cases", headers={"Authorization": f"Bearer {token.stdout.strip()}"},
        json={"kind": "adult", "subject": {"name": "Fictional Person", "date_of_birth": "1970-01-01"},
              "agencies": []})
    assert response.status_code == 201, response.get_data(as_text=True)
    verified = run_hub(url, "audit", "verify", keyring=keyring)
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout
    assert checkpoint_lines(keyring.with_name("audit-checkpoints.jsonl"))


REFUSED = {
    "update an event": "UPDATE audit_events SET action = 'case.nothing'",
    "delete an event": "DELETE FROM audit_events",
    "update a seal": "UPDATE audit_seals SET hash = 'forged'",
    "delete a seal": "DELETE FROM audit_seals",
    "truncate the events": "TRUNCATE audit_events CASCADE",
    "truncate the seals": "TRUNCATE audit_seals",
}
# Statements only an owner (or a superuser) may run; each is run by the owner too, rolled back,
# to show that it is the role that is refused, not the statement.
OWNERS_ONLY = {
    "disable the triggers": "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "disable one trigger": "ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_append_only",
    "drop a trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "drop the truncate trigger": "DROP TRIGGER audit_seals_no_truncate ON audit_seals",
    "replace the trigger function": (
        "CREATE OR REPLACE FUNCTION hub_refuse_audit_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"),
    "drop the trigger function": "DROP FUNCTION hub_refuse_audit_change() CASCADE",
    "drop the events table": "DROP TABLE audit_events CASCADE",
    "drop the seals table": "DROP TABLE audit_seals",
    "switch triggers off for the session": "SET session_replication_role = replica",
    "take the table over": "ALTER TABLE audit_seals OWNER TO CURRENT_USER",
}


@pytest.fixture
def sealed(runtime):
    with runtime.transaction() as s:
        add_events(s, 2)
        seal_pending(s, now=NOW)


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_runtime_role_may_not_change_or_delete_audit_rows(deployment, sealed, statement):
    # Refused for want of the privilege, before the append-only triggers are even reached.
    with (psycopg.connect(deployment.dsn(deployment.runtime)) as conn,
          pytest.raises(errors.InsufficientPrivilege, match="permission denied")):
        conn.execute(statement)


@pytest.mark.parametrize("statement", OWNERS_ONLY.values(), ids=OWNERS_ONLY.keys())
def test_the_runtime_role_may_not_disable_or_drop_what_keeps_the_trail_append_only(
        deployment, sealed, statement):
    with (psycopg.connect(deployment.dsn(deployment.runtime)) as conn,
          pytest.raises(errors.InsufficientPrivilege)):
        conn.execute(statement)
    owner_or_superuser = deployment.owner if "session_replication_role" not in statement else "postgres"
    with psycopg.connect(deployment.dsn(owner_or_superuser)) as conn:
        conn.execute(statement)  # the owner can: that is why the hub must not run as the owner
        conn.rollback()
    with psycopg.connect(deployment.dsn(deployment.runtime)) as conn:
        triggers = conn.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                                "AND tgenabled = 'O' AND tgrelid IN "
                                "('audit_events'::regclass, 'audit_seals'::regclass)").fetchone()
    assert triggers == (4,)


def test_the_runtime_role_may_not_create_objects_that_could_stand_in_for_the_hubs(deployment):
    with psycopg.connect(deployment.dsn(deployment.runtime)) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.shadow (id int)")
        conn.rollback()
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE SCHEMA shadow")
        conn.rollback()
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE alembic_version SET version_num = 'x'")


def test_an_intact_trail_still_verifies_after_everything_the_runtime_role_tried(runtime, sealed):
    with runtime.transaction() as s:
        assert verify_chain(s).ok
        assert s.scalar(select(func.count()).select_from(AuditSeal)) >= 2
