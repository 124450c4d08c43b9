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
    in_period = (Action.due >= period.start) & (Action.due <= period.end)
    due = counted(db.execute(select(Action.agency_id, func.count()).where(in_period)
                             .group_by(Action.agency_id)).all())
    # Done by the due day: marked done before the due day's local end, probed per action through
    # the changes' (action, time) index; never the whole history of every action.
    ends = period.day_ends()
    marked_in_time = select(ActionChange.id).where(
        ActionChange.action_id == Action.id, ActionChange.status == ActionStatus.DONE,
        ActionChange.changed_at < ends.c.ends).exists()
    on_time = counted(db.execute(
        select(Action.agency_id, func.count()).join(ends, ends.c.day == Action.due)
        .where(in_period, Action.status == ActionStatus.DONE, marked_in_time)
        .group_by(Action.agency_id)).all())
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

