"""The learning package's own measures for the partnership report (DOMAIN.md §11, "reviews and
their actions"): reviews opened in the period by kind, by the agency that opened them; review
actions due in the period and how many were done by their due day, by owning agency."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.config import Policy
from hub.figures import Figure, Period, counted, due_and_done_in_time
from learning.models import Review, ReviewAction, ReviewActionChange
from learning.rules import KIND_LABELS, ReviewKind
from sharing.rules import ActionStatus

GROUP = "Reviews and learning"


def figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    del policy  # no timescale of its own: the period says when
    opened = db.execute(
        select(Review.agency_id, Review.kind, func.count())
        .where(Review.raised_at >= period.lower, Review.raised_at < period.upper)
        .group_by(Review.agency_id, Review.kind)).all()
    due, on_time = due_and_done_in_time(db, period, ReviewAction, ReviewActionChange, ActionStatus.DONE)
    return [
        *(Figure(f"reviews_{kind}", f"Reviews opened: {KIND_LABELS[kind]}", GROUP,
                 counted((a, c) for a, k, c in opened if k == kind)) for kind in ReviewKind),
        Figure("review_actions_due", "Review actions due", GROUP, due),
        Figure("review_actions_done_on_time", "Review actions done by their due date", GROUP, on_time,
               part_of="review_actions_due"),
    ]
