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

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class Meeting(Base):
    """One meeting, convened by one agency. A series (MARAC, MAPPA) is its first meeting, with the
    RRULE, and a row for each later occurrence, made when the series is convened: each carries its
    own cases, capacity, register, acknowledgements, research and minutes, while the title and the
    people invited are the series'."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_starts_at", "starts_at"),
                      # "My meetings": those a person convened, by time.
                      Index("ix_meetings_organiser", "organiser_id", "starts_at"),
                      # One UID a meeting or series; a series' occurrences carry its UID too.
                      Index("ux_meetings_uid", "uid", unique=True,
                            sqlite_where=text("series_id IS NULL"),
                            postgresql_where=text("series_id IS NULL")),
                      # A series' occurrences, one per start its rule gives.
                      UniqueConstraint("series_id", "recurrence_id"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # The invitation's UID (RFC 5545): stable for the meeting's life, whatever changes.
    uid: Mapped[str] = mapped_column(String(200))
    # An occurrence after a series' first: the series (its first meeting's row), and the start the
    # series' rule gives it (RECURRENCE-ID, RFC 5545 §3.8.4.4) whether or not it was moved.
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    recurrence_id: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    organiser_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    organiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # How many cases a MARAC (each meeting of its series) takes; None for no limit.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The decision the statutory clock runs from, and the target date it gives (a local date).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # SEQUENCE (RFC 5545): raised on every change of time or place, and on cancelling.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # None on an occurrence after the first: the series' title is its own.
    texts_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
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


class MeetingAttendance(Base):
    """The register (DOMAIN.md §2): what each agency did about the meeting, kept by its chair."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # attended, apology, no_response or information_sent (meetings.rules.ATTENDANCE)
    status: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingAcknowledgement(Base):
    """A person's acknowledgement of the confidentiality statement (DOMAIN.md §4): before it, the
    meeting's page does not show its cases; the minutes record it."""

    __tablename__ = "meeting_acknowledgements"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarFeed(Base):
    """A person's private calendar feed: its URL carries the row's id and a MAC of it, so the URL
    can be shown again; revoking it ends that URL for good (the next one has a new id)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        # At most one live feed a person; revoked ones stay for the audit trail.
        Index("ux_calendar_feeds_live", "user_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MappaManagement(Base):
    """A MAPPA case's category and level (DOMAIN.md §5) and the date its next review is due."""

    __tablename__ = "mappa_management"
    __table_args__ = (Index("ix_mappa_management_next_review", "next_review"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    category: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    # None at level 1 (single-agency management, no meetings).
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MappaReviewAlert(Base):
    """"Review due", raised once per case and due date by the mappa-reviews job, with the date it
    proposes for the review meeting."""

    __tablename__ = "mappa_review_alerts"
    __table_args__ = (UniqueConstraint("case_id", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    due_date: Mapped[date] = mapped_column(Date)
    proposed_date: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingReminder(Base):
    """A reminder sent (the reminders job): one per meeting, kind and occurrence, so a second run
    sends nothing."""

    __tablename__ = "meeting_reminders"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "occurs_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    # "meeting" (before it), "research" (a MARAC's agencies, before it) or "minutes" (after it)
    kind: Mapped[str] = mapped_column(String(16))
    occurs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingMinutes(Base):
    """One version of a meeting's minutes (OFFICIAL-SENSITIVE, DOMAIN.md §4-5): every version is
    kept, encrypted; the chair issues one, within the policy's working days of the meeting."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    version: Mapped[int] = mapped_column(Integer)
    # {"summary", "decisions": [{"decision", "rationale", "dissent"}], ...}: one JSON envelope.
    content_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    written_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MaracReferral(Base):
    """What a MARAC case's referral says of its criteria (DOMAIN.md §4), for the coordinator's
    queue and the agenda's order: the DASH count, the criteria met, incidents in the last 12
    months, whether children are in the household; the reasons and the rest of what the referrer
    knows are one encrypted JSON object. Where the case is listed, once the coordinator lists it."""

    __tablename__ = "marac_referrals"
    __table_args__ = (Index("ix_marac_referrals_queue", "listed_meeting_id", "referred_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    referring_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    referred_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dash_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # visible_high_risk, professional_judgement, potential_escalation (repeat is found, not said)
    criteria: Mapped[list[str]] = mapped_column(JSON)
    incidents_12_months: Mapped[int] = mapped_column(Integer)
    children: Mapped[bool] = mapped_column(Boolean)
    details_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    listed_meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MaracResearch(Base):
    """What one agency brought to a MARAC about one case, and what it chose not to share and why
    (DOMAIN.md §4), linked to the disclosure decision that records the choice; one entry per
    agency, case and meeting (a later one replaces it). The texts are one encrypted JSON object."""

    __tablename__ = "marac_research"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id", "agency_id"),
                      Index("ix_marac_research_case", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    withheld: Mapped[bool] = mapped_column(Boolean)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("disclosure_decisions.id"),
                                                          nullable=True)
    content_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
