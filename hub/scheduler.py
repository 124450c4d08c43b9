"""The scheduler process (`hub scheduler`, DESIGN.md §3): runs every registered job (hub.jobs) on
its interval, in its own transaction, never inside web workers.

Only one scheduler is active at a time. On PostgreSQL the active one holds a session-level
advisory lock on a connection of its own; any other waits for that lock as a hot standby and
takes over as soon as the active process dies (PostgreSQL releases the lock with its connection).
On SQLite, which lives on one host, an exclusive lock on a file beside the database does the same.
A failing job is logged and tried again at its next time; it never stops the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from hub.config import Settings
from hub.db import Database, utcnow
from hub.jobs import Job, JobContext, job_intervals, registered_jobs, run_in_transaction

log = logging.getLogger("hub.scheduler")

# Arbitrary constant naming the scheduler's advisory lock on PostgreSQL.
SCHEDULER_LOCK_KEY = 0x5AFE_5C4E
LEADERSHIP_CHECK_SECONDS = 10


class Leadership:
    """The right to be the active scheduler: acquire without waiting, check, release."""

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def still_held(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class PostgresLeadership(Leadership):
    """A session-level advisory lock held on a dedicated autocommit connection."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is None:
            self._connection = self._database.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        acquired = bool(self._connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY}).scalar())
        return acquired

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        held = self._connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND objid = :objid"),
            {"objid": SCHEDULER_LOCK_KEY & 0xFFFFFFFF}).scalar()
        return bool(held)

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                # Invalidate rather than return it to the pool: closing the database session is
                # what releases the lock.
                self._connection.invalidate()
                self._connection.close()
            self._connection = None


class FileLeadership(Leadership):
    """An exclusive flock on ``<database file>.scheduler.lock`` (SQLite: one host)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def leadership_for(database: Database) -> Leadership:
    if database.engine.dialect.name == "postgresql":
        return PostgresLeadership(database)
    where = database.engine.url.database
    path = Path(where) if where and where != ":memory:" else Path("hub-scheduler")
    return FileLeadership(path.with_name(path.name + ".scheduler.lock"))


def run_scheduled_job(database: Database, settings: Settings, name: str, job: Job,
                      clock: Callable[[], datetime] = utcnow) -> int | None:
    """Run one job once in its own transaction; a failure is logged, rolled back and survived."""
    try:
        count = run_in_transaction(database, job, JobContext(clock(), settings))
    except Exception as exc:
        log.error("job %s failed (%s: %s); it will run again at its next time", name,
                  exc.__class__.__name__, str(exc).splitlines()[0][:300] if str(exc) else "")
        log.debug("job %s failure", name, exc_info=True)
        return None
    if count:
        log.info("job %s: %d done", name, count)
    return count


def build_scheduler(
    database: Database,
    settings: Settings,
    jobs: Mapping[str, Job] | None = None,
    intervals: Mapping[str, timedelta] | None = None,
    default_interval: timedelta = timedelta(minutes=1),
) -> BlockingScheduler:
    """A BlockingScheduler running every job now and then on its interval, one run at a time."""
    jobs = registered_jobs() if jobs is None else jobs
    intervals = job_intervals() if intervals is None else intervals
    scheduler = BlockingScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    for name, job in jobs.items():
        every = intervals.get(name, default_interval)
        scheduler.add_job(run_scheduled_job, IntervalTrigger(seconds=every.total_seconds(), timezone=UTC),
                          args=(database, settings, name, job), id=name, name=name,
                          next_run_time=utcnow())
    return scheduler


def _shut_down(scheduler: BlockingScheduler) -> None:
    with contextlib.suppress(SchedulerNotRunningError):  # stopped already, by another request
        scheduler.shutdown(wait=False)


class SchedulerProcess:
    """Wait to lead, then run the jobs until told to stop or until leadership is lost."""

    def __init__(self, database: Database, settings: Settings, *, standby_poll: float = 1.0,
                 jobs: Mapping[str, Job] | None = None,
                 intervals: Mapping[str, timedelta] | None = None,
                 default_interval: timedelta = timedelta(minutes=1)) -> None:
        self.database, self.settings = database, settings
        self.standby_poll = standby_poll
        self.jobs = registered_jobs() if jobs is None else jobs
        self.intervals = job_intervals() if intervals is None else intervals
        self.default_interval = default_interval
        self.leadership = leadership_for(database)
        self.scheduler: BlockingScheduler | None = None
        self.stopping = threading.Event()
        self.lost_leadership = False

    def stop(self, *_args: Any) -> None:
        self.stopping.set()
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            # Never from the signal handler itself: it runs on the main thread, which may hold the
            # lock of the event the scheduler's loop waits on, and Event.set would wait for that
            # lock for ever. Another thread waits for the main thread to let it go.
            threading.Thread(target=_shut_down, args=(scheduler,), name="scheduler-stop", daemon=True).start()

    def _wait_to_lead(self) -> bool:
        announced = False
        while not self.stopping.is_set():
            try:
                if self.leadership.try_acquire():
                    return True
            except SQLAlchemyError as exc:
                log.warning("cannot reach the database to take the scheduler lock (%s); retrying",
                            exc.__class__.__name__)
                self.leadership.release()
            if not announced:
                log.info("scheduler on standby: another scheduler is active; waiting for its lock")
                announced = True
            self.stopping.wait(self.standby_poll)
        return False

    def _check_leadership(self) -> None:
        try:
            held = self.leadership.still_held()
        except SQLAlchemyError:
            held = False
        if not held:
            log.error("scheduler lost its lock (database connection gone); stopping so that only "
                      "one scheduler runs jobs")
            self.lost_leadership = True
            self.stop()

    def run(self) -> int:
        """Returns the process exit code: 0 when stopped, 1 when leadership was lost."""
        try:
            if not self._wait_to_lead():
                log.info("scheduler stopped while on standby")
                return 0
            # Built only now, so that every job runs at once when a standby takes over.
            scheduler = build_scheduler(self.database, self.settings, self.jobs, self.intervals,
                                        self.default_interval)
            scheduler.add_job(self._check_leadership, IntervalTrigger(
                seconds=LEADERSHIP_CHECK_SECONDS, timezone=UTC), id="leadership-check")
            self.scheduler = scheduler
            log.info("scheduler active (pid %d): running %s", os.getpid(), ", ".join(self.jobs))
            if not self.stopping.is_set():
                scheduler.start()
        finally:
            self.leadership.release()
        log.info("scheduler stopped")
        return 1 if self.lost_leadership else 0


def run_scheduler(database: Database, settings: Settings, *, standby_poll: float = 1.0) -> int:
    """The `hub scheduler` process: SIGTERM and SIGINT stop it cleanly, releasing its lock."""
    process = SchedulerProcess(database, settings, standby_poll=standby_poll)
    signal.signal(signal.SIGTERM, process.stop)
    signal.signal(signal.SIGINT, process.stop)
    return process.run()
