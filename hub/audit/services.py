"""Writing audit events in the business transaction (invariant 5)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit.models import AuditEvent


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


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
) -> AuditEvent:
    """Append one audit event to the session; it commits or rolls back with the change itself.

    ``details`` must hold identifiers and codes only, never personal data (invariant 5).
    """
    event = AuditEvent(
        occurred_at=now,
        request_id=actor.request_id,
        user_id=actor.user_id,
        agency_code=actor.agency_code,
        issuer=actor.issuer,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        case_id=case_id,
        outcome=str(outcome),
        reason=reason,
        details=details or {},
    )
    session.add(event)
    return event
