"""The audit tables refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE), whoever asks."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub.audit.chain import seal_pending
from hub.audit.models import AuditEvent, AuditSeal
from tests.audit.helpers import NOW, add_events, postgres_only

STATEMENTS = {
    "update event": "UPDATE audit_events SET action = 'case.nothing' WHERE id = :event",
    "delete event": "DELETE FROM audit_events WHERE id = :event",
    "update seal": "UPDATE audit_seals SET hash = 'forged' WHERE event_id = :event",
    "delete seal": "DELETE FROM audit_seals WHERE event_id = :event",
}


@pytest.mark.parametrize("statement", STATEMENTS.values(), ids=STATEMENTS.keys())
def test_audit_rows_cannot_be_changed_or_deleted(session, statement):
    [event] = add_events(session, 1)
    seal_pending(session, now=NOW)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), {"event": event.id})
    session.expire_all()
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.id == event.id)) == "case.read"
    assert session.scalar(select(AuditSeal.position).where(AuditSeal.event_id == event.id)) == 1


@postgres_only
@pytest.mark.postgres_only
@pytest.mark.parametrize("table", ["audit_events", "audit_seals"])
def test_audit_tables_cannot_be_truncated_even_by_their_owner(session, table):
    add_events(session, 2)
    seal_pending(session, now=NOW)
    owner, me, superuser = session.execute(text(
        "SELECT tableowner, current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
        "FROM pg_tables WHERE tablename = :t"), {"t": table}).one()
    assert owner == me
    assert superuser
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(f"TRUNCATE {table} CASCADE"))
    assert session.scalar(text(f"SELECT count(*) FROM {table}")) == 2  # noqa: S608 - fixed names
