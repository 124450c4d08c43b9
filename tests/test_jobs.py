"""`hub jobs run NAME [--as-of]`: one job once, as a real process; unknown names are refused.
Jobs get a context (the time, the settings, actions for after the commit) with their session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select

from hub.actor import Actor
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.audit.tasks import seal_audit_events
from hub.config import load_settings
from hub.db import Database
from hub.jobs import JobContext, run_in_transaction
from tests.audit.cli import run_hub
from tests.audit.helpers import add_events, checkpoint_lines, keyring_file


def test_audit_seal_runs_once_as_of_the_given_time(fresh_database_url, tmp_path):
    keyring = keyring_file(tmp_path)
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 3)
    result = run_hub(fresh_database_url, "jobs", "run", "audit-seal", "--as-of", "2026-01-01T00:00:00Z",
                     keyring=keyring)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audit-seal: 3 done"
    with database.transaction() as s:
        sealed_at = s.scalars(select(AuditSeal.sealed_at).order_by(AuditSeal.position)).all()
    assert sealed_at == [datetime(2026, 1, 1, tzinfo=UTC)] * 3
    again = run_hub(fresh_database_url, "jobs", "run", "audit-seal", keyring=keyring)
    assert (again.returncode, again.stdout.strip()) == (0, "audit-seal: 0 done")
    database.engine.dispose()


@pytest.mark.parametrize("name", ["nope", "AUDIT-SEAL", "audit_seal", ""])
def test_an_unknown_job_name_is_refused_clearly(fresh_database_url, name):
    result = run_hub(fresh_database_url, "jobs", "run", name)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Invalid value")
    assert f"'{name}' is not" in result.stderr  # click: "is not 'x'" or "is not one of"
    assert "audit-seal" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_as_of_time_is_refused_clearly(fresh_database_url):
    result = run_hub(fresh_database_url, "jobs", "run", "audit-seal", "--as-of", "next tuesday")
    assert result.returncode == 2
    assert "--as-of" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_audit_seal_job_without_a_keyring_is_refused_and_seals_nothing(fresh_database_url):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 2)
    result = run_hub(fresh_database_url, "jobs", "run", "audit-seal")
    assert result.returncode == 2
    assert result.stderr.startswith("error: HUB_KEYRING is not set")
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditSeal)) == 0
    database.engine.dispose()


def test_a_job_gets_its_time_and_settings_and_after_commit_actions_see_the_commit(
        fresh_database_url, tmp_path):
    settings = load_settings({"HUB_DATABASE_URL": fresh_database_url,
                              "HUB_KEYRING": str(keyring_file(tmp_path))})
    database = Database(fresh_database_url)
    moment = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
    seen: list[object] = []
    other = create_engine(fresh_database_url)  # another connection: sees only what is committed

    def committed_events() -> int:
        with other.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one())

    def job(session, context: JobContext) -> int:
        seen.extend([context.as_of, context.settings])
        record(session, Actor.system(), "test.job", now=context.as_of)
        context.after_commit(lambda: seen.append(committed_events()))
        return 1

    assert run_in_transaction(database, job, JobContext(moment, settings)) == 1
    assert seen == [moment, settings, 1]
    other.dispose()
    database.engine.dispose()


def test_a_job_that_fails_runs_no_after_commit_action_and_a_sealing_run_rolled_back_writes_no_checkpoint(
        fresh_database_url, tmp_path):
    keyring = keyring_file(tmp_path)
    settings = load_settings({"HUB_DATABASE_URL": fresh_database_url, "HUB_KEYRING": str(keyring)})
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 2)

    def sealing_then_failing(session, context: JobContext) -> int:
        seal_audit_events(session, context)
        raise RuntimeError("the disk is on fire")

    with pytest.raises(RuntimeError, match="on fire"):
        run_in_transaction(database, sealing_then_failing, JobContext(datetime.now(UTC), settings))
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditSeal)) == 0
    # A checkpoint of a head that was rolled back would accuse the next, honest run of tampering.
    assert checkpoint_lines(keyring.with_name("audit-checkpoints.jsonl")) == []
    database.engine.dispose()
