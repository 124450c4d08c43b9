"""What the supervision pages need besides the supervision services the API shares: the people
a case may be allocated to and a supervisor may record a session with, and the confirmation of
a session just recorded (a session's answers are checked before its check-your-answers page by
supervision.check_session, the checks that recording it makes).

None of these shows anything written about a person (staff's names, case references, due
dates), so none is audited; recording a session and listing what is due audit as they do for
the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from concerns.models import SupervisionAction, SupervisionDiscussion, SupervisionSession
from concerns.services.supervision import supervisor_of
from hub.access import Permission
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.cases.models import Case
from hub.errors import NotFound
from sharing.models import Action

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


def supervisee_candidates(db: Session, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The people a supervisor may record a session with: the agency's active people who may hold
    a caseload, other than the supervisor (DOMAIN.md §11), by name. 403 for anyone but a manager
    or lead."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_RECORD)
    return [(person.id, person.name) for person in _case_workers(db, supervisor.agency_id)
            if person.id != supervisor.id]


def recorded_session(db: Session, actor: Actor, session_id: uuid.UUID) -> RecordedSession:
    """A session the caller recorded, for the confirmation that follows: the cases discussed and
    the actions it set the supervisee (each linked to the discussion it came from).
    404 for anyone but the supervisor who recorded it."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_READ)
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
        select(Action.id, Case.ref, Action.due)
        .join(SupervisionAction, SupervisionAction.action_id == Action.id)
        .join(SupervisionDiscussion, SupervisionDiscussion.id == SupervisionAction.discussion_id)
        .join(Case, Case.id == Action.case_id)
        .where(SupervisionDiscussion.session_id == row.id)
        .order_by(Case.ref, Action.due)).all())
    return RecordedSession(row.id, supervisee, row.held_on, cases, actions)
