"""Small readers the review pages need beyond what the services return: the agencies a review
may name, which reviews of a list the caller raised, a review's kind before a form of it is read,
and the dashboard's figures. Figures and agencies' names name nobody, so they are not audited;
a review itself is read only through the services."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from hub.access import Permission, has_permission
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.config import Policy
from learning.models import Review, ReviewAgency
from learning.rules import RAISED_KINDS, ClockState, ReviewKind, ReviewStatus
from learning.services.actions import owned_counts
from learning.services.records import clocks_of
from learning.services.views import visible_review


def partner_agencies(db: Session, user: User) -> list[tuple[str, str]]:
    """Every agency but the person's own, by name, as (code, name): those a review may involve."""
    return [(code, name) for code, name in db.execute(
        select(Agency.code, Agency.name).where(Agency.id != user.agency_id).order_by(Agency.name))]


def raised_by(db: Session, user: User, review_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these reviews the person raised (a list marks the feedback they have to read)."""
    if not review_ids:
        return set()
    return set(db.scalars(select(Review.id).where(Review.id.in_(list(review_ids)),
                                                  Review.raised_by_id == user.id)))


def conducted_kind(db: Session, actor: Actor, review_id: uuid.UUID) -> str:
    """The kind of a review the caller conducts (404 for one they may not see, 403 for its raiser
    who does not), to read a form whose fields depend on it."""
    return visible_review(db, actor, review_id, conduct=True).kind


@dataclass(frozen=True)
class ReviewFigures:
    feedback_to_read: int  # feedback on reviews the person raised, not yet read
    awaiting_review: int  # incidents and near misses the person's agency is involved in, still open
    clocks_overdue: int = 0  # running CSPRs of the person's agency with a step past its deadline
    actions_open: int = 0  # actions from reviews the person's agency owns in a role of theirs
    actions_overdue: int = 0


# The dashboard's statements, built once: feedback waiting for the person (bound as ``user_id``)
# to read; the agency's (``agency_id``) incidents and near misses still open; its running CSPRs.
_reviews, _involved = cast(Table, Review.__table__), cast(Table, ReviewAgency.__table__)
_UNREAD_FEEDBACK = select(func.count()).where(
    _reviews.c.raised_by_id == bindparam("user_id"), _reviews.c.feedback_at.is_not(None),
    _reviews.c.feedback_read_at.is_(None))
_AWAITING_REVIEW = (select(func.count()).select_from(_reviews)
                    .join(_involved, _involved.c.review_id == _reviews.c.id)
                    .where(_involved.c.agency_id == bindparam("agency_id"),
                           _reviews.c.kind.in_([str(k) for k in RAISED_KINDS]),
                           _reviews.c.status == str(ReviewStatus.OPEN)))
_RUNNING_CSPRS = (select(Review).join(ReviewAgency, ReviewAgency.review_id == Review.id)
                  .where(ReviewAgency.agency_id == bindparam("agency_id"), Review.kind == ReviewKind.CSPR,
                         Review.status != ReviewStatus.CLOSED, Review.aware_on.is_not(None)))


def review_figures(db: Session, user: User, *, policy: Policy, today: date) -> ReviewFigures:
    """The dashboard's figures: for anyone, the feedback waiting for them; for a lead or
    manager, the incidents and near misses their agency is involved in that await review, and
    its running CSPRs with a step past its deadline (through the running CSPRs' partial index);
    and the actions from reviews they own, open and overdue."""
    actions_open, actions_overdue = (owned_counts(db, user, today=today)
                                     if has_permission(user, Permission.REVIEW_ACTION_UPDATE) else (0, 0))
    unread = db.scalar(_UNREAD_FEEDBACK, {"user_id": user.id}) or 0
    waiting = 0
    if has_permission(user, Permission.REVIEW_CONDUCT):
        waiting = db.scalar(_AWAITING_REVIEW, {"agency_id": user.agency_id}) or 0
        running = db.scalars(_RUNNING_CSPRS, {"agency_id": user.agency_id}).all()
        overdue = sum(1 for row in running
                      if any(clock.state(today) == ClockState.OVERDUE for clock in clocks_of(row, policy)))
        return ReviewFigures(unread, waiting, overdue, actions_open, actions_overdue)
    return ReviewFigures(unread, waiting, 0, actions_open, actions_overdue)
