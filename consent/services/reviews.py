"""The IG review queue: decisions to share made without consent, reviewed by the deciding
agency's ``ig`` role holders, who endorse them or raise concerns (every review audited)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consent.models import DisclosureDecision, DisclosureReview
from consent.services.common import blank_to_none, texts_binding
from consent.services.decisions import Decision, open_decision
from hub.access import Permission, check, note_refused_case
from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.cases.models import Case
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.mail.outbox import enqueue

TABLE = "disclosure_reviews"


class ReviewOutcome(enum.StrEnum):
    ENDORSED = "endorsed"
    CONCERNS_RAISED = "concerns_raised"


@dataclass(frozen=True)
class QueueItem:
    """One decision awaiting review: what the reviewer needs to judge it."""

    decision: Decision
    case_ref: str


_AWAITING = (
    select(DisclosureDecision, Case.ref)
    .join(Case, Case.id == DisclosureDecision.case_id)
    .outerjoin(DisclosureReview, DisclosureReview.decision_id == DisclosureDecision.id)
    .where(DisclosureDecision.needs_review.is_(True), DisclosureReview.id.is_(None))
)


def review_queue(db: Session, actor: Actor, *, envelope: Envelope, now: datetime,
                 limit: int = 50, offset: int = 0) -> list[QueueItem]:
    """The caller's agency's decisions made without consent that no one has reviewed, oldest
    first (the read of their rationale is audited)."""
    assert actor.user is not None
    check(actor.user, Permission.DISCLOSURE_REVIEW)
    rows = db.execute(_AWAITING.where(DisclosureDecision.agency_id == actor.user.agency_id)
                      .order_by(DisclosureDecision.decided_at, DisclosureDecision.id)
                      .limit(limit).offset(offset)).all()
    record(db, actor, "disclosure.review_queue.read", now=now, details={"count": len(rows)})
    return [QueueItem(Decision(row, open_decision(db, envelope, row)), ref) for row, ref in rows]


# The dashboard's two questions, built once (every signed-in page view asks one of them).
_QUEUE_LENGTH = select(func.count()).select_from(
    _AWAITING.where(DisclosureDecision.agency_id == bindparam("agency_id")).subquery())


def queue_length(db: Session, user: User) -> int:
    """How many decisions await the user's agency's IG (for the dashboard; no content)."""
    return db.scalar(_QUEUE_LENGTH, {"agency_id": user.agency_id}) or 0


def queued_decision(db: Session, actor: Actor, decision_id: uuid.UUID, *, envelope: Envelope,
                    now: datetime) -> QueueItem:
    """One decision of the caller's agency awaiting IG review, to judge it (the read of its
    rationale is audited). Another agency's decision, or one not awaiting review, is 404."""
    assert actor.user is not None
    check(actor.user, Permission.DISCLOSURE_REVIEW)
    found = db.execute(_AWAITING.where(DisclosureDecision.id == decision_id,
                                       DisclosureDecision.agency_id == actor.user.agency_id)).first()
    if found is None:
        other = db.execute(select(DisclosureDecision.case_id, DisclosureDecision.agency_id)
                           .where(DisclosureDecision.id == decision_id)).first()
        if other is not None and other.agency_id != actor.user.agency_id:
            note_refused_case(db, other.case_id)  # probing another agency's decisions is audited
        raise NotFound("No such decision awaiting your agency's review")
    row, ref = found
    record(db, actor, "disclosure.read", now=now, object_type="disclosure", object_id=row.id,
           case_id=row.case_id)
    return QueueItem(Decision(row, open_decision(db, envelope, row)), ref)


def review_decision(db: Session, actor: Actor, decision_id: uuid.UUID, *, outcome: ReviewOutcome,
                    comment: str | None, envelope: Envelope, now: datetime) -> DisclosureReview:
    """Record the IG review of one of the agency's decisions made without consent. Another
    agency's decision, or one that needs no review, is 404; a second review 409."""
    assert actor.user is not None
    check(actor.user, Permission.DISCLOSURE_REVIEW)
    decision = db.get(DisclosureDecision, decision_id)
    if decision is None or decision.agency_id != actor.user.agency_id or not decision.needs_review:
        if decision is not None:
            note_refused_case(db, decision.case_id)  # probing another agency's decisions is audited
        raise NotFound("No such decision awaiting your agency's review")
    text = blank_to_none(comment)
    if text is None:
        raise ValidationFailed({"comment": "Say why you endorse the decision or what concerns you"})
    if len(text) > 10_000:
        raise ValidationFailed({"comment": "Keep the comment to 10,000 characters or fewer"})
    review = DisclosureReview(id=uuid.uuid4(), decision_id=decision.id, case_id=decision.case_id,
                              decided_by_id=decision.decided_by_id, reviewer_id=actor.user.id,
                              outcome=outcome, reviewed_at=now)
    db.flush()
    try:
        # The review and its data key in a savepoint: a second review leaves the session usable.
        with db.begin_nested():
            review.comment_ciphertext = envelope.encrypt_json(
                db, {"comment": text}, texts_binding(TABLE, review.id, decision.case_id, column="comment"),
                case_uuid=decision.case_id, now=now)
            db.add(review)
            db.flush()
    except IntegrityError:
        raise Conflict("This decision has already been reviewed") from None
    record(db, actor, "disclosure.review", now=now, object_type="disclosure", object_id=decision.id,
           case_id=decision.case_id, details={"outcome": str(outcome)})
    if outcome is ReviewOutcome.CONCERNS_RAISED:
        _tell_the_decision_maker(db, decision, now=now)
    return review


def _tell_the_decision_maker(db: Session, decision: DisclosureDecision, *, now: datetime) -> None:
    """An e-mail, in the review's transaction, to whoever recorded the decision: the case
    reference and a link to the decision, where the concern is read after signing in."""
    maker = db.get(User, decision.decided_by_id)
    case_ref = db.scalar(select(Case.ref).where(Case.id == decision.case_id))
    if maker is None or not maker.active:
        return  # the dashboard still lists the concern for whoever looks after their decisions
    enqueue(db, kind="disclosure.concerns_raised", recipient=maker.email, case_id=decision.case_id,
            subject=f"Concerns raised about a disclosure decision on case {case_ref}",
            body=("Information governance has reviewed a decision to share information that you "
                  "recorded, and has raised concerns about it.\n\n"
                  "Sign in to the safeguarding hub to read them and, if needed, correct the "
                  "decision:"),
            link_path=f"/cases/{decision.case_id}/decisions/{decision.id}", now=now)


def review_comment(db: Session, envelope: Envelope, review: DisclosureReview) -> str:
    values = envelope.decrypt_json(db, review.comment_ciphertext,
                                   texts_binding(TABLE, review.id, review.case_id, column="comment"))
    return str(values["comment"])


@dataclass(frozen=True)
class RaisedConcern:
    review_id: uuid.UUID
    decision_id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    reviewed_at: datetime


# Through the partial index of unseen concerns by decision-maker: as many rows as they have to
# open, however many decisions they have made.
_UNSEEN_CONCERNS = (
    select(DisclosureReview.id, DisclosureReview.decision_id, Case.id, Case.ref, DisclosureReview.reviewed_at)
    .join(Case, Case.id == DisclosureReview.case_id)
    .where(DisclosureReview.decided_by_id == bindparam("user_id"),
           # Written into the statement as the index's condition is, so that a plan prepared
           # once (PostgreSQL's generic plans) can still use the index.
           DisclosureReview.outcome == literal(str(ReviewOutcome.CONCERNS_RAISED), literal_execute=True),
           DisclosureReview.seen_at.is_(None))
    .order_by(DisclosureReview.reviewed_at.desc()).limit(bindparam("limit"))
)


def concerns_for(db: Session, user: User, *, limit: int = 20) -> list[RaisedConcern]:
    """Concerns an IG review raised about the user's own decisions, not yet opened by them
    (a dashboard item; e-mail joins it once the outbox exists). No content: a reference."""
    rows = db.execute(_UNSEEN_CONCERNS, {"user_id": user.id, "limit": limit}).all()
    return [RaisedConcern(*row) for row in rows]


def mark_concern_seen(db: Session, user: User, decision_id: uuid.UUID, *, now: datetime) -> None:
    """The decision-maker has opened the decision: its concern leaves their dashboard."""
    review = db.scalar(select(DisclosureReview).where(
        DisclosureReview.decision_id == decision_id, DisclosureReview.decided_by_id == user.id,
        DisclosureReview.seen_at.is_(None)))
    if review is not None:
        review.seen_at = now
        db.flush()
