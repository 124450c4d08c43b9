"""Reviews (DOMAIN.md §9): incidents and near misses raised by anyone, Safeguarding Adult Reviews
and Child Safeguarding Practice Reviews opened by a lead or a manager; the structured review,
the feedback to the person who raised it, the action plan, and the cases, meetings and
actions each concerns.

What is written about what happened (the summary, the account, the timeline, the findings, the
feedback, a SAR decision's rationale, an action's title and notes) is envelope-encrypted and bound
to the review alone: a review is the partnership's record, not one case's. What the lists, the
clocks, the themes and the partnership report count stays plain: the kind, the status, the dates,
the answers to the s44 criteria, the contributory factors and the tags.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id

_UNFINISHED_CSPR = text("kind = 'cspr' AND status <> 'closed'")
_OPEN = text("status = 'open'")


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_raised_by", "raised_by_id", "raised_at"),
        Index("ix_reviews_kind_raised", "kind", "raised_at"),
        # The clocks job reads only the CSPRs still running.
        Index("ix_reviews_cspr_running", "aware_on", postgresql_where=_UNFINISHED_CSPR,
              sqlite_where=_UNFINISHED_CSPR),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # the raiser's
    raised_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_on: Mapped[date] = mapped_column(Date)
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # {summary, account}
    # The structured review.
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {timeline: [{on, what}], went_well, findings, recommendations}
    review_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Feedback to the person who raised it, and when they read it.
    feedback_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    feedback_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A statutory review's start and end (the duration is always known).
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # SAR (Care Act 2014 s44): the criteria's answers and the decision; its rationale encrypted.
    sar_care_and_support_needs: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    sar_joint_working_concern: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    sar_harm: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sar_known_or_suspected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    sar_decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sar_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sar_decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    sar_rationale_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # CSPR (Working Together 2023): the day the partnership learnt of the serious incident and
    # the days each step was done; `reminded` names the clocks whose reminder has gone.
    aware_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rapid_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reminded: Mapped[list[str]] = mapped_column(JSON, default=list)


class ReviewAgency(Base):
    """An agency involved in a review: its leads and managers review it."""

    __tablename__ = "review_agencies"
    __table_args__ = (Index("ix_review_agencies_agency", "agency_id", "review_id"),)

    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)


class ReviewCase(Base):
    """A case a review concerns, linked by its reference by someone of a member agency."""

    __tablename__ = "review_cases"
    __table_args__ = (Index("ix_review_cases_case", "case_id"),)

    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)


class ReviewMeeting(Base):
    """A meeting the review's findings concern: one about a case the review concerns, linked by a
    reviewer of an agency that is a member of that case."""

    __tablename__ = "review_meetings"
    __table_args__ = (Index("ix_review_meetings_meeting", "meeting_id"),)

    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    # The review's case the meeting was linked through (a MARAC considers many).
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))


class ReviewCaseAction(Base):
    """An action on a case the review concerns that its findings concern (an action not taken,
    or taken late, is often what a review finds)."""

    __tablename__ = "review_case_actions"
    __table_args__ = (Index("ix_review_case_actions_action", "action_id"),)

    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id"), primary_key=True)


class ReviewAction(Base):
    """An action of a review's plan: what (encrypted), the owning agency and the role there that
    owns it, when it is due and its status, in the vocabulary of every action (DOMAIN.md §8)."""

    __tablename__ = "review_actions"
    __table_args__ = (
        Index("ix_review_actions_review", "review_id", "due"),
        # The sweep asks for open ones by due date.
        Index("ix_review_actions_open_due", "due", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_review_actions_agency_status", "agency_id", "status", "due"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    owner_role: Mapped[str] = mapped_column(String(32))
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 0: not yet overdue; 1: the owners told it is overdue; 2: the agency's leads told too.
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    title_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewActionChange(Base):
    """One entry of a review action's history: its status from then on, who set it, and why."""

    __tablename__ = "review_action_changes"
    __table_args__ = (Index("ix_review_action_changes_action", "action_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_actions.id"))
    status: Mapped[str] = mapped_column(String(64))
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # {note, evidence}
