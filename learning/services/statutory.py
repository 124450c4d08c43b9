"""The statutory reviews (DOMAIN.md §9): a Safeguarding Adult Review's decision against the
criteria of Care Act 2014 s44, and any review's start and end; a Child Safeguarding Practice
Review's steps, each against its clock (Working Together 2023), reminded by the `reviews` job
before it is due and again once it is overdue."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.audit.services import Entry, record, record_all
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import add_working_days
from learning import rules
from learning.models import Review, ReviewAgency
from learning.rules import ClockState, ReviewKind, ReviewStatus, SarDecision, SarReferral
from learning.services.records import binding, clocks_of
from learning.services.views import ReviewView, review_view, visible_review

CLOCK_LABELS = {"notification": "National panel notified", "rapid_review": "Rapid review held",
                "publication": "Local review published"}


def ensure_undecided_sar(kind: str, decision: str | None) -> None:
    """409 unless the review is a SAR whose decision is still to be made (the service and the
    decision's pages ask here)."""
    if kind != ReviewKind.SAR:
        raise Conflict("Only a Safeguarding Adult Review has a decision against the s44 criteria")
    if decision is not None:
        raise Conflict("The decision on this review has been recorded")


def record_sar_decision(db: Session, actor: Actor, review_id: uuid.UUID, referral: SarReferral, *,
                        envelope: Envelope, policy: Policy, now: datetime) -> ReviewView:
    """A SAR's decision with every criterion answered and its rationale (Care Act 2014 s44), by a
    lead or manager of an agency involved; once made it stands (409), since the board's decision
    is what the review is measured from. 422 keyed by field, nothing written. Audited."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    ensure_undecided_sar(row.kind, row.sar_decision)
    today = policy.local_date(now)
    problems = rules.sar_problems(referral, today=today)
    if not problems and referral.decided_on is not None and referral.decided_on < row.occurred_on:
        problems["decided_on"] = "The decision cannot come before what it is about happened"
    if problems:
        raise ValidationFailed(problems)
    row.sar_care_and_support_needs = referral.care_and_support_needs
    row.sar_joint_working_concern = referral.joint_working_concern
    row.sar_harm, row.sar_known_or_suspected = referral.harm, referral.known_or_suspected
    row.sar_decision, row.sar_decided_on = referral.decision, referral.decided_on
    row.sar_decided_by_id = actor.user.id
    row.sar_rationale_ciphertext = envelope.encrypt_json(
        db, {"rationale": referral.rationale.strip()}, binding("reviews", "sar_rationale", row.id),
        case_uuid=None, now=now)
    if referral.decision == SarDecision.NO_REVIEW:
        row.status = ReviewStatus.CLOSED
    db.flush()
    record(db, actor, "review.sar_decision", now=now, object_type="review", object_id=row.id,
           details={"decision": referral.decision, "mandatory": rules.sar_mandatory(referral)})
    return review_view(db, envelope, actor, row, policy=policy, today=today)


DATE_FIELDS = ("started_on", "ended_on", "notified_on", "rapid_review_on", "decided_on", "published_on")
CSPR_FIELDS = ("notified_on", "rapid_review_on", "decided_on", "published_on")


def record_dates(db: Session, actor: Actor, review_id: uuid.UUID, dates: dict[str, date | None], *,
                 envelope: Envelope, policy: Policy, now: datetime) -> ReviewView:
    """A review's start and end, and a CSPR's steps: the days given replace those recorded (a day
    left out stays as it was). In order, none in the future; a SAR starts only once the board
    decided to hold it, and a review that has ended, or a CSPR published, is closed. 422 keyed by
    field, nothing written. Audited."""
    row = visible_review(db, actor, review_id, conduct=True)
    unknown = sorted(set(dates) - set(DATE_FIELDS))
    if unknown or (row.kind != ReviewKind.CSPR and set(dates) & set(CSPR_FIELDS)):
        raise ValidationFailed({(unknown or sorted(set(dates) & set(CSPR_FIELDS)))[0]:
                                "Only a Child Safeguarding Practice Review has this date"})
    today = policy.local_date(now)
    merged = {name: dates.get(name, getattr(row, name)) for name in DATE_FIELDS}
    problems = rules.review_dates_problems(opened_on=row.occurred_on, started_on=merged["started_on"],
                                           ended_on=merged["ended_on"], today=today)
    if row.kind == ReviewKind.SAR and merged["started_on"] is not None and "started_on" not in problems:
        if row.sar_decision != SarDecision.REVIEW:
            problems["started_on"] = "Record the board's decision to arrange the review before its start"
        elif row.sar_decided_on is not None and merged["started_on"] < row.sar_decided_on:
            problems["started_on"] = "The review cannot start before the decision to arrange it"
    if row.kind == ReviewKind.CSPR:
        problems.update(rules.cspr_problems(aware_on=row.aware_on, notified_on=merged["notified_on"],
                                            rapid_review_on=merged["rapid_review_on"],
                                            decided_on=merged["decided_on"],
                                            published_on=merged["published_on"], today=today))
    if problems:
        raise ValidationFailed(problems)
    changed = sorted(name for name in dates if getattr(row, name) != merged[name])
    for name in DATE_FIELDS:
        setattr(row, name, merged[name])
    finished = row.published_on is not None if row.kind == ReviewKind.CSPR else row.ended_on is not None
    if row.kind in rules.STATUTORY_KINDS:
        row.status = ReviewStatus.CLOSED if finished else ReviewStatus.OPEN
    db.flush()
    record(db, actor, "review.dates", now=now, object_type="review", object_id=row.id,
           details={"changed": changed})
    return review_view(db, envelope, actor, row, policy=policy, today=today)


def remind_clocks(db: Session, *, policy: Policy, now: datetime) -> int:
    """The `reviews` job's first half: for each CSPR still running, each clock within the policy's
    ``cspr_reminder_working_days`` of its due day, and again each one overdue, e-mails the leads of the
    agencies involved once (a reference and a link; a CSPR's reviews name no child). Run twice, it
    sends nothing the second time. Returns how many reminders went."""
    today = policy.local_date(now)
    soon = add_working_days(today, policy.cspr_reminder_working_days)
    rows = db.scalars(select(Review).where(Review.kind == ReviewKind.CSPR,
                                           Review.status != ReviewStatus.CLOSED, Review.aware_on.is_not(None))
                      .order_by(Review.aware_on)).all()
    messages: list[Message] = []
    entries: list[Entry] = []
    for row in rows:
        sent = set(row.reminded)
        for clock in clocks_of(row, policy):
            state = clock.state(today)
            key = f"{clock.name}:{'overdue' if state == ClockState.OVERDUE else 'due'}"
            if clock.done_on is not None or key in sent or (state == ClockState.DUE and clock.due > soon):
                continue
            sent.add(key)
            label = CLOCK_LABELS[clock.name].lower()
            overdue = state == ClockState.OVERDUE
            subject = ("Child Safeguarding Practice Review: a deadline has passed" if overdue
                       else "Child Safeguarding Practice Review: a deadline is near")
            body = (f"A Child Safeguarding Practice Review your agency is involved in has a step "
                    f"({label}) {'that was due' if overdue else 'due'} by {clock.due:%-d %B %Y}"
                    f"{' and is not recorded as done' if overdue else ''}.\n\n"
                    "Sign in to the safeguarding hub to record it:")
            messages += [Message("review.clock", email, subject, body, None, f"/reviews/{row.id}")
                         for email in _lead_addresses(db, row.id)]
            entries.append(Entry("review", row.id, None, {"clock": clock.name, "overdue": overdue}))
        if len(sent) != len(row.reminded):
            row.reminded = sorted(sent)
    if messages:
        enqueue_all(db, messages, now=now)
    if entries:
        record_all(db, Actor.system(), "review.clock_reminder", entries, now=now)
    db.flush()
    return len(entries)


def _lead_addresses(db: Session, review_id: uuid.UUID) -> list[str]:
    people = db.execute(select(User.email, User.roles)
                        .join(ReviewAgency, ReviewAgency.agency_id == User.agency_id)
                        .where(ReviewAgency.review_id == review_id, User.active.is_(True))
                        .order_by(User.email)).all()
    return [email for email, roles in people if Role.LEAD in roles]
