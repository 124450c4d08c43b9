"""Actions carried over to a meeting (DOMAIN.md §4-5): the actions on the meeting's cases that
were set before it and were due by its day but are still open. At the meeting each is marked
`not_possible_circumstances_changed` or `not_done_by_agency` by the chair's agency (the latter
escalates: the escalation job opens a professional challenge for it), and the minutes are issued
only once every one is marked.

What an action is (its title) is shown only to the agencies that are members of its case; the
case reference, the agency, the due date and the status name nobody.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Agency
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from meetings.models import Meeting, MeetingCase
from meetings.services.meetings import organised, seen
from sharing.models import Action
from sharing.rules import ACTION_STATUS_LABELS, ActionStatus, status_change_problems
from sharing.services.actions import apply_status, title_of

# What the chair may mark an action carried over to the meeting.
MARKS = (ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE)


@dataclass(frozen=True)
class CarriedAction:
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    agency_code: str
    due: date
    status: str
    # None unless the reader's agency is a member of the action's case.
    title: str | None


# The open actions on the meeting's cases that were set before it started and were due by its
# day (the actions index on case_id and due, one probe per case listed).
_CARRIED = (
    select(Action, Case.ref, Agency.code)
    .join(MeetingCase, MeetingCase.case_id == Action.case_id)
    .join(Case, Case.id == Action.case_id)
    .join(Agency, Agency.id == Action.agency_id)
    .where(MeetingCase.meeting_id == bindparam("meeting_id"), Action.status == ActionStatus.OPEN,
           Action.due <= bindparam("day"), Action.created_at < bindparam("starts_at"))
    .order_by(MeetingCase.position, Action.due, Action.id)
)


def _clock(meeting: Meeting, policy: Policy) -> dict[str, object]:
    return {"meeting_id": meeting.id, "day": policy.local_date(meeting.starts_at),
            "starts_at": meeting.starts_at}


def _carried(db: Session, meeting: Meeting, policy: Policy) -> list[tuple[Action, str, str]]:
    return [(a, ref, code) for a, ref, code in db.execute(_CARRIED, _clock(meeting, policy))]


def _carried_one(db: Session, meeting: Meeting, policy: Policy,
                 action_id: uuid.UUID) -> tuple[Action, str, str]:
    """One action carried over to the meeting (by its primary key), or 404."""
    found = db.execute(_CARRIED.where(Action.id == bindparam("action_id")),
                       {**_clock(meeting, policy), "action_id": action_id}).first()
    if found is None:
        raise NotFound("No such action carried over to this meeting, or it has been marked already")
    return found[0], found[1], found[2]


def _member_cases(db: Session, agency_id: int, case_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(db.scalars(select(CaseMembership.case_id).where(
        CaseMembership.case_id.in_(case_ids), CaseMembership.agency_id == agency_id,
        CaseMembership.removed_at.is_(None))))


def carried_over(db: Session, actor: Actor, meeting_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
                 now: datetime) -> list[CarriedAction]:
    """The actions still to be marked at a meeting the caller may see (404 otherwise), in the
    agenda's order of cases, soonest due first. Audited when a title is shown."""
    row = seen(db, actor, meeting_id)
    assert actor.user is not None
    found = _carried(db, row, policy)
    mine = _member_cases(db, actor.user.agency_id, [a.case_id for a, _ref, _code in found])
    lines = [CarriedAction(a.id, a.case_id, ref, code, a.due, a.status,
                           title_of(db, envelope, a) if a.case_id in mine else None)
             for a, ref, code in found]
    if any(line.title is not None for line in lines):
        record(db, actor, "meeting.carried_over", now=now, object_type="meeting", object_id=row.id,
               details={"actions": len(lines)})
    return lines


def carried_action(db: Session, actor: Actor, meeting_id: uuid.UUID, action_id: uuid.UUID, *,
                   envelope: Envelope, policy: Policy, now: datetime) -> CarriedAction:
    """One action carried over to a meeting the chair's agency keeps (403 for another agency, 404
    for one it may not see or an action not carried over), for the page that marks it; its title
    for a member of its case (then audited)."""
    row = organised(db, actor, meeting_id)
    assert actor.user is not None
    action, ref, code = _carried_one(db, row, policy, action_id)
    member = action.case_id in _member_cases(db, actor.user.agency_id, [action.case_id])
    if member:
        record(db, actor, "meeting.carried_over", now=now, object_type="action", object_id=action.id,
               case_id=action.case_id, details={"meeting": str(row.id)})
    return CarriedAction(action.id, action.case_id, ref, code, action.due, action.status,
                         title_of(db, envelope, action) if member else None)


def unmarked_count(db: Session, meeting: Meeting, policy: Policy) -> int:
    """How many actions carried over to the meeting are still open (issuing its minutes waits)."""
    return db.scalar(select(func.count()).select_from(
        _CARRIED.with_only_columns(Action.id).order_by(None).subquery()), _clock(meeting, policy)) or 0


def mark_carried_over(db: Session, actor: Actor, meeting_id: uuid.UUID, action_id: uuid.UUID, *, status: str,
                      note: str, envelope: Envelope, policy: Policy, now: datetime) -> CarriedAction:
    """The chair's agency marks an action carried over to the meeting, once the meeting has started
    (409 before; 403 for another agency; 404 for an action not carried over to it): one of MARKS
    with the reason (422 keyed by field, nothing written). Kept in the action's history and
    audited, naming the meeting."""
    row = organised(db, actor, meeting_id)
    assert actor.user is not None
    if row.starts_at > now:
        raise Conflict("Actions carried over are marked at the meeting, once it has started")
    action, ref, code = _carried_one(db, row, policy, action_id)
    # Every problem at once: the reason faces the rules of any change to a status not done.
    problems = {name: message for name, message in status_change_problems(
        current=action.status, new=status if status in MARKS else ActionStatus.NOT_DONE, note=note,
        evidence="").items() if name != "status"}
    if status not in MARKS:
        words = " or ".join(f"“{ACTION_STATUS_LABELS[m].lower()}”" for m in MARKS)
        problems["status"] = f"Mark the action {words}"
    if problems:
        raise ValidationFailed(problems)
    case = db.get(Case, action.case_id)
    assert case is not None
    apply_status(db, actor, action, case, status=status, note=note, evidence="", envelope=envelope, now=now,
                 details={"meeting": str(row.id)})
    return CarriedAction(action.id, case.id, ref, code, action.due, action.status, None)
