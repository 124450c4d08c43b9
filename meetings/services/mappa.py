"""MAPPA management (DOMAIN.md §5): a MAPPA case's category and level, set by its lead agency, and
the review each level calls for; the mappa-reviews job's "review due" alerts with a proposed date.

Setting the level again (after a review meeting, or on a change of level) counts the next review
from that day. Every read and change is audited; a non-member is told the case does not exist.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.audit.services import Entry, record, record_all
from hub.cases.models import Case, CaseKind, CaseMembership
from hub.config import Policy
from hub.errors import Conflict, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import add_working_days
from meetings import rules
from meetings.models import MappaManagement, MappaReviewAlert


@dataclass(frozen=True)
class MappaView:
    category: int
    level: int
    next_review: date | None
    set_at: datetime
    # The open "review due" alert, with the date it proposes, if the job has raised one.
    review_due: date | None = None
    proposed_date: date | None = None


def _mappa_case(db: Session, actor: Actor, case_id: uuid.UUID, permission: Permission) -> Case:
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, permission)
    if case.kind != CaseKind.MAPPA:
        raise Conflict("A MAPPA category and level belong to a MAPPA case; this case is not one")
    return case


def _view(db: Session, row: MappaManagement) -> MappaView:
    alert = db.execute(select(MappaReviewAlert.due_date, MappaReviewAlert.proposed_date).where(
        MappaReviewAlert.case_id == row.case_id, MappaReviewAlert.due_date == row.next_review)).first()
    return MappaView(row.category, row.level, row.next_review, row.set_at,
                     alert.due_date if alert else None, alert.proposed_date if alert else None)


def set_mappa(db: Session, actor: Actor, case_id: uuid.UUID, *, category: int, level: int,
              policy: Policy, now: datetime) -> MappaView:
    """Set a MAPPA case's category and level (its lead agency: 403 for another member, 404 for
    anyone else, 409 for a case of another kind, 422 keyed by field); the next review is the
    level's interval from today. Audited."""
    case = _mappa_case(db, actor, case_id, Permission.MAPPA_MANAGE)
    assert actor.user is not None
    problems = rules.mappa_problems(category, level)
    if problems:
        raise ValidationFailed(problems)
    due = rules.next_mappa_review(level, policy.local_date(now), policy)
    row = db.get(MappaManagement, case.id)
    if row is None:
        row = MappaManagement(case_id=case.id, category=category, level=level, next_review=due,
                              set_by=actor.user.id, set_at=now)
        db.add(row)
    else:
        row.category, row.level, row.next_review, row.set_by, row.set_at = (
            category, level, due, actor.user.id, now)
    db.flush()
    record(db, actor, "mappa.set", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"category": category, "level": level,
                    "next_review": due.isoformat() if due else None})
    return _view(db, row)


def get_mappa(db: Session, actor: Actor, case_id: uuid.UUID, *, now: datetime) -> MappaView | None:
    """A MAPPA case's category, level and review (None before its lead agency has set them), for
    its members. Audited."""
    case = _mappa_case(db, actor, case_id, Permission.CASE_READ)
    row = db.get(MappaManagement, case.id)
    record(db, actor, "mappa.read", now=now, object_type="case", object_id=case.id, case_id=case.id)
    return _view(db, row) if row is not None else None


# --- the mappa-reviews job -------------------------------------------------------------------------

# Cases whose review falls due within the notice period and has no alert yet (the index on
# next_review finds them; the unique (case, due date) makes a second run add nothing).
_DUE = (
    select(MappaManagement.case_id, MappaManagement.next_review, Case.ref)
    .join(Case, Case.id == MappaManagement.case_id)
    .where(MappaManagement.next_review.is_not(None),
           MappaManagement.next_review <= bindparam("horizon"),
           ~select(MappaReviewAlert.id).where(MappaReviewAlert.case_id == MappaManagement.case_id,
                                              MappaReviewAlert.due_date == MappaManagement.next_review)
           .exists())
    .order_by(MappaManagement.next_review, MappaManagement.case_id)
)
_LEADS_OF_LEAD_AGENCIES = (
    select(CaseMembership.case_id, User.email, User.roles)
    .join(User, User.agency_id == CaseMembership.agency_id)
    .where(CaseMembership.case_id.in_(bindparam("case_ids", expanding=True)),
           CaseMembership.is_lead.is_(True), CaseMembership.removed_at.is_(None), User.active.is_(True))
    .order_by(User.email)
)


def raise_review_alerts(db: Session, *, policy: Policy, now: datetime) -> int:
    """Raise "review due" for every MAPPA case whose review is due within
    `mappa_review_notice_working_days`, proposing the due date (or the working day before it),
    and tell the lead agency's safeguarding leads: the case reference, the dates and a link.
    Idempotent; returns how many alerts it raised."""
    horizon = add_working_days(policy.local_date(now), policy.mappa_review_notice_working_days)
    due = db.execute(_DUE, {"horizon": horizon}).all()
    if not due:
        return 0
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    raised = db.execute(
        dialect.insert(MappaReviewAlert).values([
            {"case_id": case_id, "due_date": when, "proposed_date": rules.proposed_review_date(when),
             "raised_at": now} for case_id, when, _ref in due if when is not None])
        .on_conflict_do_nothing()
        .returning(MappaReviewAlert.case_id, MappaReviewAlert.due_date, MappaReviewAlert.proposed_date)).all()
    refs = {case_id: ref for case_id, _when, ref in due}
    leads: dict[uuid.UUID, list[str]] = defaultdict(list)
    for case_id, email, roles in db.execute(_LEADS_OF_LEAD_AGENCIES, {"case_ids": list(refs)}):
        if Role.LEAD in roles:
            leads[case_id].append(email)
    enqueue_all(db, [
        Message("mappa.review_due", email, f"MAPPA review due on case {refs[case_id]}",
                f"The MAPPA review of case {refs[case_id]} is due by {when:%-d %B %Y}. The hub "
                f"proposes holding it on {proposed:%A %-d %B %Y}.\n\nSign in to the safeguarding "
                "hub to convene it:", case_id, f"/cases/{case_id}")
        for case_id, when, proposed in raised for email in leads[case_id]], now=now)
    record_all(db, Actor.system(), "mappa.review_due", [
        Entry(object_type="case", object_id=case_id, case_id=case_id,
              details={"due": when.isoformat(), "proposed": proposed.isoformat()})
        for case_id, when, proposed in raised], now=now)
    return len(raised)


@dataclass(frozen=True)
class ReviewDue:
    case_id: uuid.UUID
    case_ref: str
    due: date
    proposed: date


# The open alerts of cases the agency leads: an alert is open while the review it is about is
# still the case's next one (setting the level after the review moves next_review on). The query
# starts from the alerts and asks of each whether the agency leads its case (EXISTS on the
# membership's (agency_id, case_id) index), so its cost follows the alerts raised, not the number
# of cases the agency leads.
_AGENCY_REVIEWS_DUE = (
    select(MappaReviewAlert.case_id, Case.ref, MappaReviewAlert.due_date, MappaReviewAlert.proposed_date)
    .join(MappaManagement, (MappaManagement.case_id == MappaReviewAlert.case_id)
          & (MappaManagement.next_review == MappaReviewAlert.due_date))
    .join(Case, Case.id == MappaReviewAlert.case_id)
    .where(select(CaseMembership.case_id)
           .where(CaseMembership.agency_id == bindparam("agency_id"),
                  CaseMembership.case_id == MappaReviewAlert.case_id,
                  CaseMembership.is_lead.is_(True), CaseMembership.removed_at.is_(None))
           .exists())
    .order_by(MappaReviewAlert.due_date, Case.ref).limit(bindparam("limit"))
)


def reviews_due(db: Session, actor: Actor, *, limit: int = 20) -> list[ReviewDue]:
    """The MAPPA reviews due of the cases the caller's agency leads, soonest first (case
    references and dates only)."""
    assert actor.user is not None
    return [ReviewDue(*row) for row in db.execute(
        _AGENCY_REVIEWS_DUE, {"agency_id": actor.user.agency_id, "limit": limit})]
