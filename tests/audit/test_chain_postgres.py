"""PostgreSQL: real out-of-order commits, and requests that never wait for a sealer."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Connection, func, select, text

from hub.actor import Actor
from hub.audit.chain import SEAL_LOCK_KEY, seal_pending, verify_chain
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.db import Database
from tests.audit.helpers import NOW, add_events, postgres_only

pytestmark = [postgres_only, pytest.mark.postgres_only]


@pytest.fixture
def databases(fresh_database_url):
    """Three independent engines on one fresh database: each stands for another process."""
    made = [Database(fresh_database_url) for _ in range(3)]
    yield made
    for database in made:
        database.engine.dispose()


def _event_id(session, request_id: str) -> int:
    return session.scalars(select(AuditEvent.id).where(AuditEvent.request_id == request_id)).one()


def _seal(database: Database) -> int:
    with database.transaction() as s:
        return seal_pending(s, now=NOW)


def _wait_until_a_session_waits_for_the_chain_lock(watch: Connection, timeout: float = 30) -> None:
    """Polls pg_locks until some session has asked for the sealers' lock and not been granted it."""
    deadline = time.monotonic() + timeout
    while not watch.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :k"),
            {"k": SEAL_LOCK_KEY & 0xFFFFFFFF}).scalar():
        assert time.monotonic() < deadline, "the second sealer never waited for the chain lock"
        watch.rollback()  # a fresh snapshot of pg_locks each time
        time.sleep(0.01)


def test_an_event_committed_after_a_higher_numbered_one_is_still_sealed(databases):
    slow, fast, sealer = databases
    slow_session = slow.session()
    record(slow_session, Actor.system("slow-request-1"), "case.read", now=NOW)  # written at once:
    early_id = _event_id(slow_session, "slow-request-1")  # takes the lower id, not yet committed
    with fast.transaction() as s:
        record(s, Actor.system("fast-request-1"), "case.read", now=NOW)
        late_id = _event_id(s, "fast-request-1")
    assert early_id < late_id
    assert _seal(sealer) == 1
    slow_session.commit()
    slow_session.close()
    assert _seal(sealer) == 1
    assert _seal(sealer) == 0
    with sealer.transaction() as s:
        assert list(s.execute(select(AuditSeal.position, AuditSeal.event_id)
                              .order_by(AuditSeal.position))) == [(1, late_id), (2, early_id)]
        assert verify_chain(s).checked == 2


def test_a_request_writing_events_never_waits_for_a_sealer_holding_the_lock(databases):
    sealer, request, observer = databases
    with request.transaction() as s:
        record(s, Actor.system("before-seal-1"), "case.read", now=NOW)
    sealing = sealer.session()
    assert seal_pending(sealing, now=NOW) == 1  # holds the chain lock until it commits
    with observer.engine.connect() as watch:
        holders = watch.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = :k"), {"k": SEAL_LOCK_KEY & 0xFFFFFFFF}).scalar()
    assert holders == 1

    outcome: list[object] = []

    def write_event() -> None:
        try:
            with request.transaction() as s:
                s.execute(text("SET LOCAL lock_timeout = '3s'"))  # a wait would fail, not hang
                record(s, Actor.system("during-seal-1"), "case.read", now=NOW)
            outcome.append("committed")
        except Exception as exc:  # reported by the assertion below
            outcome.append(exc)

    writer = threading.Thread(target=write_event)
    writer.start()
    writer.join(timeout=10)
    assert outcome == ["committed"]
    with observer.transaction() as s:  # committed and visible while the sealer still holds the lock
        assert s.scalar(select(func.count()).where(AuditEvent.request_id == "during-seal-1")) == 1

    # A second sealer, by contrast, waits for the first.
    second: list[int] = []
    waiting = threading.Thread(target=lambda: second.append(_seal(observer)))
    waiting.start()
    with observer.engine.connect() as watch:
        _wait_until_a_session_waits_for_the_chain_lock(watch)
    assert second == []
    sealing.commit()
    sealing.close()
    waiting.join(timeout=10)
    assert second == [1]
    with observer.transaction() as s:
        assert verify_chain(s).checked == 2


def test_parallel_verification_reads_chunks_in_order_and_names_the_first_break(databases):
    writer, _sealer, reader = databases
    with writer.transaction() as s:
        add_events(s, 50)
        assert seal_pending(s, now=NOW) == 50

    def verify() -> tuple[int, int | None]:
        with reader.transaction() as s:
            result = verify_chain(s, chunk_size=7, workers=3)
            return result.checked, result.first_broken_position

    assert verify() == (50, None)
    with writer.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        conn.exec_driver_sql("ALTER TABLE audit_seals DISABLE TRIGGER USER")
        conn.execute(text("UPDATE audit_events SET outcome = 'denied' WHERE id = "
                          "(SELECT event_id FROM audit_seals WHERE position = 23)"))
    assert verify() == (22, 23)
    with writer.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_seals WHERE position = 14")  # the end of a chunk
    assert verify() == (13, 14)
    with writer.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_seals SET position = 0 WHERE position = 1")
    assert verify() == (0, 1)
