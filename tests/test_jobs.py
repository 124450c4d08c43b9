"""`hub jobs run NAME [--as-of]`: one job once, as a real process; unknown names are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hub.audit.models import AuditSeal
from hub.db import Database
from tests.audit.cli import run_hub
from tests.audit.helpers import add_events


def test_audit_seal_runs_once_as_of_the_given_time(fresh_database_url):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 3)
    result = run_hub(fresh_database_url, "jobs", "run", "audit-seal", "--as-of", "2026-01-01T00:00:00Z")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audit-seal: 3 done"
    with database.transaction() as s:
        sealed_at = s.scalars(select(AuditSeal.sealed_at).order_by(AuditSeal.position)).all()
    assert sealed_at == [datetime(2026, 1, 1, tzinfo=UTC)] * 3
    again = run_hub(fresh_database_url, "jobs", "run", "audit-seal")
    assert (again.returncode, again.stdout.strip()) == (0, "audit-seal: 0 done")
    database.engine.dispose()


@pytest.mark.parametrize("name", ["nope", "AUDIT-SEAL", "audit_seal", ""])
def test_an_unknown_job_name_is_refused_clearly(fresh_database_url, name):
    result = run_hub(fresh_database_url, "jobs", "run", name)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Invalid value")
    assert f"'{name}' is not one of" in result.stderr
    assert "audit-seal" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_as_of_time_is_refused_clearly(fresh_database_url):
    result = run_hub(fresh_database_url, "jobs", "run", "audit-seal", "--as-of", "next tuesday")
    assert result.returncode == 2
    assert "--as-of" in result.stderr
    assert "Traceback" not in result.stderr
