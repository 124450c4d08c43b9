"""`hub scheduler`: one active process, a hot standby that takes over, jobs that fail but never kill it."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.actor import Actor
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.config import Settings, load_settings
from hub.db import Database
from hub.jobs import JobContext, registered_jobs
from hub.scheduler import SchedulerProcess, run_scheduled_job
from tests.audit.cli import hub_command, hub_env
from tests.audit.helpers import add_events, checkpoint_lines, keyring_file


def count(database: Database, model: type) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def wait_for(condition, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def keyring(tmp_path: Path) -> Path:
    return keyring_file(tmp_path)


@pytest.fixture
def settings(fresh_database_url, keyring: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": fresh_database_url, "HUB_KEYRING": str(keyring)})


def broken_job(session, context: JobContext) -> int:
    record(session, Actor.system("broken-job-1"), "test.broken", now=context.as_of)
    session.flush()
    context.after_commit(lambda: pytest.fail("an after-commit action ran after a rollback"))
    raise RuntimeError("the mail server is on fire")


def test_a_failing_job_is_logged_rolled_back_and_survived(fresh_database_url, settings, keyring,
                                                          caplog):
    database = Database(fresh_database_url)
    with caplog.at_level(logging.INFO, logger="hub.scheduler"):
        assert run_scheduled_job(database, settings, "broken", broken_job) is None
        with database.transaction() as s:
            add_events(s, 2)
        assert run_scheduled_job(database, settings, "audit-seal", registered_jobs()["audit-seal"]) == 2
    assert "job broken failed (RuntimeError: the mail server is on fire)" in caplog.text
    assert "job audit-seal: 2 done" in caplog.text
    assert count(database, AuditSeal) == 2
    assert [c["position"] for c in checkpoint_lines(keyring.with_name("audit-checkpoints.jsonl"))] == [2]
    with database.transaction() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "test.broken")) == 0
    database.engine.dispose()


def test_the_scheduler_keeps_running_jobs_after_one_fails(fresh_database_url, settings, caplog):
    database = Database(fresh_database_url)
    calls: list[int] = []

    def counted_broken_job(session, context: JobContext) -> int:
        calls.append(1)
        return broken_job(session, context)

    jobs = {"broken": counted_broken_job, "audit-seal": registered_jobs()["audit-seal"]}
    process = SchedulerProcess(database, settings, jobs=jobs, intervals={},
                               default_interval=timedelta(seconds=0.3))
    exit_codes: list[int] = []
    with caplog.at_level(logging.INFO, logger="hub.scheduler"):
        runner = threading.Thread(target=lambda: exit_codes.append(process.run()))
        runner.start()
        try:
            # Its second failure must be logged, not merely started, before we go on.
            wait_for(lambda: caplog.text.count("job broken failed") >= 2 and len(calls) >= 2, 30,
                     "the broken job to fail twice")
            with database.transaction() as s:
                add_events(s, 3)
            wait_for(lambda: count(database, AuditSeal) == 3, 30, "the events to be sealed")
            assert runner.is_alive()
        finally:
            process.stop()
            runner.join(timeout=30)
    assert exit_codes == [0]
    assert caplog.text.count("job broken failed") >= 2
    assert "scheduler active" in caplog.text
    database.engine.dispose()


# `hub scheduler`, logging each try for the scheduler lock: what a test waits for to know that a
# standby has had its chances, instead of sleeping.
SCHEDULER_LOGGING_LOCK_TRIES = """
import sys
from hub import scheduler
from hub.cli import main

def logged(try_acquire):
    def attempt(self):
        taken = try_acquire(self)
        print("scheduler lock try:", "taken" if taken else "refused", file=sys.stderr, flush=True)
        return taken
    return attempt

for kind in (scheduler.FileLeadership, scheduler.PostgresLeadership):
    kind.try_acquire = logged(kind.try_acquire)
sys.exit(main(sys.argv[1:]))
"""


class HubScheduler:
    """A real `hub scheduler` process whose log is read as it is written."""

    def __init__(self, database_url: str, log: Path, keyring: Path, *, log_lock_tries: bool = False) -> None:
        self.log = log
        self._file = log.open("w")
        args = ("scheduler", "--standby-poll", "0.2")
        command = ([sys.executable, "-c", SCHEDULER_LOGGING_LOCK_TRIES, *args] if log_lock_tries
                   else hub_command(*args))
        self.process = subprocess.Popen(command, env=hub_env(database_url, keyring),
                                        stdout=subprocess.DEVNULL, stderr=self._file)

    def text(self) -> str:
        return self.log.read_text()

    def finish(self, sig: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self._file.close()
        return code


def test_one_scheduler_is_active_the_other_waits_and_takes_over(fresh_database_url, tmp_path, keyring):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 3)
    first = HubScheduler(fresh_database_url, tmp_path / "first.log", keyring)
    second: HubScheduler | None = None
    try:
        wait_for(lambda: "scheduler active" in first.text(), 90, "the first scheduler to start")
        wait_for(lambda: count(database, AuditSeal) == 3, 30, "the first scheduler to seal")
        second = HubScheduler(fresh_database_url, tmp_path / "second.log", keyring, log_lock_tries=True)
        wait_for(lambda: "standby" in second.text(), 90, "the second scheduler to wait")
        with database.transaction() as s:
            add_events(s, 2)
        refused = second.text().count("scheduler lock try: refused")
        wait_for(lambda: second.text().count("scheduler lock try: refused") >= refused + 3, 30,
                 "the standby to try for the lock three more times")
        # It was refused each time, and so sealed nothing.
        assert count(database, AuditSeal) == 3
        assert "scheduler active" not in second.text()
        assert "standby" not in first.text()

        assert first.finish(signal.SIGKILL) == -signal.SIGKILL
        wait_for(lambda: "scheduler active" in second.text(), 30, "the standby to take over")
        wait_for(lambda: count(database, AuditSeal) == 5, 30, "the new active scheduler to seal")
        log = keyring.with_name("audit-checkpoints.jsonl")
        wait_for(lambda: [c["position"] for c in checkpoint_lines(log)] == [3, 5], 30,
                 "each scheduler's sealing run to append its checkpoint")
        assert second.finish(signal.SIGTERM) == 0
        assert "scheduler stopped" in second.text()
        for log in (first.text(), second.text()):
            assert "Traceback" not in log
    finally:
        first.finish(signal.SIGKILL)
        if second is not None:
            second.finish(signal.SIGKILL)
        database.engine.dispose()


def test_a_standby_stopped_before_it_ever_leads_exits_cleanly(fresh_database_url, tmp_path, keyring):
    first = HubScheduler(fresh_database_url, tmp_path / "first.log", keyring)
    try:
        wait_for(lambda: "scheduler active" in first.text(), 90, "the first scheduler to start")
        second = HubScheduler(fresh_database_url, tmp_path / "second.log", keyring)
        wait_for(lambda: "standby" in second.text(), 90, "the second scheduler to wait")
        assert second.finish(signal.SIGTERM) == 0
        assert "scheduler stopped while on standby" in second.text()
        assert first.process.poll() is None
    finally:
        assert first.finish(signal.SIGTERM) == 0
    assert "scheduler stopped" in first.text()
