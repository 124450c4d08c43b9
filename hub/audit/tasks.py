"""The audit trail's scheduled job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.audit.chain import seal_pending


def seal_audit_events(session: Session, as_of: datetime) -> int:
    """Chain every audit event written since the last run (invariant 5)."""
    return seal_pending(session, now=as_of)
