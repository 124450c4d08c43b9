"""What the supervision pages need besides the supervision services the API shares: the people
a case may be allocated to and a supervisor may record a session with, the checks a session's
answers face before its check-your-answers page (those of recording it, with nothing written),
and the confirmation of a session just recorded.

None of these shows anything written about a person (staff's names, case references, due
dates), so none is audited; recording a session and listing what is due audit as they do for
the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concerns.models import SupervisionDiscussion, SupervisionSession
from concerns.services.supervision import MAX_AGE, MAX_DISCUSSED, MAX_NOTE, SessionIn
from hub.access import Permission, check, current_membership
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.cases.models import Case
from hub.config import Policy
from hub.errors import Forbidden, NotFound, ValidationFailed
from sharing.models import Action
from sharing.rules import MAX_TITLE

# Who may hold a caseload: supervision.allocate accepts no one else.
CASE_WORKING = (Role.PRACTITIONER, Role.MANAGER, Role.LEAD)


@dataclass(frozen=True)
class RecordedAction:
    id: uuid.UUID
    case_ref: str
    due: date


@dataclass(frozen=True)
class RecordedSession:
    """A session the caller recorded, as its confirmation shows it: no note, no action's words."""

    id: uuid.UUID
    supervisee: str
    held_on: date
    cases: tuple[tuple[uuid.UUID, str], ...]
    actions: tuple[RecordedAction, ...]


def _case_workers(db: Session, agency_id: int) -> list[User]:
    people = db.scalars(select(User).where(User.agency_id == agency_id, User.active.is_(True))
                        .order_by(User.name)).all()
    return [person for person in people if person.has_role(*CASE_WORKING)]


def allocation_candidates(db: Session, agency_id: int) -> list[tuple[uuid.UUID, str]]:
    """The people the agency may allocate a case to: its active practitioners, managers and
    leads, by name."""
    return [(person.id, person.name) for person in _case_workers(db, agency_id)]


def _supervisor(actor: Actor, permission: Permission) -> User:
    """As supervision's own check: the agency's managers and leads, 403 for anyone else."""
    assert actor.user is not None
    check(actor.user, permission)
    if not actor.user.has_role(Role.MANAGER, Role.LEAD):
        raise Forbidden("Supervision is recorded and reviewed by the agency's managers and leads")
    return actor.user


def supervisee_candidates(db: Session, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The people a supervisor may record a session with: the agency's active people who may hold
    a caseload, other than the supervisor (DOMAIN.md §11), by name. 403 for anyone but a manager
    or lead."""
    supervisor = _supervisor(actor, Permission.SUPERVISION_RECORD)
    return [(person.id, person.name) for person in _case_workers(db, supervisor.agency_id)
            if person.id != supervisor.id]


def check_session(db: Session, actor: Actor, session_in: SessionIn, *, policy: Policy,
                  now: datetime) -> list[str]:
    """The problems recording ``session_in`` would meet (supervision.record_session's, and the
    action tracker's limit on what an action says), keyed as it keys them, found before the
    check-your-answers page and writing nothing; otherwise the references of the cases it
    discusses, in order."""
    supervisor = _supervisor(actor, Permission.SUPERVISION_RECORD)
    today = policy.local_date(now)
    problems: dict[str, str] = {}
    supervisee = db.get(User, session_in.supervisee_id) if session_in.supervisee_id else None
    if supervisee is None or not supervisee.active or supervisee.agency_id != supervisor.agency_id:
        problems["supervisee_id"] = "Choose an active person of your agency"
    elif supervisee.id == supervisor.id:
        problems["supervisee_id"] = "A supervisor does not supervise themselves"
    if session_in.held_on is None:
        problems["held_on"] = "Enter the date of the session"
    elif session_in.held_on > today:
        problems["held_on"] = "The session must have taken place: a date today or earlier"
    elif session_in.held_on < today - MAX_AGE:
        problems["held_on"] = "Record a session within a year of it"
    if not session_in.discussions:
        problems["discussions"] = "Choose at least one case discussed"
    elif len(session_in.discussions) > MAX_DISCUSSED:
        problems["discussions"] = f"Record {MAX_DISCUSSED} cases at most in one session"
    refs: list[str] = []
    seen: set[uuid.UUID] = set()
    for n, discussion in enumerate(session_in.discussions):
        case = db.get(Case, discussion.case_id) if discussion.case_id is not None else None
        if case is None or current_membership(db, case.id, supervisor.agency_id) is None:
            problems[f"discussions.{n}.case_id"] = "Choose a case your agency works on"
        elif case.id in seen:
            problems[f"discussions.{n}.case_id"] = "Each case once"
        else:
            seen.add(case.id)
            refs.append(case.ref)
        if len(discussion.note) > MAX_NOTE or any(ord(c) < 32 and c not in "\n\r\t" for c in discussion.note):
            problems[f"discussions.{n}.note"] = f"Keep the note to {MAX_NOTE:,} characters of text"
        for m, action in enumerate(discussion.actions):
            if not action.title.strip():
                problems[f"discussions.{n}.actions.{m}.title"] = "Say what is to be done"
            elif len(action.title) > MAX_TITLE:
                problems[f"discussions.{n}.actions.{m}.title"] = \
                    f"The action must be {MAX_TITLE} characters or fewer"
            if action.due is None or action.due < today:
                problems[f"discussions.{n}.actions.{m}.due"] = "Give a due date, today or later"
    if problems:
        raise ValidationFailed(problems)
    return refs


def recorded_session(db: Session, actor: Actor, session_id: uuid.UUID) -> RecordedSession:
    """A session the caller recorded, for the confirmation that follows: the cases discussed and
    the actions it set the supervisee (those the supervisor created for them as it was recorded).
    404 for anyone but the supervisor who recorded it."""
    supervisor = _supervisor(actor, Permission.SUPERVISION_READ)
    found = db.execute(select(SupervisionSession, User.name)
                       .join(User, User.id == SupervisionSession.supervisee_id)
                       .where(SupervisionSession.id == session_id,
                              SupervisionSession.agency_id == supervisor.agency_id,
                              SupervisionSession.supervisor_id == supervisor.id)).first()
    if found is None:
        raise NotFound("No such supervision session, or not one you recorded")
    row, supervisee = found
    cases = tuple((case_id, ref) for case_id, ref in db.execute(
        select(Case.id, Case.ref).join(SupervisionDiscussion, SupervisionDiscussion.case_id == Case.id)
        .where(SupervisionDiscussion.session_id == row.id).order_by(Case.ref)).all())
    actions = tuple(RecordedAction(action_id, ref, due) for action_id, ref, due in db.execute(
        select(Action.id, Case.ref, Action.due).join(Case, Case.id == Action.case_id)
        .where(Action.case_id.in_([case_id for case_id, _ in cases]),
               Action.created_by_id == supervisor.id, Action.assignee_id == row.supervisee_id,
               Action.created_at == row.recorded_at)
        .order_by(Case.ref, Action.due)).all())
    return RecordedSession(row.id, supervisee, row.held_on, cases, actions)
