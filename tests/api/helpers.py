"""What the API tests share: counting every table's rows, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent
from hub.audit.services import Outcome
from hub.models import metadata


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the schema (cases, memberships, data keys, audit events, ...)."""
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in metadata.sorted_tables
    }


def assert_only_refusals_recorded(session: Session, before: dict[str, int]) -> None:
    """Nothing changed, except that a refused access may itself be audited (invariant 5)."""
    after = row_counts(session)
    added_events = after.pop("audit_events") - before["audit_events"]
    assert after == {k: v for k, v in before.items() if k != "audit_events"}
    if added_events:
        outcomes = session.scalars(
            select(AuditEvent.outcome).order_by(AuditEvent.id.desc()).limit(added_events)
        ).all()
        assert set(outcomes) <= {Outcome.DENIED, Outcome.FAILED}, outcomes
