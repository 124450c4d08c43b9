"""The consent package's scheduled job: drafts of the guided disclosure form are discarded
``policy.disclosure_draft_hours`` after their last change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from consent.services.drafts import discard_stale_drafts as _discard
from hub.jobs import JobContext


def discard_stale_drafts(session: Session, context: JobContext) -> int:
    """Delete every draft, and its data key, unchanged for longer than the policy allows."""
    hours = context.settings.policy.disclosure_draft_hours
    return _discard(session, changed_before=context.as_of - timedelta(hours=hours))
