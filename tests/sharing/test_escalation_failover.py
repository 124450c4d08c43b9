"""Two real `hub scheduler` processes on PostgreSQL: the active one is killed (SIGKILL) in the
middle of an escalation sweep; the standby takes the lock within a minute and sweeps, and no
challenge is opened or moved twice (the killed sweep's transaction is gone with it).

The sweep takes milliseconds, so the test holds it in the middle: a transaction of its own holds
the outbox table in SHARE mode, and the sweep, having written its challenges, waits to queue their
e-mails; that is when the active scheduler is killed."""

from __future__ import annotations

import signal
from datetime import date, timedelta

from sqlalchemy import func, select, text

from hub.actor import Actor
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from sharing.models import Challenge, ChallengeEvent
from sharing.services import actions as action_services
from tests.audit.helpers import keyring_file, postgres_only
from tests.conftest import Factory
from tests.support.factories.consent import ConsentFactory
from tests.test_scheduler import HubScheduler, count, wait_for

OVERDUE = 300


def _sweep_waiting_for_the_outbox(database: Database) -> bool:
    """A transaction has written its challenges (and holds their actions) and waits for the
    outbox table: the sweep, halfway."""
    with database.engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'outbox_messages' AND NOT l.granted AND l.pid <> pg_backend_pid()"
        )).scalar())


@postgres_only
def test_a_sweep_killed_midway_is_done_once_by_the_standby(fresh_database_url, tmp_path):
    keyring_path = keyring_file(tmp_path)
    envelope = Envelope(Keyring.load(keyring_path))
    database = Database(fresh_database_url)
    with database.transaction() as s:
        make = Factory(s, envelope)
        council, police = make.agency(kind="council_adults"), make.agency()
        ConsentFactory(make).agreement(council, police)
        worker = make.user(council)
        case = make.case(worker, members=(police,))
        long_ago = date(2026, 1, 5)
        for n in range(OVERDUE):
            action_services.create_action(
                s, Actor(worker, "test"), case.id, title=f"Action {n}", agency_code=police.code,
                due=long_ago + timedelta(days=n % 30), envelope=envelope, now=utcnow(), today=long_ago)
    hold = database.engine.connect()
    hold.exec_driver_sql("LOCK TABLE outbox_messages IN SHARE MODE")
    first = HubScheduler(fresh_database_url, tmp_path / "first.log", keyring_path)
    second = HubScheduler(fresh_database_url, tmp_path / "second.log", keyring_path)
    try:
        wait_for(lambda: "scheduler active" in first.text() or "scheduler active" in second.text(),
                 90, "a scheduler to become active")
        active, standby = (first, second) if "scheduler active" in first.text() else (second, first)
        wait_for(lambda: _sweep_waiting_for_the_outbox(database), 60, "the active scheduler to be mid-sweep")
        assert "job escalation:" not in active.text()
        assert active.finish(signal.SIGKILL) == -signal.SIGKILL
        assert count(database, Challenge) == 0  # nothing of the killed sweep survived
        hold.rollback()  # the outbox is free again for the standby

        wait_for(lambda: "scheduler active" in standby.text(), 60, "the standby to take over")
        wait_for(lambda: f"job escalation: {OVERDUE} done" in standby.text(), 120,
                 "the standby's sweep to finish")
        with database.transaction() as s:
            per_action = s.execute(select(Challenge.action_id, func.count())
                                   .group_by(Challenge.action_id)).all()
            assert len(per_action) == OVERDUE
            assert {n for _a, n in per_action} == {1}
            assert set(s.scalars(select(Challenge.stage))) == {1}
            assert s.scalar(select(func.count()).select_from(ChallengeEvent)) == OVERDUE
        assert standby.finish(signal.SIGTERM) == 0
        assert "Traceback" not in standby.text()
    finally:
        hold.close()
        first.finish(signal.SIGKILL)
        second.finish(signal.SIGKILL)
        database.engine.dispose()
