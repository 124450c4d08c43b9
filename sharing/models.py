"""Risk summaries and crisis plans (DOMAIN.md §7): every version kept, its content encrypted.

A case has one risk summary, written in versions by its member agencies; a version is never
changed. What the access policy and the overdue-review flag need (level, authoring agency and
person, times, next review date) is plain; everything written about the person is one
envelope-encrypted JSON object bound to the version. Each text field's normalised content is
also kept as a keyed blind index, so that a field copied from another case's plan is noticed
without anyone reading the other plan.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class RiskSummary(Base):
    """One version of a case's risk summary and crisis plan."""

    __tablename__ = "risk_summaries"
    __table_args__ = (
        # One version number per case, whoever saves at once: the second to save hears 409.
        UniqueConstraint("case_id", "version"),
        # Plans whose review date has passed: the dashboard asks by date.
        Index("ix_risk_summaries_next_review", "next_review"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    version: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    level: Mapped[str] = mapped_column(String(16))
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class RiskSummaryText(Base):
    """The keyed blind index of one text field of one version (never the text)."""

    __tablename__ = "risk_summary_texts"
    __table_args__ = (Index("ix_risk_summary_texts_match", "text_index", "field"),)

    summary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_summaries.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    text_index: Mapped[str] = mapped_column(String(64))


class Action(Base):
    """An action on a case, assigned to a member agency (DOMAIN.md §8). What it is, and every
    note and evidence of its history, are encrypted; the status and dates stay plain for the
    lists and the escalation sweep."""

    __tablename__ = "actions"
    __table_args__ = (
        # "My agency's open actions", soonest due first; the sweep asks for open ones by due date.
        Index("ix_actions_agency_status_due", "agency_id", "status", "due"),
        Index("ix_actions_status_due", "status", "due"),
        Index("ix_actions_case", "case_id", "due"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class ActionChange(Base):
    """One entry of an action's history: its status from then on, who set it, and why."""

    __tablename__ = "action_changes"
    __table_args__ = (Index("ix_action_changes_action", "action_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id"))
    status: Mapped[str] = mapped_column(String(64))
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
