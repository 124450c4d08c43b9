"""Meetings (DOMAIN.md §2-5): strategy meetings, MARAC and MAPPA, with the cases they consider and
the people invited.

What the clocks and the calendars need is plain: the kind, the times (UTC), the decision the
timescale runs from and the target date it gives, the invitation's UID and SEQUENCE. The title and
the reason a meeting is later than its target are typed by people and may name someone, so they
are one envelope-encrypted JSON object; calendars and e-mails carry neither (invariant 6).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class Meeting(Base):
    """One meeting (or the first of a series, with its RRULE), convened by one agency."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_starts_at", "starts_at"),
                      # "My meetings": those a person convened, by time.
                      Index("ix_meetings_organiser", "organiser_id", "starts_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # The invitation's UID (RFC 5545): stable for the meeting's life, whatever changes.
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    organiser_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    organiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The decision the statutory clock runs from, and the target date it gives (a local date).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # SEQUENCE (RFC 5545): raised on every change of time or place, and on cancelling.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    texts_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingCase(Base):
    """A case the meeting considers (a strategy meeting one, a MARAC sixteen)."""

    __tablename__ = "meeting_cases"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),
                      Index("ix_meeting_cases_case", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)


class MeetingInvitee(Base):
    """A professional invited, of an agency on one of the meeting's cases, with their answer."""

    __tablename__ = "meeting_invitees"
    __table_args__ = (UniqueConstraint("meeting_id", "email"),
                      Index("ix_meeting_invitees_email", "email"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # PARTSTAT (RFC 5545): NEEDS-ACTION until they answer.
    partstat: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
