"""Helpers shared by the audit tests: writing events through the real service, reading the chain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit.chain import GENESIS, canonical_event, next_hash
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from tests.conftest import DB_KIND

postgres_only = pytest.mark.skipif(DB_KIND != "postgresql",
                                   reason="PostgreSQL behaviour; the PostgreSQL run covers it")
NOW = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def add_events(session: Session, count: int, *, action: str = "case.read") -> list[AuditEvent]:
    """``count`` events written by the audit service, flushed (not committed)."""
    case_id = uuid.uuid4()
    for n in range(count):
        record(session, Actor.system(f"request-{n:08d}"), action, now=NOW, object_type="case",
               object_id=case_id, case_id=case_id, details={"n": n})
    # record() writes with a Core INSERT; the rows are read back as the ORM objects tests inspect.
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def bulk_events(session: Session, count: int) -> None:
    """``count`` events in one multi-row insert (for volume, not for realism)."""
    case_id = uuid.uuid4()
    session.execute(insert(AuditEvent), [
        {"occurred_at": NOW, "request_id": f"bulk-{n:010d}", "user_id": None, "agency_code": "AG-1",
         "issuer": "hub:system", "action": "case.read", "object_type": "case", "object_id": str(case_id),
         "case_id": case_id, "outcome": "success", "reason": None, "details": {"n": n}}
        for n in range(count)
    ])


def chain(session: Session) -> list[tuple[int, int, str]]:
    """(position, event id, hash) of every seal, in position order."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(AuditSeal.position, AuditSeal.event_id, AuditSeal.hash).order_by(AuditSeal.position))]


def expected_hashes(session: Session) -> list[str]:
    """The chain recomputed in Python from the events as loaded by the ORM, seal by seal."""
    previous, hashes = GENESIS, []
    rows = session.execute(select(AuditEvent).join(AuditSeal, AuditSeal.event_id == AuditEvent.id)
                           .order_by(AuditSeal.position)).scalars()
    for event in rows:
        previous = next_hash(previous, canonical_event(event))
        hashes.append(previous)
    return hashes
