"""Case, CaseMembership (with its history), the per-kind reference counter and MARAC repeat links."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.db import Base, UTCDateTime, new_id


class CaseKind(enum.StrEnum):
    ADULT = "adult"
    CHILD = "child"
    MARAC = "marac"
    MAPPA = "mappa"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SHREDDED = "shredded"


class CaseFlag(enum.StrEnum):
    REPEAT = "repeat"


class Case(Base):
    __tablename__ = "cases"
    # Lists are "newest first": one index walked backwards gives them without sorting the agency's
    # cases (the dashboard of an agency with 10,000 cases went from a sort of all of them to 50 rows).
    __table_args__ = (Index("ix_cases_newest", "created_at", "ref"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN)
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # Envelope-encrypted JSON {name, date_of_birth} (invariant 4); never stored in the clear.
    subject_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    subject_version: Mapped[int] = mapped_column(Integer, default=1)
    # Keyed blind index of the normalised identity, for repeat detection and search.
    subject_index: Mapped[str] = mapped_column(String(64), index=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    lead_agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    memberships: Mapped[list[CaseMembership]] = relationship(
        back_populates="case", order_by="CaseMembership.id"
    )

    @property
    def current_memberships(self) -> list[CaseMembership]:
        return [m for m in self.memberships if m.removed_at is None]


class CaseMembership(Base):
    """An agency's membership of a case; a removal ends the row, a re-admission adds a new one."""

    __tablename__ = "case_memberships"
    __table_args__ = (
        Index(
            "uq_case_memberships_current",
            "case_id",
            "agency_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_case_memberships_agency_current", "agency_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    case: Mapped[Case] = relationship(back_populates="memberships")
    # "unnested": under the case's LEFT JOIN of its memberships this joins agencies as a chain,
    # not as a nested (memberships JOIN agencies) that SQLite materialises by scanning every row.
    # (SQLAlchemy documents "unnested"; its type hints only admit a bool.)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin="unnested")  # type: ignore[arg-type]


class CaseReferenceCounter(Base):
    """Next number of a human reference such as MARAC-2026-00042, per kind and year."""

    __tablename__ = "case_reference_counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RepeatReferralLink(Base):
    """A MARAC referral found, by the blind index, to repeat the last referral of the same person
    within the repeat window (SafeLives; DOMAIN.md section 4).

    Kept for every repeat whoever referred it, for the MARAC coordinator; the "repeat" flag is
    shown only to agencies that are current members of the earlier case, so it is not stored in
    ``Case.flags`` (which every member of the new case sees). The identity stays encrypted.
    """

    __tablename__ = "case_repeat_links"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    earlier_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
