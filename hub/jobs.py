"""Scheduled jobs by name, run by the scheduler or once by `hub jobs run NAME`.

Each job is idempotent and set-based; packages declare theirs in their wiring (hub.wiring).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from hub import wiring
from hub.db import Database, utcnow
from hub.errors import ValidationFailed

Job = Callable[[Session, datetime], int]

_DECLARED = wiring.jobs()
JOBS: dict[str, Job] = {name: wiring.load(job.target) for name, job in _DECLARED.items()}
# How often the scheduler runs each job.
INTERVALS: dict[str, timedelta] = {name: job.interval for name, job in _DECLARED.items()}


def run_job(database: Database, name: str, *, as_of: datetime | None = None) -> int:
    """Run one job once in its own transaction, evaluating deadlines as of ``as_of``."""
    job = JOBS.get(name)
    if job is None:
        available = ", ".join(sorted(JOBS))
        raise ValidationFailed({"name": f"job {name!r} is not available; available: {available}"})
    moment = as_of or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    with database.transaction() as session:
        return job(session, moment)
