"""The concerns package's measures for the partnership report (DOMAIN.md §11): concerns raised
by category and how many were triaged by their deadline, alerts acknowledged within target, and
supervision sessions held, each counted by agency over the period. Figures only."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import Date, String, cast, func, select
from sqlalchemy.orm import Session

from concerns.models import Alert, Allocation, Concern, SupervisionDiscussion, SupervisionSession
from concerns.rules import ADULT_CATEGORIES, CATEGORY_NAMES, CHILD_CATEGORIES
from concerns.services.supervision import interval_for, level_on, levels_over_time
from hub.config import Policy
from hub.figures import Figure, Period, counted

GROUP = "Concerns, alerts and supervision"


def figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    rows = db.execute(
        select(Concern.agency_id, cast(Concern.categories, String), Concern.triaged_at.is_not(None),
               Concern.triaged_at <= Concern.triage_due, func.count())
        .where(Concern.raised_at >= period.lower, Concern.raised_at < period.upper)
        .group_by(Concern.agency_id, cast(Concern.categories, String), Concern.triaged_at.is_not(None),
                  Concern.triaged_at <= Concern.triage_due)).all()
    total: dict[int, int] = {}
    triaged: dict[int, int] = {}
    on_time: dict[int, int] = {}
    by_category: dict[str, dict[int, int]] = {
        category: {} for category in dict.fromkeys(ADULT_CATEGORIES + CHILD_CATEGORIES)}
    for agency_id, categories, was_triaged, triaged_in_time, count in rows:
        total[agency_id] = total.get(agency_id, 0) + count
        if was_triaged:
            triaged[agency_id] = triaged.get(agency_id, 0) + count
            if triaged_in_time:
                on_time[agency_id] = on_time.get(agency_id, 0) + count
        for category in json.loads(categories or "[]"):
            if category in by_category:
                by_category[category][agency_id] = by_category[category].get(agency_id, 0) + count
    in_time = Alert.acknowledged_at.is_not(None) & (Alert.acknowledged_at <= Alert.escalate_at)
    alerts = db.execute(
        select(Alert.agency_id, in_time, func.count())
        .where(Alert.raised_at >= period.lower, Alert.raised_at < period.upper)
        .group_by(Alert.agency_id, in_time)).all()
    sessions = db.execute(
        select(SupervisionSession.agency_id, func.count())
        .where(SupervisionSession.held_on >= period.start, SupervisionSession.held_on <= period.end)
        .group_by(SupervisionSession.agency_id)).all()
    discussed, discussed_in_time = _discussions(db, period, policy)
    return [
        Figure("concerns_raised", "Concerns raised", GROUP, total),
        Figure("concerns_triaged", "Concerns triaged", GROUP, triaged, part_of="concerns_raised"),
        Figure("concerns_triaged_on_time", "Concerns triaged by the end of the next working day", GROUP,
               on_time, part_of="concerns_triaged"),
        *(Figure(f"concerns_category_{category}", f"Concerns: {CATEGORY_NAMES[category]}",
                 "Concerns by category", counts) for category, counts in by_category.items()),
        Figure("alerts_raised", "Alerts raised by observation thresholds", GROUP,
               counted((a, c) for a, _, c in alerts)),
        Figure("alerts_acknowledged_on_time", "Alerts acknowledged within target", GROUP,
               counted((a, c) for a, ok, c in alerts if ok), part_of="alerts_raised"),
        Figure("supervision_sessions", "Supervision sessions held", GROUP, counted(sessions)),
        Figure("supervision_discussions", "Cases discussed in supervision", GROUP, discussed),
        Figure("supervision_on_time", "Cases discussed within their interval", GROUP, discussed_in_time,
               part_of="supervision_discussions"),
    ]


def _discussions(db: Session, period: Period, policy: Policy) -> tuple[dict[int, int], dict[int, int]]:
    """The case discussions held in the period, by the supervising agency, and those held within
    the interval for the case's risk (policy: 4 weeks at high and very high risk, 12 otherwise,
    by its risk summary as it stood on the day of the discussion) of the previous discussion of
    the case with the same person, or, for the first, of the case's allocation to them."""
    ordered = (SupervisionDiscussion.supervisee_id, SupervisionDiscussion.case_id)
    history = (select(SupervisionSession.agency_id, SupervisionDiscussion.supervisee_id,
                      SupervisionDiscussion.case_id, SupervisionDiscussion.held_on,
                      func.lag(SupervisionDiscussion.held_on, type_=Date).over(
                          partition_by=ordered, order_by=SupervisionDiscussion.held_on).label("previous"))
               .join(SupervisionSession, SupervisionSession.id == SupervisionDiscussion.session_id)
               .where(SupervisionDiscussion.held_on <= period.end).subquery())
    rows = db.execute(select(history).where(history.c.held_on >= period.start)).all()
    if not rows:
        return {}, {}
    case_ids = sorted({row.case_id for row in rows})
    levels = levels_over_time(db, case_ids, policy)
    allocated: dict[tuple[uuid.UUID, uuid.UUID], list[date]] = {}
    allocations = select(Allocation.user_id, Allocation.case_id, Allocation.allocated_at)
    for user_id, case_id, at in db.execute(allocations.where(Allocation.case_id.in_(case_ids))).all():
        allocated.setdefault((user_id, case_id), []).append(policy.local_date(at))
    discussed: dict[int, int] = {}
    in_time: dict[int, int] = {}
    for agency_id, supervisee_id, case_id, held_on, previous in rows:
        discussed[agency_id] = discussed.get(agency_id, 0) + 1
        since = previous or max((d for d in allocated.get((supervisee_id, case_id), []) if d <= held_on),
                                default=None)
        level = level_on(levels.get(case_id, ()), held_on)
        if since is not None and held_on <= since + interval_for(level, policy):
            in_time[agency_id] = in_time.get(agency_id, 0) + 1
    return discussed, in_time

