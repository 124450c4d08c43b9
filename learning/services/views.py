"""A review as its reader sees it, and who may see it: the person who raised it, and the leads
and managers of the agencies involved (the raiser's agency is always one); to anyone else it does
not exist (404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import Permission, check, has_permission, note_refused_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import Forbidden, NotFound
from learning import rules
from learning.models import Review, ReviewAgency, ReviewCase
from learning.rules import Clock
from learning.services.records import (
    LinkedAction,
    LinkedMeeting,
    ReviewActionView,
    binding,
    clocks_of,
    cspr_of,
    linked_actions,
    linked_meetings,
    review_actions,
    sar_of,
)


@dataclass(frozen=True)
class ReviewLine:
    """A review in a list: what it is, where it stands, its summary."""

    id: uuid.UUID
    kind: str
    status: str
    summary: str
    occurred_on: date
    raised_at: datetime
    raised_by: str
    agency: str
    feedback_given: bool
    feedback_unread: bool  # given, and not yet read by the person who raised it


@dataclass(frozen=True)
class ReviewView:
    line: ReviewLine
    account: str
    agencies: tuple[tuple[str, str], ...]  # (code, name)
    cases: tuple[tuple[uuid.UUID, str], ...]  # (id, ref)
    may_conduct: bool
    raised_by_caller: bool
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    factors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    review: dict[str, Any] | None = None
    feedback: str | None = None
    feedback_by: str | None = None
    feedback_at: datetime | None = None
    feedback_read_at: datetime | None = None
    started_on: date | None = None
    ended_on: date | None = None
    duration_days: int | None = None
    sar: dict[str, Any] | None = None
    cspr: dict[str, date | None] | None = None
    clocks: tuple[tuple[Clock, str], ...] = ()  # (clock, state)
    actions: tuple[ReviewActionView, ...] = ()
    # What the findings concern beyond the cases: meetings about them, and actions on them.
    meetings: tuple[LinkedMeeting, ...] = ()
    case_actions: tuple[LinkedAction, ...] = ()


def may_conduct(db: Session, user: User, row: Review) -> bool:
    """A lead or manager of an agency involved in the review."""
    return has_permission(user, Permission.REVIEW_CONDUCT) and db.get(
        ReviewAgency, (row.id, user.agency_id)) is not None


def visible_review(db: Session, actor: Actor, review_id: uuid.UUID, *, conduct: bool = False) -> Review:
    """The review, for the person who raised it or a lead or manager of an agency involved; 404
    for anyone else. ``conduct``: only the latter (403 for the raiser, who knows it exists)."""
    assert actor.user is not None
    check(actor.user, Permission.REVIEW_READ)
    row = db.get(Review, review_id)
    if row is None:
        raise NotFound("No such review, or not one you may see")
    conducts = may_conduct(db, actor.user, row)
    if not conducts and row.raised_by_id != actor.user.id:
        for case_id in db.scalars(select(ReviewCase.case_id).where(ReviewCase.review_id == row.id)):
            note_refused_case(db, case_id)  # probing leaves a trace naming the cases, too
        raise NotFound("No such review, or not one you may see")
    if conduct and not conducts:
        raise Forbidden("Only a safeguarding lead or a manager of an agency involved reviews it")
    return row


def review_line(db: Session, envelope: Envelope, row: Review, raised_by: str, agency: str) -> ReviewLine:
    texts = envelope.decrypt_json(db, row.texts_ciphertext, binding("reviews", "texts", row.id))
    return ReviewLine(row.id, row.kind, row.status, texts["summary"], row.occurred_on, row.raised_at,
                      raised_by, agency, row.feedback_at is not None,
                      row.feedback_at is not None and row.feedback_read_at is None)


def review_view(db: Session, envelope: Envelope, actor: Actor, row: Review, *, policy: Policy,
          today: date) -> ReviewView:
    assert actor.user is not None
    names = dict(db.execute(select(User.id, User.name).where(User.id.in_(
        {i for i in (row.raised_by_id, row.reviewer_id, row.feedback_by_id) if i is not None}))).all())
    raiser_agency = _code(db, row.agency_id)
    agencies = tuple(sorted(db.execute(  # the raiser's first, then by name
        select(Agency.code, Agency.name).join(ReviewAgency, ReviewAgency.agency_id == Agency.id)
        .where(ReviewAgency.review_id == row.id).order_by(Agency.name)).all(),
        key=lambda agency: agency[0] != raiser_agency))
    cases = tuple(db.execute(select(Case.id, Case.ref).join(ReviewCase, ReviewCase.case_id == Case.id)
                             .where(ReviewCase.review_id == row.id).order_by(Case.ref)).all())
    texts = envelope.decrypt_json(db, row.texts_ciphertext, binding("reviews", "texts", row.id))
    line = ReviewLine(row.id, row.kind, row.status, texts["summary"], row.occurred_on, row.raised_at,
                      names.get(row.raised_by_id, ""), raiser_agency, row.feedback_at is not None,
                      row.feedback_at is not None and row.feedback_read_at is None)
    review = (envelope.decrypt_json(db, row.review_ciphertext, binding("reviews", "review", row.id))
              if row.review_ciphertext is not None else None)
    feedback = (envelope.decrypt_json(db, row.feedback_ciphertext,
                                      binding("reviews", "feedback", row.id))["feedback"]
                if row.feedback_ciphertext is not None else None)
    conducts = may_conduct(db, actor.user, row)
    return ReviewView(
        line, texts["account"], agencies, cases, conducts, row.raised_by_id == actor.user.id,
        names.get(row.reviewer_id) if row.reviewer_id else None, row.reviewed_at, tuple(row.factors),
        tuple(row.tags), review, feedback, names.get(row.feedback_by_id) if row.feedback_by_id else None,
        row.feedback_at, row.feedback_read_at, row.started_on, row.ended_on,
        rules.duration_days(row.started_on, row.ended_on, today=today),
        sar_of(db, envelope, row), cspr_of(row),
        tuple((clock, clock.state(today)) for clock in clocks_of(row, policy)),
        tuple(review_actions(db, envelope, row, today=today)) if conducts else (),
        tuple(linked_meetings(db, row.id)), tuple(linked_actions(db, row.id)))


def _code(db: Session, agency_id: int) -> str:
    return db.scalar(select(Agency.code).where(Agency.id == agency_id)) or ""
