"""Cross-agency actions on a case (DOMAIN.md §8): set by any member agency for a member agency,
seen by every member; only the assigned agency or the case's lead agency changes the status, and
every change is kept with its note and evidence. What an action says is encrypted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hub.access import Permission, check, current_membership, note_refused_case, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Forbidden, NotFound, ValidationFailed
from sharing.models import Action, ActionChange
from sharing.rules import ActionStatus, action_problems, status_change_problems


@dataclass(frozen=True)
class ChangeView:
    status: str
    by: str | None
    agency_code: str | None
    at: datetime
    note: str
    evidence: str


@dataclass(frozen=True)
class ActionView:
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    title: str
    agency_code: str
    agency_name: str
    assignee: str | None
    status: str
    due: date
    created_at: datetime
    updated_at: datetime
    history: tuple[ChangeView, ...] = ()

    def overdue(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due < today


def _title_binding(action_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding("actions", "title", str(action_id), str(case_id), 1)


def _change_binding(change_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding("action_changes", "texts", str(change_id), str(case_id), 1)


def create_action(db: Session, actor: Actor, case_id: uuid.UUID, *, title: str, agency_code: str,
                  due: date | None, assignee_id: uuid.UUID | None = None, envelope: Envelope,
                  now: datetime, today: date) -> ActionView:
    """An action for a current member agency of the case (and optionally a named, active person
    of it); 422 keyed by field, nothing written, otherwise. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.ACTION_CREATE)
    errors = action_problems(title=title, due=due, today=today)
    agency = db.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None or current_membership(db, case.id, agency.id) is None:
        errors["agency"] = "Choose an agency that is a member of this case"
    assignee = db.get(User, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and (assignee is None or not assignee.active or agency is None
                                    or assignee.agency_id != agency.id):
        errors["assignee"] = "Choose a person of the agency the action is for"
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None
    assert due is not None
    action = Action(id=uuid.uuid4(), case_id=case.id, agency_id=agency.id, assignee_id=assignee_id,
                    status=ActionStatus.OPEN, due=due, created_by_id=actor.user.id, created_at=now,
                    updated_at=now)
    action.title_ciphertext = envelope.encrypt_json(db, {"title": title.strip()},
                                                    _title_binding(action.id, case.id),
                                                    case_uuid=case.id, now=now)
    db.add(action)
    _add_change(db, envelope, action, actor.user, ActionStatus.OPEN, note="", evidence="", now=now)
    db.flush()
    record(db, actor, "action.create", now=now, object_type="action", object_id=action.id,
           case_id=case.id, details={"agency": agency.code, "due": due.isoformat()})
    return _view(db, envelope, action, case.ref, with_history=True)


def _add_change(db: Session, envelope: Envelope, action: Action, user: User | None, status: str, *,
                note: str, evidence: str, now: datetime) -> None:
    change = ActionChange(id=uuid.uuid4(), action_id=action.id, status=status,
                          changed_by_id=user.id if user else None,
                          changed_by_agency_id=user.agency_id if user else None, changed_at=now)
    change.texts_ciphertext = envelope.encrypt_json(
        db, {"note": note.strip(), "evidence": evidence.strip()},
        _change_binding(change.id, action.case_id), case_uuid=action.case_id, now=now)
    db.add(change)


def _action_of_a_visible_case(db: Session, user: User, action_id: uuid.UUID,
                              permission: Permission) -> tuple[Action, Case]:
    action = db.get(Action, action_id)
    if action is None:
        check(user, permission)
        raise NotFound("No such action")
    case = visible_case(db, user, action.case_id, permission)
    return action, case


def change_status(db: Session, actor: Actor, action_id: uuid.UUID, *, status: str, note: str = "",
                  evidence: str = "", envelope: Envelope, now: datetime) -> ActionView:
    """Move an action to ``status`` with its note and evidence, kept in its history. Only the
    assigned agency or the case's lead agency may (403 for other members; 404 for non-members)."""
    assert actor.user is not None
    action, case = _action_of_a_visible_case(db, actor.user, action_id, Permission.ACTION_UPDATE)
    if actor.user.agency_id not in (action.agency_id, case.lead_agency_id):
        note_refused_case(db, case.id)  # audited as access.denied, naming the case
        raise Forbidden("Only the agency the action is for, or the case's lead agency, changes "
                        "its status")
    return apply_status(db, actor, action, case, status=status, note=note, evidence=evidence,
                        envelope=envelope, now=now)


def apply_status(db: Session, actor: Actor, action: Action, case: Case, *, status: str, note: str,
                 evidence: str, envelope: Envelope, now: datetime,
                 details: dict[str, str] | None = None) -> ActionView:
    """Move ``action`` to ``status`` once the caller has decided who may (change_status: the
    assigned or lead agency; a meeting's chair for an action carried over to it): the rules of a
    change (422 keyed by field, nothing written), the history and the audit, with ``details``."""
    errors = status_change_problems(current=action.status, new=status, note=note, evidence=evidence)
    if errors:
        raise ValidationFailed(errors)
    previous = action.status
    action.status = status
    action.updated_at = now
    _add_change(db, envelope, action, actor.user, status, note=note, evidence=evidence, now=now)
    db.flush()
    record(db, actor, "action.status", now=now, object_type="action", object_id=action.id,
           case_id=case.id, details={"from": previous, "to": status, **(details or {})})
    return _view(db, envelope, action, case.ref, with_history=True)


def get_action(db: Session, actor: Actor, action_id: uuid.UUID, *, envelope: Envelope,
               now: datetime) -> ActionView:
    """One action with its history (the read is audited); 404 for a non-member."""
    assert actor.user is not None
    action, case = _action_of_a_visible_case(db, actor.user, action_id, Permission.ACTION_READ)
    record(db, actor, "action.read", now=now, object_type="action", object_id=action.id,
           case_id=case.id)
    return _view(db, envelope, action, case.ref, with_history=True)


def case_actions(db: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope,
                 now: datetime, limit: int | None = None, offset: int = 0) -> list[ActionView]:
    """Every member agency's actions on the case, soonest due first (audited); a page of them
    when ``limit`` is given."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.ACTION_READ)
    actions = db.scalars(select(Action).where(Action.case_id == case.id)
                         .order_by(Action.due, Action.created_at).limit(limit).offset(offset)).all()
    record(db, actor, "action.list", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"count": len(actions)})
    return [_view(db, envelope, a, case.ref) for a in actions]


# From the agency's actions (its index: agency, status, due) to its current membership of each
# one's case, probed by index; a removed member no longer sees the case at all. Never from the
# memberships, which walked every case of an agency with 10,000 of them.
_AGENCY_ACTIONS = (
    select(Action, Case.ref)
    .join(Case, Case.id == Action.case_id)
    .where(Action.agency_id == bindparam("agency_id"),
           select(CaseMembership.id).where(CaseMembership.case_id == Action.case_id,
                                           CaseMembership.agency_id == bindparam("agency_id"),
                                           CaseMembership.removed_at.is_(None)).exists())
)


# Built once, by (one status only?, newest due first?): the dashboard asks on every page view.
_AGENCY_ACTIONS_IN_ORDER = {
    (by_status, newest_first): (
        (_AGENCY_ACTIONS.where(Action.status == bindparam("status")) if by_status else _AGENCY_ACTIONS)
        .order_by(*((Action.due.desc(), Action.created_at.desc()) if newest_first
                    else (Action.due, Action.created_at)))
        .limit(bindparam("limit")).offset(bindparam("offset")))
    for by_status in (False, True) for newest_first in (False, True)
}


def agency_actions(db: Session, actor: Actor, *, status: str | None, envelope: Envelope,
                   now: datetime, limit: int = 50, offset: int = 0,
                   newest_due_first: bool = False, audit_empty: bool = True) -> list[ActionView]:
    """The caller's agency's actions, by due date (soonest first unless asked otherwise),
    optionally of one status (audited, without a case: it spans the agency's cases). The
    dashboard passes ``audit_empty=False``: a panel that showed nothing read nothing, and every
    signed-in page view would otherwise write an audit row."""
    assert actor.user is not None
    check(actor.user, Permission.ACTION_LIST)
    rows = db.execute(_AGENCY_ACTIONS_IN_ORDER[status is not None, newest_due_first], {
        "agency_id": actor.user.agency_id, "status": status, "limit": limit, "offset": offset}).all()
    if rows or audit_empty:
        record(db, actor, "action.list", now=now, object_type="agency", object_id=actor.user.agency_id,
               details={"count": len(rows), "status": status})
    return [_view(db, envelope, action, ref) for action, ref in rows]


@dataclass(frozen=True)
class ActionCounts:
    total: int
    open: int
    overdue: int


_COUNTS = (
    select(func.count(),
           func.count().filter(Action.status == ActionStatus.OPEN),
           func.count().filter((Action.status == ActionStatus.OPEN) & (Action.due < bindparam("today"))))
    .where(Action.case_id == bindparam("case_id"))
)


def action_counts(db: Session, case_id: uuid.UUID, *, today: date) -> ActionCounts:
    """How many actions the case has, open and overdue: figures, no content, for the case page,
    whose caller has already been let see the case (so no audit of its own)."""
    total, open_, overdue = db.execute(_COUNTS, {"case_id": case_id, "today": today}).one()
    return ActionCounts(total, open_, overdue)


def title_of(db: Session, envelope: Envelope, action: Action) -> str:
    """What the action is, decrypted: for callers that have checked the reader is a member of the
    action's case."""
    binding = _title_binding(action.id, action.case_id)
    return envelope.decrypt_json(db, action.title_ciphertext, binding)["title"]


def _view(db: Session, envelope: Envelope, action: Action, case_ref: str, *,
          with_history: bool = False) -> ActionView:
    title = title_of(db, envelope, action)
    agency = db.get(Agency, action.agency_id)
    assert agency is not None
    assignee = db.get(User, action.assignee_id) if action.assignee_id else None
    history: tuple[ChangeView, ...] = ()
    if with_history:
        history = tuple(_change_view(db, envelope, action, change) for change in db.scalars(
            select(ActionChange).where(ActionChange.action_id == action.id)
            .order_by(ActionChange.changed_at, ActionChange.id)))
    return ActionView(action.id, action.case_id, case_ref, title, agency.code, agency.name,
                      assignee.name if assignee else None, action.status, action.due,
                      action.created_at, action.updated_at, history)


def _change_view(db: Session, envelope: Envelope, action: Action, change: ActionChange) -> ChangeView:
    texts = envelope.decrypt_json(db, change.texts_ciphertext,
                                  _change_binding(change.id, action.case_id))
    who = db.get(User, change.changed_by_id) if change.changed_by_id else None
    agency = db.get(Agency, change.changed_by_agency_id) if change.changed_by_agency_id else None
    return ChangeView(change.status, who.name if who else None, agency.code if agency else None,
                      change.changed_at, texts.get("note", ""), texts.get("evidence", ""))
