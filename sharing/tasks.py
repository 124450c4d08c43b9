"""The sharing package's scheduled job: the escalation sweep (sharing.services.challenges)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.jobs import JobContext
from sharing.services.challenges import escalate


def escalate_challenges(session: Session, context: JobContext) -> int:
    return escalate(session, context, envelope=context.envelope())
