"""The meetings package's scheduled jobs (hub.jobs): MAPPA review-due alerts and reminders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.jobs import JobContext
from meetings.services.mappa import raise_review_alerts


def mappa_reviews(session: Session, context: JobContext) -> int:
    return raise_review_alerts(session, policy=context.settings.policy, now=context.as_of)
