"""The meetings package's scheduled jobs (hub.jobs): MAPPA review-due alerts, and reminders before
meetings, for research and for minutes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.jobs import JobContext
from meetings.services.mappa import raise_review_alerts
from meetings.services.reminders import send_reminders


def mappa_reviews(session: Session, context: JobContext) -> int:
    return raise_review_alerts(session, policy=context.settings.policy, now=context.as_of)


def reminders(session: Session, context: JobContext) -> int:
    return send_reminders(session, policy=context.settings.policy, now=context.as_of)
