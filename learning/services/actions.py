"""A review's action plan (DOMAIN.md §9: tracked like any other action: what, owner (role),
timescale, status). An action is set by a lead or manager of an agency involved, for an agency
involved and a role there, with its due day; its status moves in the vocabulary and by the rules
of every action (sharing.rules: done needs its evidence, not done its reason). The `reviews` job
tells the owning agency's holders of the role once an action is overdue, and its leads once it
is overdue by the policy's grace, each once."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Agency, Role, User
from hub.audit.services import Entry, record, record_all
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import earliest_not_yet_overdue
from learning.models import Review, ReviewAction, ReviewActionChange, ReviewAgency
from learning.services.records import ReviewActionView, binding, review_actions
from learning.services.views import visible_review
from sharing.rules import ActionStatus, action_problems, status_change_problems

OWNER_ROLES = (Role.PRACTITIONER, Role.MANAGER, Role.LEAD, Role.IG)


def add_action(db: Session, actor: Actor, review_id: uuid.UUID, *, title: str, agency_code: str,
               owner_role: str, due: date | None, envelope: Envelope, policy: Policy,
               now: datetime) -> ReviewActionView:
    """An action of the review's plan for an agency involved and a role there (422 keyed by field,
    nothing written). Audited."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    today = policy.local_date(now)
    errors = action_problems(title=title, due=due, today=today)
    agency = db.scalar(select(Agency).where(Agency.code == agency_code.strip()))
    if agency is None or db.get(ReviewAgency, (row.id, agency.id)) is None:
        errors["agency"] = "Choose an agency involved in the review"
    if owner_role not in {r.value for r in OWNER_ROLES}:
        errors["owner_role"] = "Choose the role that owns the action: practitioner, manager, lead or ig"
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None
    assert due is not None
    action = ReviewAction(id=uuid.uuid4(), review_id=row.id, agency_id=agency.id, owner_role=owner_role,
                          due=due, status=ActionStatus.OPEN, created_by_id=actor.user.id, created_at=now,
                          updated_at=now, escalation=0)
    action.title_ciphertext = envelope.encrypt_json(db, {"title": title.strip()},
                                                    binding("review_actions", "title", action.id),
                                                    case_uuid=None, now=now)
    db.add(action)
    db.flush()
    _change(db, envelope, action, ActionStatus.OPEN, actor.user.id, note="", evidence="", now=now)
    record(db, actor, "review.action_create", now=now, object_type="review_action", object_id=action.id,
           details={"review": str(row.id), "agency": agency.code, "owner_role": owner_role,
                    "due": action.due.isoformat()})
    return _one(db, envelope, row, action.id, today)


def change_action(db: Session, actor: Actor, review_id: uuid.UUID, action_id: uuid.UUID, *, status: str,
                  note: str, evidence: str, envelope: Envelope, policy: Policy,
                  now: datetime) -> ReviewActionView:
    """A new status for an action of the plan, by a lead or manager of an agency involved, with
    the evidence or reason the status needs (422 keyed by field). Audited."""
    row = visible_review(db, actor, review_id, conduct=True)
    assert actor.user is not None
    action = db.get(ReviewAction, action_id)
    if action is None or action.review_id != row.id:
        raise NotFound("No such action on this review")
    errors = status_change_problems(current=action.status, new=status, note=note, evidence=evidence)
    if errors:
        raise ValidationFailed(errors)
    previous, action.status, action.updated_at = action.status, status, now
    if status == ActionStatus.OPEN:
        action.escalation = 0  # reopened: the reminders start again when it falls due
    _change(db, envelope, action, status, actor.user.id, note=note.strip(), evidence=evidence.strip(),
            now=now)
    record(db, actor, "review.action_update", now=now, object_type="review_action", object_id=action.id,
           details={"review": str(row.id), "from": previous, "to": status})
    return _one(db, envelope, row, action.id, policy.local_date(now))


def _change(db: Session, envelope: Envelope, action: ReviewAction, status: str, user_id: uuid.UUID | None,
            *, note: str, evidence: str, now: datetime) -> None:
    change = ReviewActionChange(id=uuid.uuid4(), action_id=action.id, status=status, changed_by_id=user_id,
                                changed_at=now)
    change.texts_ciphertext = envelope.encrypt_json(db, {"note": note, "evidence": evidence},
                                                    binding("review_action_changes", "texts", change.id),
                                                    case_uuid=None, now=now)
    db.add(change)
    db.flush()


def _one(db: Session, envelope: Envelope, row: Review, action_id: uuid.UUID, today: date) -> ReviewActionView:
    return next(a for a in review_actions(db, envelope, row, today=today) if a.id == action_id)


def remind_overdue(db: Session, *, policy: Policy, now: datetime) -> int:
    """The `reviews` job's second half: each open action overdue is told once to the owning
    agency's holders of its role, and once it is overdue by the policy's grace in working days,
    to the agency's leads. Set-based: the open actions by due date through their partial index,
    and one update per step. Run twice, it changes nothing the second time."""
    today = policy.local_date(now)
    grace_from = earliest_not_yet_overdue(today, policy.review_action_grace_working_days)
    steps = ((1, ReviewAction.due < today, ReviewAction.escalation < 1),
             (2, ReviewAction.due < grace_from, ReviewAction.escalation < 2))
    messages: list[Message] = []
    entries: list[Entry] = []
    for level, overdue, not_yet in steps:
        # Read first, write only what is due: a run with nothing due takes no write lock.
        ids = db.scalars(select(ReviewAction.id).where(ReviewAction.status == ActionStatus.OPEN, overdue,
                                                       not_yet)).all()
        if not ids:
            continue
        moved = db.execute(update(ReviewAction)
                           .where(ReviewAction.id.in_(ids), ReviewAction.escalation < level)
                           .values(escalation=level)
                           .returning(ReviewAction.id, ReviewAction.review_id, ReviewAction.agency_id,
                                      ReviewAction.owner_role, ReviewAction.due)).all()
        if not moved:
            continue
        holders: dict[int, list[tuple[str, list[str]]]] = {}
        for email, agency_id, roles in db.execute(
                select(User.email, User.agency_id, User.roles)
                .where(User.agency_id.in_({m.agency_id for m in moved}), User.active.is_(True))
                .order_by(User.email)):
            holders.setdefault(agency_id, []).append((email, roles))
        for action_id, review_id, agency_id, owner_role, due in moved:
            role = owner_role if level == 1 else Role.LEAD
            subject = ("An action from a review is overdue" if level == 1
                       else "An action from a review is still overdue")
            body = (f"An action your agency owns in a review's action plan was due by {due:%-d %B %Y} "
                    f"and is not recorded as done{'' if level == 1 else ', past the time allowed'}."
                    "\n\nSign in to the safeguarding hub to see it:")
            messages += [Message("review.action_overdue", email, subject, body, None, f"/reviews/{review_id}")
                         for email, roles in holders.get(agency_id, []) if role in roles]
            entries.append(Entry("review_action", action_id, None, {"level": level}))
    if messages:
        enqueue_all(db, messages, now=now)
    if entries:
        record_all(db, Actor.system(), "review.action_overdue", entries, now=now)
    return len(entries)
