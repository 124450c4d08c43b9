"""Reviews (DOMAIN.md §9): raised, reviewed and fed back on.

Anyone signed in for casework raises an incident or a near miss; a lead or a manager opens a
Safeguarding Adult Review or a Child Safeguarding Practice Review. A review is seen by the person
who raised it and by the leads and managers of the agencies involved (the raiser's agency is
always one); to anyone else it does not exist (404). The cases it concerns are linked by their
reference, and only a case of the raiser's agency can be linked: linking never reveals another
agency's case. The reviewer records the structured review, then the feedback to the person who
raised it, who is e-mailed a link (never what happened) and sees it on the review's page.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.access import Permission, check, has_permission
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, Forbidden, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from learning import rules
from learning.models import Review, ReviewAgency, ReviewCase
from learning.rules import ReviewIn, ReviewKind, ReviewStatus, StructuredReviewIn
from learning.services.records import binding
from learning.services.views import ReviewLine, ReviewView, review_line, review_view, visible_review


def raise_review(db: Session, actor: Actor, review: ReviewIn, *, envelope: Envelope, policy: Policy,
                 now: datetime) -> ReviewView:
    """Record an incident or a near miss (anyone), or open a SAR or CSPR (a lead or manager: 403
    otherwise); 422 keyed by field, nothing written. The raiser's agency is always involved; the
    cases are those of the raiser's agency with the references given. Audited."""
    assert actor.user is not None
    user = actor.user
    today = policy.local_date(now)
    codes, agencies, refs, cases = _checked(db, user, review, today=today)
    row = Review(id=uuid.uuid4(), kind=review.kind, status=ReviewStatus.OPEN, agency_id=user.agency_id,
                 raised_by_id=user.id, raised_at=now, occurred_on=review.occurred_on, factors=[], tags=[],
                 reminded=[], aware_on=review.aware_on if review.kind == ReviewKind.CSPR else None)
    row.texts_ciphertext = envelope.encrypt_json(
        db, {"summary": review.summary.strip(), "account": review.account.strip()},
        binding("reviews", "texts", row.id), case_uuid=None, now=now)
    db.add(row)
    db.flush()
    agency_ids = dict.fromkeys([user.agency_id, *(agencies[c].id for c in codes)])
    db.add_all([ReviewAgency(review_id=row.id, agency_id=a) for a in agency_ids])
    db.add_all([ReviewCase(review_id=row.id, case_id=cases[r].id) for r in refs])
    db.flush()
    record(db, actor, "review.raise", now=now, object_type="review", object_id=row.id,
           details={"kind": review.kind, "agencies": len(agency_ids), "cases": len(refs)})
    for case in cases.values():
        record(db, actor, "review.link_case", now=now, object_type="review", object_id=row.id,
               case_id=case.id)
    return review_view(db, envelope, actor, row, policy=policy, today=today)


def check_review(db: Session, actor: Actor, review: ReviewIn, *, policy: Policy, now: datetime) -> None:
    """The problems raising ``review`` would meet (403, or 422 keyed by field), found before the
    check-your-answers page and writing nothing: the same checks as raising it."""
    assert actor.user is not None
    _checked(db, actor.user, review, today=policy.local_date(now))


def _checked(db: Session, user: User, review: ReviewIn, *,
             today: date) -> tuple[list[str], dict[str, Agency], list[str], dict[str, Case]]:
    """The agencies' codes and the references named, each found, or every problem with the review."""
    check(user, Permission.REVIEW_RAISE)
    problems = rules.review_problems(review, today=today)
    if review.kind in rules.STATUTORY_KINDS and not has_permission(user, Permission.REVIEW_CONDUCT):
        raise Forbidden("A Safeguarding Adult Review or a Child Safeguarding Practice Review is opened "
                        "by a safeguarding lead or a manager")
    codes = list(dict.fromkeys(code.strip() for code in review.agencies if code.strip()))
    agencies = {a.code: a for a in db.scalars(select(Agency).where(Agency.code.in_(codes)))} if codes else {}
    if "agencies" not in problems and (unknown := [c for c in codes if c not in agencies]):
        problems["agencies"] = f"No agency has the code {unknown[0][:32]!r}"
    refs = list(dict.fromkeys(ref.strip().upper() for ref in review.case_refs if ref.strip()))
    cases = own_cases(db, refs, user.agency_id) if refs else {}
    if "case_refs" not in problems and (missing := [r for r in refs if r not in cases]):
        problems["case_refs"] = f"None of your agency's cases has the reference {missing[0][:32]!r}"
    if problems:
        raise ValidationFailed(problems)
    return codes, agencies, refs, cases


def own_cases(db: Session, refs: list[str], agency_id: int) -> dict[str, Case]:
    """The cases with these references that the agency is a current member of."""
    return {case.ref: case for case in db.scalars(
        select(Case).join(CaseMembership, CaseMembership.case_id == Case.id)
        .where(Case.ref.in_(refs), CaseMembership.agency_id == agency_id,
               CaseMembership.removed_at.is_(None)))}


def get_review(db: Session, actor: Actor, review_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
               now: datetime, conduct: bool = False) -> ReviewView:
    """One review in full (the read is audited); the person who raised it reading feedback marks
    it read. ``conduct``: only for a lead or manager of an agency involved (403 for its raiser)."""
    row = visible_review(db, actor, review_id, conduct=conduct)
    assert actor.user is not None
    if row.feedback_at is not None and row.feedback_read_at is None and row.raised_by_id == actor.user.id:
        row.feedback_read_at = now
        record(db, actor, "review.feedback_read", now=now, object_type="review", object_id=row.id)
    record(db, actor, "review.read", now=now, object_type="review", object_id=row.id)
    db.flush()
    return review_view(db, envelope, actor, row, policy=policy, today=policy.local_date(now))


def reviews_of(db: Session, actor: Actor, *, kind: str | None, status: str | None, envelope: Envelope,
               now: datetime, limit: int = 50, offset: int = 0) -> list[ReviewLine]:
    """The reviews the caller may see, newest first: those they raised, and for a lead or manager
    those of every agency involved that is theirs. Audited."""
    assert actor.user is not None
    user = actor.user
    check(user, Permission.REVIEW_READ)
    problems = {}
    if kind is not None and kind not in set(ReviewKind):
        problems["kind"] = f"Choose one of {', '.join(ReviewKind)}"
    if status is not None and status not in set(ReviewStatus):
        problems["status"] = f"Choose one of {', '.join(ReviewStatus)}"
    if problems:
        raise ValidationFailed(problems)
    mine = Review.raised_by_id == user.id
    if has_permission(user, Permission.REVIEW_CONDUCT):
        mine = or_(mine, select(ReviewAgency.review_id).where(
            ReviewAgency.review_id == Review.id, ReviewAgency.agency_id == user.agency_id).exists())
    query = (select(Review, User.name, Agency.code).join(User, User.id == Review.raised_by_id)
             .join(Agency, Agency.id == Review.agency_id).where(mine))
    if kind is not None:
        query = query.where(Review.kind == kind)
    if status is not None:
        query = query.where(Review.status == status)
    rows = db.execute(query.order_by(Review.raised_at.desc(), Review.id).limit(limit).offset(offset)).all()
    record(db, actor, "review.list", now=now, object_type="agency", object_id=user.agency_id,
           details={"count": len(rows), "kind": kind, "status": status})
    return [review_line(db, envelope, row, name, code) for row, name, code in rows]


def record_structured_review(db: Session, actor: Actor, review_id: uuid.UUID, data: StructuredReviewIn, *,
                             envelope: Envelope, policy: Policy, now: datetime) -> ReviewView:
    """The structured review of an incident or near miss, or a statutory review's findings, by a
    lead or manager of an agency involved; recorded again, it replaces the earlier one (the audit
    keeps that it did). 422 keyed by field, nothing written."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    today = policy.local_date(now)
    problems = rules.structured_review_problems(data, today=today, factors=policy.review_factors)
    if problems:
        raise ValidationFailed(problems)
    again = row.reviewed_at is not None
    row.reviewer_id, row.reviewed_at = actor.user.id, now
    row.factors = list(dict.fromkeys(data.factors))
    row.tags = list(dict.fromkeys(data.tags))
    row.review_ciphertext = envelope.encrypt_json(db, {
        "timeline": [{"on": entry.on.isoformat(), "what": entry.what.strip()}
                     for entry in data.timeline if entry.on is not None],
        "went_well": data.went_well.strip(), "findings": data.findings.strip(),
        "recommendations": data.recommendations.strip()},
        binding("reviews", "review", row.id), case_uuid=None, now=now)
    if row.kind in rules.RAISED_KINDS and row.status == ReviewStatus.OPEN:
        row.status = ReviewStatus.REVIEWED
    db.flush()
    record(db, actor, "review.review", now=now, object_type="review", object_id=row.id,
           details={"again": again, "factors": row.factors, "tags": len(row.tags)})
    return review_view(db, envelope, actor, row, policy=policy, today=today)


def give_feedback(db: Session, actor: Actor, review_id: uuid.UUID, feedback: str, *, envelope: Envelope,
                  policy: Policy, now: datetime) -> ReviewView:
    """Feedback to the person who raised an incident or near miss, once its review is recorded
    (409 before, and once given); it closes the review. The raiser is e-mailed a link. Audited."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    if row.kind not in rules.RAISED_KINDS:
        raise Conflict("Feedback goes to the person who raised an incident or near miss; a statutory "
                       "review publishes its findings")
    if row.reviewed_at is None:
        raise Conflict("Record the review before the feedback: the feedback says what it found")
    if row.feedback_at is not None:
        raise Conflict("Feedback has been given on this review")
    if problems := rules.feedback_problems(feedback):
        raise ValidationFailed(problems)
    row.feedback_by_id, row.feedback_at = actor.user.id, now
    row.feedback_ciphertext = envelope.encrypt_json(db, {"feedback": feedback.strip()},
                                                    binding("reviews", "feedback", row.id),
                                                    case_uuid=None, now=now)
    row.status = ReviewStatus.CLOSED
    db.flush()
    raiser = db.get(User, row.raised_by_id)
    if raiser is not None and raiser.active and raiser.id != actor.user.id:
        kind = rules.KIND_LABELS[ReviewKind(row.kind)].lower()
        enqueue_all(db, [Message(
            "review.feedback", raiser.email, f"Feedback on the {kind} you raised",
            f"The {kind} you raised on {row.raised_at:%-d %B %Y} has been reviewed, and the reviewer "
            "has written to you about what it found.\n\nSign in to the safeguarding hub to read it:",
            None, f"/reviews/{row.id}")], now=now)
    record(db, actor, "review.feedback", now=now, object_type="review", object_id=row.id)
    return review_view(db, envelope, actor, row, policy=policy, today=policy.local_date(now))
