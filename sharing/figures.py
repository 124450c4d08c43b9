"""The sharing package's measures for the partnership report (DOMAIN.md §11): cross-agency
actions due in the period and how many were done by their due day, by the agency each was for;
professional challenges opened in the period by the stage they reached, by the agency
challenged. Figures only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.config import Policy
from hub.figures import Figure, Period, counted, due_and_done_in_time
from sharing.models import Action, ActionChange, Challenge
from sharing.rules import STAGES, ActionStatus

GROUP = "Actions and professional challenge"


def figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    del policy  # no timescale of its own: the period says when
    due, on_time = due_and_done_in_time(db, period, Action, ActionChange, ActionStatus.DONE)
    stages = db.execute(
        select(Challenge.against_agency_id, Challenge.stage, func.count())
        .where(Challenge.opened_at >= period.lower, Challenge.opened_at < period.upper)
        .group_by(Challenge.against_agency_id, Challenge.stage)).all()
    return [
        Figure("actions_due", "Actions due", GROUP, due),
        Figure("actions_done_on_time", "Actions done by their due date", GROUP, on_time,
               part_of="actions_due"),
        *(Figure(f"challenges_stage_{stage}", f"Challenges reaching stage {stage}", GROUP,
                 counted((a, c) for a, s, c in stages if s == stage)) for stage in STAGES),
    ]

