"""The sharing package's measures for the partnership report (DOMAIN.md §11): cross-agency
actions due in the period and how many were done by their due day, by the agency each was for;
professional challenges opened in the period by the stage they reached, by the agency
challenged. Figures only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.figures import Figure, Period, counted
from sharing.models import Action, ActionChange, Challenge
from sharing.rules import STAGES, ActionStatus

GROUP = "Actions and professional challenge"


def figures(db: Session, period: Period) -> list[Figure]:
    done_at = (select(ActionChange.action_id, func.min(ActionChange.changed_at).label("at"))
               .where(ActionChange.status == ActionStatus.DONE).group_by(ActionChange.action_id).subquery())
    rows = db.execute(
        select(Action.agency_id, Action.due, Action.status, done_at.c.at)
        .outerjoin(done_at, done_at.c.action_id == Action.id)
        .where(Action.due >= period.start, Action.due <= period.end)).all()
    due: dict[int, int] = {}
    on_time: dict[int, int] = {}
    for agency_id, due_on, status, done in rows:
        due[agency_id] = due.get(agency_id, 0) + 1
        if status == ActionStatus.DONE and done is not None and period.local(done) <= due_on:
            on_time[agency_id] = on_time.get(agency_id, 0) + 1
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

