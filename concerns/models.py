"""Concerns, daily wellbeing observations, alerts and deputies (DOMAIN.md §11).

A concern belongs to the agency whose practitioner raised it: its named safeguarding leads
triage it. Who it is about is a case of that agency, or an identity of its own (encrypted; its
keyed blind index, computed from it, finds the agency's own case of the same person); everything written
about the person is one envelope-encrypted JSON object. What the queue, the clock and the
partnership's figures need (categories, immediate risk, status, deadline, outcome) stays plain.

An observation's scores and note are encrypted too: thoughts of self-harm are health data. The
thresholds are evaluated when it is recorded, and the alert keeps only which threshold was
crossed, never a score or the note.
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
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id

_AWAITING = text("status = 'awaiting_triage'")
_ACTIVE = text("ended_at IS NULL")
_OPEN = text("status = 'open'")


class Deputy(Base):
    """A person named to act as one of their agency's safeguarding leads from ``starts`` to
    ``ends`` (local dates, inclusive), while a named lead is away."""

    __tablename__ = "safeguarding_deputies"
    __table_args__ = (Index("ix_safeguarding_deputies_agency", "agency_id", "ends"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    named_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Concern(Base):
    """A safeguarding concern raised by a practitioner, awaiting or past its triage."""

    __tablename__ = "concerns"
    __table_args__ = (
        # The named leads' queue: the agency's concerns awaiting triage, soonest deadline first.
        Index("ix_concerns_awaiting", "agency_id", "triage_due", postgresql_where=_AWAITING,
              sqlite_where=_AWAITING),
        Index("ix_concerns_agency_raised", "agency_id", "raised_at"),
        Index("ix_concerns_raised_by", "raised_by_id", "raised_at"),
        Index("ix_concerns_case", "case_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    raised_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The agency's own case of the person; none until triage opens one, for someone new.
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    # {name, date_of_birth} when the concern named a person rather than a case (its blind index
    # is computed when needed, never stored: `hub keys reindex` has nothing here to go stale).
    subject_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    child: Mapped[bool] = mapped_column(Boolean)
    categories: Mapped[list[str]] = mapped_column(JSON)
    immediate_risk: Mapped[bool] = mapped_column(Boolean)
    person_aware: Mapped[bool] = mapped_column(Boolean)
    consent_status: Mapped[str] = mapped_column(String(32))
    # {account, opinion, immediate_action, views, desired_outcomes}
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(32))
    triage_due: Mapped[datetime] = mapped_column(UTCDateTime)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    triaged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dash_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The case the outcome opened or linked (an adult case for s42, a MARAC case...).
    outcome_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    # The day by which the strategy discussion an s42 outcome proposes is due (local).
    strategy_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # {rationale, referred_to, s42: {question: {answer, evidence}}}
    triage_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ObservationPlan(Base):
    """Daily observation agreed for a case by one of its member agencies, until ended. The
    missing-observation sweep asks for the plans whose ``missing_due`` has come, by index."""

    __tablename__ = "observation_plans"
    __table_args__ = (
        Index("uq_observation_plans_active", "case_id", "agency_id", unique=True,
              postgresql_where=_ACTIVE, sqlite_where=_ACTIVE),
        Index("ix_observation_plans_missing_due", "missing_due"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agreed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    last_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When "no observation for N days" is crossed, unless one is recorded first; cleared once
    # its alert is raised (and set again by the next observation), empty for an ended plan.
    missing_due: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Observation(Base):
    """One daily wellbeing observation: scores per indicator and a note, encrypted."""

    __tablename__ = "observations"
    __table_args__ = (
        # The days before an observation, by plan (the thresholds); a case's chart, by case.
        Index("ix_observations_plan", "plan_id", "observed_at"),
        Index("ix_observations_case", "case_id", "observed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("observation_plans.id"))
    observed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # {scores: {indicator: 0-3}, note}
    content_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Alert(Base):
    """A threshold crossed on a case, for the named leads of the observing agency; escalated to
    its managers when not acknowledged by ``escalate_at``."""

    __tablename__ = "observation_alerts"
    __table_args__ = (
        Index("ix_observation_alerts_agency", "agency_id", "status", "raised_at"),
        Index("ix_observation_alerts_escalate", "escalate_at", postgresql_where=_OPEN,
              sqlite_where=_OPEN),
        Index("ix_observation_alerts_case", "case_id", "raised_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    observation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("observations.id"), nullable=True)
    threshold: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalate_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action_taken: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # {note}: what was done, and the reason when no action was taken
    texts_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Allocation(Base):
    """The practitioner an agency allocates to a case: their caseload, which supervision covers."""

    __tablename__ = "case_allocations"
    __table_args__ = (
        Index("uq_case_allocations_active", "case_id", "agency_id", unique=True,
              postgresql_where=_ACTIVE, sqlite_where=_ACTIVE),
        Index("ix_case_allocations_agency", "agency_id", "ended_at"),
        Index("ix_case_allocations_user", "user_id", "ended_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    allocated_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SupervisionSession(Base):
    """A supervision session: who supervised whom, on which day (local)."""

    __tablename__ = "supervision_sessions"
    __table_args__ = (Index("ix_supervision_sessions_agency", "agency_id", "held_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    supervisor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    supervisee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupervisionDiscussion(Base):
    """One case discussed at a session, with a short encrypted note. The supervisee and the day
    are kept with it, so that "when was this case last discussed with this practitioner?" is one
    indexed lookup."""

    __tablename__ = "supervision_discussions"
    __table_args__ = (Index("ix_supervision_discussions_last", "supervisee_id", "case_id", "held_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_sessions.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    supervisee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date] = mapped_column(Date)
    note_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class SupervisionAction(Base):
    """An action a supervision session set the supervisee, with the case discussion it came from
    (the action itself is the tracker's, in sharing)."""

    __tablename__ = "supervision_actions"

    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id"), primary_key=True)
    discussion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_discussions.id"), index=True)
