"""Scheduled jobs by name, run by the scheduler or once by `hub jobs run NAME`.

Each job is idempotent and set-based; packages declare theirs in their wiring (hub.wiring). A job
is ``(session, context) -> int``: it changes state in the session's transaction, which its runner
commits, and gets a :class:`JobContext` with the time to evaluate deadlines at, the settings, and a
way to act outside the database once that transaction has committed (the audit-seal job appends
its signed checkpoint so). It returns how many things it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy.orm import Session

from hub import wiring
from hub.config import ConfigError, Settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from hub.errors import ValidationFailed


@dataclass
class JobContext:
    """What a job is given besides its session: ``as_of``, the moment its deadlines are evaluated
    at; ``settings``; and :meth:`after_commit`, for what must follow a successful commit only."""

    as_of: datetime
    settings: Settings
    _after_commit: list[Callable[[], None]] = field(default_factory=list, repr=False)
    # For jobs that encrypt or decrypt: loaded from HUB_KEYRING when first asked for.
    keyring: Keyring | None = None

    def envelope(self) -> Envelope:
        """The envelope of the hub's keyring (HUB_KEYRING), for jobs that write encrypted text."""
        if self.keyring is None:
            if self.settings.keyring_path is None:
                raise ConfigError("HUB_KEYRING is required: this job writes encrypted records")
            self.keyring = Keyring.load(self.settings.keyring_path)
        return Envelope(self.keyring)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the job's transaction has committed; never if it rolls back."""
        self._after_commit.append(action)

    def committed(self) -> None:
        """Called by the runner once the job's transaction has committed."""
        for action in self._after_commit:
            action()


Job = Callable[[Session, JobContext], int]


@cache
def registered_jobs() -> dict[str, Job]:
    """Every package's jobs by name, imported on first use (not when this module is imported)."""
    return {name: wiring.load(job.target) for name, job in wiring.jobs().items()}


@cache
def job_intervals() -> dict[str, timedelta]:
    """How often the scheduler runs each job."""
    return {name: job.interval for name, job in wiring.jobs().items()}


def run_in_transaction(database: Database, job: Job, context: JobContext) -> int:
    """Run ``job`` in a transaction of its own, then, once it has committed, its after-commit actions."""
    with database.transaction() as session:
        count = job(session, context)
    context.committed()
    return count


def run_job(database: Database, settings: Settings, name: str, *,
            as_of: datetime | None = None) -> int:
    """Run one job once in its own transaction, evaluating deadlines as of ``as_of``."""
    job = registered_jobs().get(name)
    if job is None:
        available = ", ".join(sorted(registered_jobs()))
        raise ValidationFailed({"name": f"job {name!r} is not available; available: {available}"})
    moment = as_of or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return run_in_transaction(database, job, JobContext(moment, settings))
