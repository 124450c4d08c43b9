"""The sharing package's scheduled job: the escalation sweep (sharing.services.challenges)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.jobs import JobContext
from sharing.services.challenges import escalate


def escalate_challenges(session: Session, context: JobContext) -> int:
    return escalate(session, as_of=context.as_of, policy=context.settings.policy)
