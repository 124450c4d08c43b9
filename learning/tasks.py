"""The learning package's scheduled job (hub.jobs): a CSPR's clocks reminded before they are due
and once overdue, and a review action's overdue notices, each sent once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.jobs import JobContext
from learning.services.actions import remind_overdue
from learning.services.statutory import remind_clocks


def reviews(session: Session, context: JobContext) -> int:
    policy, now = context.settings.policy, context.as_of
    return remind_clocks(session, policy=policy, now=now) + remind_overdue(session, policy=policy, now=now)
