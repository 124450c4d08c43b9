"""Answering an invitation from the signed link in its e-mail (RFC 5546's PARTSTAT): accepted,
declined or tentative. The link carries the invitation's id signed with the hub's secret key, so
the person answers without signing in and nobody else can; it names nobody (invariant 6). The
answer shows on the meeting's page and in the ATTENDEE of every later invitation. Audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.cases.models import Case
from hub.errors import Conflict, NotFound, ValidationFailed
from meetings.models import Meeting, MeetingCase, MeetingInvitee
from meetings.rules import CANCELLED

ANSWERS = {"ACCEPTED": "I will attend", "TENTATIVE": "I might attend", "DECLINED": "I cannot attend"}
RSVP_ISSUER = "hub:rsvp-link"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="meetings.rsvp")


def rsvp_token(secret: str, invitee_id: uuid.UUID) -> str:
    return str(_serializer(secret).dumps(invitee_id.hex))


@dataclass(frozen=True)
class Invitation:
    invitee_id: uuid.UUID
    meeting_id: uuid.UUID
    kind: str
    status: str
    start: datetime
    end: datetime
    location: str
    refs: tuple[str, ...]
    partstat: str


def _invitee(db: Session, secret: str, token: str) -> tuple[MeetingInvitee, Meeting]:
    try:
        invitee_id = uuid.UUID(hex=str(_serializer(secret).loads(token[:200])))
    except (BadSignature, ValueError, TypeError):
        raise NotFound("This link is not one the hub sent, or its invitation has gone") from None
    invitee = db.get(MeetingInvitee, invitee_id)
    meeting = db.get(Meeting, invitee.meeting_id) if invitee is not None else None
    if invitee is None or meeting is None:
        raise NotFound("This link is not one the hub sent, or its invitation has gone")
    return invitee, meeting


def invitation_for(db: Session, secret: str, token: str) -> Invitation:
    """The invitation a signed link answers (404 for any other link)."""
    invitee, meeting = _invitee(db, secret, token)
    refs = db.scalars(select(Case.ref).join(MeetingCase, MeetingCase.case_id == Case.id)
                      .where(MeetingCase.meeting_id == meeting.id).order_by(MeetingCase.position)).all()
    return Invitation(invitee.id, meeting.id, meeting.kind, meeting.status, meeting.starts_at,
                      meeting.ends_at, meeting.location, tuple(refs), invitee.partstat)


def answer(db: Session, secret: str, token: str, partstat: str, *, now: datetime,
           request_id: str | None = None) -> Invitation:
    """Record the answer (422 for an answer that is not one; 409 once the meeting is cancelled),
    audited in the name of the person invited when the hub knows them."""
    invitee, meeting = _invitee(db, secret, token)
    if partstat not in ANSWERS:
        raise ValidationFailed({"partstat": "Choose whether you will attend"})
    if meeting.status == CANCELLED:
        raise Conflict("This meeting has been cancelled")
    invitee.partstat = partstat
    db.flush()
    person = db.scalar(select(User).where(User.email == invitee.email, User.active.is_(True)))
    record(db, Actor(user=person, issuer=RSVP_ISSUER, request_id=request_id), "meeting.rsvp", now=now,
           object_type="meeting", object_id=meeting.id, details={"partstat": partstat})
    return invitation_for(db, secret, token)
