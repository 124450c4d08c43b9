"""What a review's findings concern (DOMAIN.md §9, "themes and trends"): the cases, and the
meetings about them and the actions on them, linked so that what a review found can be traced to
where it happened.

A reviewer (a lead or manager of an agency involved) links what their agency may see: its own
cases, and the meetings and actions of those cases. What another agency linked, about a case the
reviewer's agency is not a member of, stays linked and unseen: setting the links replaces only
the part the caller can see. Every change is audited, each case linked or unlinked with its case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import ValidationFailed
from learning import rules
from learning.models import Review, ReviewCase, ReviewCaseAction, ReviewMeeting
from learning.rules import LinksIn
from learning.services.reviews import own_cases
from learning.services.views import ReviewView, review_view, visible_review
from meetings.models import Meeting, MeetingCase
from sharing.models import Action
from sharing.services.actions import ActionView, case_actions

# A case's meetings offered for linking, latest first: more than any case has in practice.
MAX_MEETINGS_OFFERED = 100


@dataclass(frozen=True)
class OfferedMeeting:
    id: uuid.UUID
    kind: str
    status: str
    starts_at: datetime


@dataclass(frozen=True)
class CaseOffer:
    """One of the review's cases the caller's agency is a member of, with what may be linked."""

    case_id: uuid.UUID
    ref: str
    meetings: tuple[OfferedMeeting, ...]
    actions: tuple[ActionView, ...]


@dataclass(frozen=True)
class Offer:
    cases: tuple[CaseOffer, ...]
    meetings: frozenset[uuid.UUID]  # linked now
    actions: frozenset[uuid.UUID]
    unseen_cases: int  # linked through another agency, kept as they are


def _seen_cases(db: Session, row: Review, agency_id: int) -> list[Case]:
    """The review's cases the agency is a current member of, by reference."""
    return list(db.scalars(
        select(Case).join(ReviewCase, ReviewCase.case_id == Case.id)
        .join(CaseMembership, CaseMembership.case_id == Case.id)
        .where(ReviewCase.review_id == row.id, CaseMembership.agency_id == agency_id,
               CaseMembership.removed_at.is_(None)).order_by(Case.ref)))


def _meetings_of(db: Session, case_id: uuid.UUID) -> tuple[OfferedMeeting, ...]:
    return tuple(OfferedMeeting(*r) for r in db.execute(
        select(Meeting.id, Meeting.kind, Meeting.status, Meeting.starts_at)
        .join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
        .where(MeetingCase.case_id == case_id)
        .order_by(Meeting.starts_at.desc()).limit(MAX_MEETINGS_OFFERED)))


def link_offer(db: Session, actor: Actor, review_id: uuid.UUID, *, envelope: Envelope,
               now: datetime) -> Offer:
    """What the caller may link: the meetings and actions of the review's cases their agency is
    a member of, and which are linked now. Reading the actions is audited, case by case."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    seen = _seen_cases(db, row, actor.user.agency_id)
    offers = tuple(CaseOffer(case.id, case.ref, _meetings_of(db, case.id),
                             tuple(case_actions(db, actor, case.id, envelope=envelope, now=now)))
                   for case in seen)
    linked = db.scalar(select(func.count()).where(ReviewCase.review_id == row.id)) or 0
    return Offer(offers,
                 frozenset(db.scalars(select(ReviewMeeting.meeting_id)
                                      .where(ReviewMeeting.review_id == row.id))),
                 frozenset(db.scalars(select(ReviewCaseAction.action_id)
                                      .where(ReviewCaseAction.review_id == row.id))),
                 linked - len(seen))


def set_links(db: Session, actor: Actor, review_id: uuid.UUID, links: LinksIn, *, envelope: Envelope,
              policy: Policy, now: datetime) -> ReviewView:
    """The cases, meetings and actions the findings concern, as far as the caller's agency sees
    them: its cases by reference, and meetings and actions of those cases (422 keyed by field,
    nothing written). What is linked through cases the agency is not a member of is kept."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    problems = rules.links_problems(links)
    refs = list(dict.fromkeys(ref.strip().upper() for ref in links.case_refs if ref.strip()))
    cases = own_cases(db, refs, actor.user.agency_id) if refs and "case_refs" not in problems else {}
    if "case_refs" not in problems and (missing := [r for r in refs if r not in cases]):
        problems["case_refs"] = f"None of your agency's cases has the reference {missing[0][:32]!r}"
    chosen = {case.id for case in cases.values()}
    meetings: dict[uuid.UUID, uuid.UUID] = {}  # meeting: the case it is linked through
    if links.meetings and "meetings" not in problems:
        for meeting_id, case_id in db.execute(
                select(MeetingCase.meeting_id, MeetingCase.case_id)
                .where(MeetingCase.meeting_id.in_(set(links.meetings)), MeetingCase.case_id.in_(chosen))):
            meetings.setdefault(meeting_id, case_id)
        if set(links.meetings) - meetings.keys():
            problems["meetings"] = "Choose meetings about the cases the review concerns"
    actions: set[uuid.UUID] = set()
    if links.actions and "actions" not in problems:
        actions = set(db.scalars(select(Action.id).where(Action.id.in_(set(links.actions)),
                                                         Action.case_id.in_(chosen))))
        if set(links.actions) - actions:
            problems["actions"] = "Choose actions on the cases the review concerns"
    if problems:
        raise ValidationFailed(problems)
    seen = {case.id: case for case in _seen_cases(db, row, actor.user.agency_id)}
    # Replace what the caller sees; what is linked through any other case stays.
    db.execute(delete(ReviewMeeting).where(ReviewMeeting.review_id == row.id,
                                           ReviewMeeting.case_id.in_(seen.keys())))
    db.execute(delete(ReviewCaseAction).where(
        ReviewCaseAction.review_id == row.id,
        ReviewCaseAction.action_id.in_(select(Action.id).where(Action.case_id.in_(seen.keys())))))
    db.execute(delete(ReviewCase).where(ReviewCase.review_id == row.id,
                                        ReviewCase.case_id.in_(seen.keys() - chosen)))
    kept_meetings = set(db.scalars(select(ReviewMeeting.meeting_id).where(ReviewMeeting.review_id == row.id)))
    kept_actions = set(db.scalars(select(ReviewCaseAction.action_id)
                                  .where(ReviewCaseAction.review_id == row.id)))
    db.add_all([ReviewCase(review_id=row.id, case_id=case_id) for case_id in chosen - seen.keys()])
    db.add_all([ReviewMeeting(review_id=row.id, meeting_id=meeting_id, case_id=case_id)
                for meeting_id, case_id in meetings.items() if meeting_id not in kept_meetings])
    db.add_all([ReviewCaseAction(review_id=row.id, action_id=action_id)
                for action_id in actions - kept_actions])
    db.flush()
    for case_id in sorted(chosen - seen.keys()):
        record(db, actor, "review.link_case", now=now, object_type="review", object_id=row.id,
               case_id=case_id)
    for case_id in sorted(seen.keys() - chosen):
        record(db, actor, "review.unlink_case", now=now, object_type="review", object_id=row.id,
               case_id=case_id)
    record(db, actor, "review.links", now=now, object_type="review", object_id=row.id,
           details={"cases": len(chosen), "meetings": len(meetings), "actions": len(actions)})
    return review_view(db, envelope, actor, row, policy=policy, today=policy.local_date(now))
