"""Scheduled jobs by name, run by the scheduler or once by `hub jobs run NAME`.

Each job is idempotent and set-based. Domain packages add theirs to JOBS as they land.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from hub.audit.chain import seal_pending
from hub.db import Database, utcnow
from hub.errors import ValidationFailed

Job = Callable[[Session, datetime], int]


def _audit_seal(session: Session, as_of: datetime) -> int:
    """Chain every audit event written since the last run (invariant 5)."""
    return seal_pending(session, now=as_of)


JOBS: dict[str, Job] = {
    "audit-seal": _audit_seal,
}

# How often the scheduler runs each job; a job not listed runs every minute.
INTERVALS: dict[str, timedelta] = {
    "audit-seal": timedelta(minutes=1),
}


def run_job(database: Database, name: str, *, as_of: datetime | None = None) -> int:
    """Run one job once in its own transaction, evaluating deadlines as of ``as_of``."""
    job = JOBS.get(name)
    if job is None:
        available = ", ".join(sorted(JOBS))
        raise ValidationFailed({"name": f"job {name!r} is not available yet; available: {available}"})
    moment = as_of or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    with database.transaction() as session:
        return job(session, moment)
