"""The meeting itself (DOMAIN.md §2 and §4): the attendance register, kept by the convening agency,
and each person's acknowledgement of the confidentiality statement, without which the meeting's
page does not show its cases.

Both go through the meeting's visibility (404 for anyone who may not see it) and are audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.errors import Conflict, ValidationFailed
from meetings.models import MeetingAcknowledgement, MeetingAttendance
from meetings.rules import CANCELLED, Attendance
from meetings.services.meetings import agencies_of, organised, seen


@dataclass(frozen=True)
class AttendanceView:
    agency: str
    status: str
    recorded_at: datetime


@dataclass(frozen=True)
class AcknowledgementView:
    name: str
    agency: str
    acknowledged_at: datetime


@dataclass(frozen=True)
class Register:
    """What the meeting's page and API show besides the meeting: each agency's attendance, who
    has acknowledged the confidentiality statement, and whether the caller has."""

    attendance: tuple[AttendanceView, ...]
    acknowledgements: tuple[AcknowledgementView, ...]
    acknowledged: bool
    acknowledged_at: datetime | None  # the caller's


_ATTENDANCE = (
    select(Agency.code, MeetingAttendance.status, MeetingAttendance.recorded_at)
    .join(Agency, Agency.id == MeetingAttendance.agency_id)
    .where(MeetingAttendance.meeting_id == bindparam("meeting_id")).order_by(Agency.code)
)
_ACKNOWLEDGEMENTS = (
    select(User.id, User.name, Agency.code, MeetingAcknowledgement.acknowledged_at)
    .join(User, User.id == MeetingAcknowledgement.user_id).join(Agency, Agency.id == User.agency_id)
    .where(MeetingAcknowledgement.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingAcknowledgement.acknowledged_at, User.name)
)


def register_of(db: Session, actor: Actor, meeting_id: uuid.UUID) -> Register:
    """The register of a meeting the caller has already been shown (the caller checks)."""
    assert actor.user is not None
    acknowledged = db.execute(_ACKNOWLEDGEMENTS, {"meeting_id": meeting_id}).all()
    mine = next((at for user_id, _name, _code, at in acknowledged if user_id == actor.user.id), None)
    return Register(
        attendance=tuple(AttendanceView(*row) for row in db.execute(_ATTENDANCE, {"meeting_id": meeting_id})),
        acknowledgements=tuple(AcknowledgementView(name, code, at) for _id, name, code, at in acknowledged),
        acknowledged=mine is not None, acknowledged_at=mine)


def record_attendance(db: Session, actor: Actor, meeting_id: uuid.UUID, *, agency: str, status: str,
                      now: datetime) -> Register:
    """Record what an agency on the meeting did (attended, sent apologies, did not respond, sent
    information): the convening agency keeps the register (403 for another, 409 once cancelled);
    a later entry for the same agency replaces the earlier, and both are in the audit trail."""
    row = organised(db, actor, meeting_id)
    assert actor.user is not None
    problems: dict[str, str] = {}
    if status not in Attendance.__members__.values():
        problems["status"] = "Choose attended, apology, no_response or information_sent"
    agencies = agencies_of(db, row)
    if agency not in agencies:
        problems["agency"] = ("Choose an agency on the meeting's cases or the one that convened it: "
                              + ", ".join(sorted(agencies)))
    if problems:
        raise ValidationFailed(problems)
    entry = db.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == row.id,
                                                      MeetingAttendance.agency_id == agencies[agency]))
    if entry is None:
        db.add(MeetingAttendance(meeting_id=row.id, agency_id=agencies[agency], status=status,
                                 recorded_by=actor.user.id, recorded_at=now))
    else:
        entry.status, entry.recorded_by, entry.recorded_at = status, actor.user.id, now
    db.flush()
    record(db, actor, "meeting.attendance", now=now, object_type="meeting", object_id=row.id,
           details={"agency": agency, "status": status})
    return register_of(db, actor, row.id)


def acknowledge(db: Session, actor: Actor, meeting_id: uuid.UUID, *, now: datetime) -> tuple[Register, bool]:
    """The caller acknowledges the meeting's confidentiality statement (DOMAIN.md §4), once: a
    second acknowledgement changes nothing. Anyone who may see the meeting; 409 once cancelled.
    Returns the register and whether this call recorded it."""
    row = seen(db, actor, meeting_id)
    assert actor.user is not None
    if row.status == CANCELLED:
        raise Conflict("This meeting has been cancelled")
    earlier = db.scalar(select(MeetingAcknowledgement.id).where(
        MeetingAcknowledgement.meeting_id == row.id, MeetingAcknowledgement.user_id == actor.user.id))
    if earlier is None:
        db.add(MeetingAcknowledgement(meeting_id=row.id, user_id=actor.user.id, acknowledged_at=now))
        db.flush()
        record(db, actor, "meeting.acknowledge", now=now, object_type="meeting", object_id=row.id)
    return register_of(db, actor, row.id), earlier is None
