"""The concerns package's scheduled job (hub.jobs): alerts for cases without a daily observation
for the policy's days, and escalation of alerts not acknowledged in time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from concerns.services.alerts import sweep
from hub.jobs import JobContext


def observations(session: Session, context: JobContext) -> int:
    return sweep(session, policy=context.settings.policy, now=context.as_of)
