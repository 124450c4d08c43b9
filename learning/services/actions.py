"""A review's action plan (DOMAIN.md §9: tracked like any other action: what, owner (role),
timescale, status). An action is set by a lead or manager of an agency involved, for an agency
involved and a role there, with its due day; its status moves in the vocabulary and by the rules
of every action (sharing.rules: done needs its evidence, not done its reason). The `reviews` job
tells the owning agency's holders of the role once an action is overdue, and its leads once it
is overdue by the policy's grace, each once. The owners see their agency's actions from reviews
and work them (the review itself stays with its reviewers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from hub.access import Permission, check, note_refused_case
from hub.actor import Actor
from hub.agencies.models import Agency, Role, User
from hub.audit.services import Entry, record, record_all
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import earliest_not_yet_overdue
from learning.models import Review, ReviewAction, ReviewActionChange, ReviewAgency, ReviewCase
from learning.services.records import ReviewActionView, action_view, binding, review_actions
from learning.services.views import may_conduct, visible_review
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


def may_work(user: User, action: ReviewAction) -> bool:
    """The owning agency's holders of the owning role, and its leads (told once it is overdue
    past the grace): those who do the action and answer for it."""
    return user.agency_id == action.agency_id and user.has_role(action.owner_role, Role.LEAD)


def _workable(db: Session, actor: Actor, action_id: uuid.UUID) -> tuple[ReviewAction, Review]:
    """The action and its review, for its owners or a lead or manager of an agency involved in
    the review; to anyone else it does not exist (404)."""
    assert actor.user is not None
    check(actor.user, Permission.REVIEW_ACTION_UPDATE)
    action = db.get(ReviewAction, action_id)
    row = db.get(Review, action.review_id) if action is not None else None
    if action is None or row is None:
        raise NotFound("No such action, or not one of yours")
    if not may_work(actor.user, action) and not may_conduct(db, actor.user, row):
        for case_id in db.scalars(select(ReviewCase.case_id).where(ReviewCase.review_id == row.id)):
            note_refused_case(db, case_id)  # probing leaves a trace naming the cases, as for the review
        raise NotFound("No such action, or not one of yours")
    return action, row


def change_action(db: Session, actor: Actor, review_id: uuid.UUID, action_id: uuid.UUID, *, status: str,
                  note: str, evidence: str, envelope: Envelope, policy: Policy,
                  now: datetime) -> ReviewActionView:
    """A new status for an action of the plan, by its owners or a lead or manager of an agency
    involved, with the evidence or reason the status needs (422 keyed by field). Audited."""
    action, row = _workable(db, actor, action_id)
    if row.id != review_id:
        raise NotFound("No such action on this review")
    return _change_status(db, actor, action, row, status=status, note=note, evidence=evidence,
                          envelope=envelope, policy=policy, now=now)


def change_owned_action(db: Session, actor: Actor, action_id: uuid.UUID, *, status: str, note: str,
                        evidence: str, envelope: Envelope, policy: Policy, now: datetime) -> OwnedAction:
    """The same change reached from the action's own page, without its review's id (404 for
    anyone but its owners and the review's reviewers; 422 keyed by field). Audited."""
    action, row = _workable(db, actor, action_id)
    changed = _change_status(db, actor, action, row, status=status, note=note, evidence=evidence,
                             envelope=envelope, policy=policy, now=now)
    return OwnedAction(changed, row.kind)


def _change_status(db: Session, actor: Actor, action: ReviewAction, row: Review, *, status: str, note: str,
                   evidence: str, envelope: Envelope, policy: Policy, now: datetime) -> ReviewActionView:
    assert actor.user is not None
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


@dataclass(frozen=True)
class OwnedAction:
    """An action of a review's plan as its owners see it: the action, and the kind of review it
    came from (what the review says is for its reviewers)."""

    action: ReviewActionView
    review_kind: str


def _owning_roles(user: User) -> list[str] | None:
    """The roles whose actions of the agency the person works: all of them for a lead (None)."""
    return None if user.has_role(Role.LEAD) else list(user.roles)


def _owned(user: User) -> ColumnElement[bool]:
    mine = ReviewAction.agency_id == user.agency_id
    roles = _owning_roles(user)
    return mine if roles is None else mine & ReviewAction.owner_role.in_(roles)


def owned_actions(db: Session, actor: Actor, *, open_only: bool, envelope: Envelope, policy: Policy,
                  now: datetime, limit: int = 50, offset: int = 0) -> list[OwnedAction]:
    """The actions from reviews the caller's agency owns in a role of theirs (every one, for a
    lead), soonest due first, the open ones only if asked (audited)."""
    assert actor.user is not None
    check(actor.user, Permission.REVIEW_ACTION_UPDATE)
    query = (select(ReviewAction, Agency.code, Agency.name, Review.kind)
             .join(Agency, Agency.id == ReviewAction.agency_id)
             .join(Review, Review.id == ReviewAction.review_id)
             .where(_owned(actor.user)))
    if open_only:
        query = query.where(ReviewAction.status == ActionStatus.OPEN)
    rows = db.execute(query.order_by(ReviewAction.due, ReviewAction.created_at)
                      .limit(limit).offset(offset)).all()
    record(db, actor, "review.action_list", now=now, object_type="agency", object_id=actor.user.agency_id,
           details={"count": len(rows), "open_only": open_only})
    today = policy.local_date(now)
    return [OwnedAction(action_view(db, envelope, action, code, name, [], today=today), kind)
            for action, code, name, kind in rows]


def owned_action(db: Session, actor: Actor, action_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
                 now: datetime) -> OwnedAction:
    """One action with its history, for its owners or the review's reviewers (404 for anyone
    else); the read is audited."""
    action, row = _workable(db, actor, action_id)
    record(db, actor, "review.action_read", now=now, object_type="review_action", object_id=action.id,
           details={"review": str(row.id)})
    return OwnedAction(_one(db, envelope, row, action.id, policy.local_date(now)), row.kind)


# The dashboard's figures, built once (the dashboard is the page everyone opens first): the open
# actions of the agency (bound as ``agency_id``), and of those overdue (before ``today``); a lead
# owns all of them, anyone else those in their roles (``roles``).
_actions = cast(Table, ReviewAction.__table__)
_OPEN_ACTIONS = (select(func.count(), func.count().filter(_actions.c.due < bindparam("today")))
                 .where(_actions.c.agency_id == bindparam("agency_id"),
                        _actions.c.status == str(ActionStatus.OPEN)))
_OPEN_ACTIONS_IN_ROLES = _OPEN_ACTIONS.where(_actions.c.owner_role.in_(bindparam("roles", expanding=True)))


def owned_counts(db: Session, user: User, *, today: date) -> tuple[int, int]:
    """How many actions from reviews the person's agency owns in a role of theirs are open, and
    how many of those are overdue: figures for the dashboard, naming nobody."""
    params = {"agency_id": user.agency_id, "today": today}
    roles = _owning_roles(user)
    found = (db.execute(_OPEN_ACTIONS, params) if roles is None
             else db.execute(_OPEN_ACTIONS_IN_ROLES, {**params, "roles": roles})).one()
    return found[0], found[1]


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
        for action_id, _review_id, agency_id, owner_role, due in moved:
            role = owner_role if level == 1 else Role.LEAD
            subject = ("An action from a review is overdue" if level == 1
                       else "An action from a review is still overdue")
            body = (f"An action your agency owns in a review's action plan was due by {due:%-d %B %Y} "
                    f"and is not recorded as done{'' if level == 1 else ', past the time allowed'}."
                    "\n\nSign in to the safeguarding hub to see it:")
            # The link is the action's own page, which its owners and the agency's leads may open.
            messages += [Message("review.action_overdue", email, subject, body, None,
                                 f"/reviews/actions/{action_id}")
                         for email, roles in holders.get(agency_id, []) if role in roles]
            entries.append(Entry("review_action", action_id, None, {"level": level}))
    if messages:
        enqueue_all(db, messages, now=now)
    if entries:
        record_all(db, Actor.system(), "review.action_overdue", entries, now=now)
    return len(entries)
