"""Writing audit events in the business transaction, and reading a case's trail (invariant 5)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from hub.access import may_read_case_audit
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import Case
from hub.db import insert_rows
from hub.errors import NotFound


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


# One prepared Core INSERT on the table: the ORM's unit of work, or even its bulk INSERT of the
# entity, costs several times as much for a row nobody reads back.
_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    object_type: str | None = None,
    object_id: str | uuid.UUID | int | None = None,
    case_id: uuid.UUID | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit event in the session's transaction: it commits or rolls back with the
    change itself. The row is written at once (no foreign keys depend on the order).

    ``details`` must hold identifiers and codes only, never personal data (invariant 5).
    """
    entry = Entry(object_type, object_id, case_id, details)
    session.execute(_INSERT_EVENT, _values(actor, action, now, entry, outcome=outcome, reason=reason))


def _values(actor: Actor, action: str, now: datetime, entry: Entry, *, outcome: Outcome = Outcome.SUCCESS,
            reason: str | None = None) -> dict[str, Any]:
    return {
        "occurred_at": now,
        "request_id": actor.request_id,
        "user_id": actor.user_id,
        "agency_code": actor.agency_code,
        "issuer": actor.issuer,
        "action": action,
        "object_type": entry.object_type,
        "object_id": None if entry.object_id is None else str(entry.object_id),
        "case_id": entry.case_id,
        "outcome": str(outcome),
        "reason": reason,
        "details": entry.details or {},
    }


@dataclass(frozen=True)
class Entry:
    """What one of many events of the same action names (:func:`record_all`)."""

    object_type: str | None
    object_id: str | uuid.UUID | int | None
    case_id: uuid.UUID | None = None
    details: dict[str, Any] | None = None


def record_all(session: Session, actor: Actor, action: str, entries: Sequence[Entry], *,
               now: datetime) -> int:
    """Append one audit event per entry, all of one action by one actor, in one statement (a
    sweep's thousands); each as :func:`record` writes it, in the session's transaction."""
    insert_rows(session, cast(Table, AuditEvent.__table__),
                [_values(actor, action, now, entry) for entry in entries])
    return len(entries)


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None  # the ``before`` of the next, older page; None on the last page
    next_offset: int | None  # the ``offset`` of the next page; None on the last page


def case_events(
    session: Session,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    now: datetime,
    before: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> AuditPage:
    """A case's audit events, newest first, ``limit`` at a time, after skipping ``offset`` of
    those below event id ``before`` (a cursor that new events do not shift).

    Leads and IG of a current member agency, or any auditor, may read them (invariant 2: others
    are told the case does not exist). The read is itself audited (invariant 5).
    """
    user = actor.user
    if user is None or not may_read_case_audit(session, user, case_id):
        raise NotFound("No such case")
    if session.get(Case, case_id) is None:
        raise NotFound("No such case")
    stmt = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if before is not None:
        stmt = stmt.where(AuditEvent.id < before)
    # One row more than asked tells whether an older page exists without a count query.
    events = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).offset(offset).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    record(session, actor, "audit.read", now=now, object_type="case", object_id=case_id,
           case_id=case_id, details={"count": len(events), "before": before, "limit": limit,
                                                 "offset": offset})
    return AuditPage(events, events[-1].id if more and events else None,
                     offset + len(events) if more else None)
