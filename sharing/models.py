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

from sqlalchemy import (
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


_OPEN = text("status = 'open'")


class Challenge(Base):
    """A professional challenge of one member agency by another about an action (DOMAIN.md §8),
    on the escalation ladder's stage ``stage`` until ``deadline`` (a local date). The concern and
    evidence, and the outcome and agreed plan once resolved, are encrypted."""

    __tablename__ = "challenges"
    __table_args__ = (
        # The sweep's question, "which open challenges are past their deadline?", walks this.
        Index("ix_challenges_open_deadline", "deadline", postgresql_where=_OPEN, sqlite_where=_OPEN),
        # One open challenge per action, however many sweeps or people raise one at once.
        Index("uq_challenges_open_action", "action_id", unique=True, postgresql_where=_OPEN,
              sqlite_where=_OPEN),
        # "Has this action ever been challenged?" (the sweep) and an action's challenges (its page).
        Index("ix_challenges_action", "action_id", "opened_at"),
        Index("ix_challenges_raised_by", "raised_by_agency_id", "status"),
        Index("ix_challenges_against", "against_agency_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id"))
    raised_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    against_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    immediate_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # What the raising agency wrote; empty (nothing to encrypt) for one the hub opened, whose
    # ``reason`` says why: ``overdue`` or ``not_done``.
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ChallengeEvent(Base):
    """One step of a challenge: opened, moved up a stage (by the sweep), resolved; with what was
    recorded at it (steps taken, agreed plan and timescales, outcome), encrypted; a step the hub
    took itself (opening, moving up a stage) has no text, an empty blob."""

    __tablename__ = "challenge_events"
    __table_args__ = (Index("ix_challenge_events_challenge", "challenge_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenges.id"))
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
