"""Request and response bodies of the concerns API (DESIGN.md §4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from hub.api.schemas import Input, Label, Name, Output, Page, Text

ConcernStatus = Literal["awaiting_triage", "triaged"]
AlertStatus = Literal["open", "acknowledged", "escalated"]


class ConcernSubjectIn(Input):
    name: Name
    date_of_birth: date


class ConcernCreate(Input):
    case_id: uuid.UUID | None = Field(default=None, description="a case your agency is a member of")
    subject: ConcernSubjectIn | None = Field(default=None,
                                             description="or the person, by name and date of birth")
    categories: list[Label] = Field(max_length=12, description="DOMAIN.md §11: the Care Act "
                                    "guidance's categories, or Working Together's for a child")
    account: Text = Field(description="what was seen or heard: the facts")
    opinion: Text = Field(default="", description="your professional opinion, apart from the facts")
    immediate_risk: bool
    immediate_action: Text = Field(default="", description="what was done at once (immediate risk)")
    views: Text = Field(default="", description="the person's views")
    desired_outcomes: Text = Field(default="", description="what the person wants to happen")
    person_aware: bool
    consent_status: Label = Field(description="obtained, refused, not_sought or lacks_capacity")


class ConcernCreated(Output):
    id: uuid.UUID
    status: ConcernStatus
    triage_due: datetime = Field(description="the end of the next working day, Europe/London")
    case_id: uuid.UUID | None = Field(description="your agency's case of the person, if it has one")


class ConcernQuery(Page):
    status: ConcernStatus | None = None


class ConcernLineOut(Output):
    id: uuid.UUID
    status: ConcernStatus
    raised_at: datetime
    triage_due: datetime
    overdue: bool
    categories: list[str]
    immediate_risk: bool
    case_id: uuid.UUID | None
    case_ref: str | None
    raised_by: str
    outcome: str | None


class ConcernList(Output):
    concerns: list[ConcernLineOut]
    limit: int
    offset: int
    next_offset: int | None


class S42AnswerIn(Input):
    answer: bool
    evidence: Text


class S42In(Input):
    care_and_support_needs: S42AnswerIn | None = None
    experiencing_or_at_risk: S42AnswerIn | None = None
    unable_to_protect: S42AnswerIn | None = None


class TriageCreate(Input):
    outcome: Label
    rationale: Text
    s42: S42In | None = Field(default=None, description="the three-part test, for s42_enquiry")
    dash_score: int | None = Field(default=None, description="for marac_referral: the DASH count, 0-24")
    referred_to: Name = Field(default="", description="for other_agency and mappa_referral")


class TriageOut(Output):
    id: uuid.UUID
    status: ConcernStatus
    outcome: str
    case_id: uuid.UUID | None = Field(description="the case the outcome opened or linked")
    strategy_due: date | None = Field(description="the strategy discussion is due by this date")


class PlanIn(Input):
    daily: bool = Field(description="daily observation agreed (true) or ended (false)")


class PlanOut(Output):
    daily: bool
    agreed_at: datetime | None
    last_observed_at: datetime | None


class ObservationCreate(Input):
    scores: dict[Label, int] = Field(description="the policy's indicators, each scored 0-3")
    note: Text = ""
    observed_at: datetime | None = Field(default=None, description="default now; within the last week")


class RaisedAlertOut(Output):
    id: uuid.UUID
    threshold: str


class ObservationCreated(Output):
    id: uuid.UUID
    alerts: list[RaisedAlertOut]


class AlertQuery(Page):
    status: AlertStatus | None = None


class AlertOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    threshold: str
    description: str
    raised_at: datetime
    escalate_at: datetime
    status: AlertStatus
    acknowledged_at: datetime | None
    action_taken: str | None


class AlertList(Output):
    alerts: list[AlertOut]
    limit: int
    offset: int
    next_offset: int | None


class AcknowledgeIn(Input):
    action_taken: Label = Field(description="raise_concern, review_crisis_plan, contact_person or "
                                            "no_action_with_reason")
    note: Text = Field(default="", description="what was done; the reason, for no action")


class ObservationQuery(Page):
    days: int = Field(default=28, ge=1, le=366, description="the last days to list")


class ObservationOut(Output):
    id: uuid.UUID
    agency: str
    observed_by: str
    observed_at: datetime
    scores: dict[str, int]
    total: int
    note: str


class ObservationList(Output):
    observations: list[ObservationOut]
    limit: int
    offset: int
    next_offset: int | None


class AllocationIn(Input):
    user_id: uuid.UUID | None = Field(description="a practitioner of your agency; null ends the allocation")


class AllocationOut(Output):
    allocated: bool
    user_id: uuid.UUID | None
    name: str | None
    allocated_at: datetime | None


class SupervisionActionIn(Input):
    title: Name
    due: date


class DiscussionCreate(Input):
    case_id: uuid.UUID
    note: Text = ""
    actions: list[SupervisionActionIn] = Field(default_factory=list, max_length=10)


class SupervisionCreate(Input):
    supervisee_id: uuid.UUID
    held_on: date
    discussions: list[DiscussionCreate] = Field(max_length=60)


class SupervisionCreated(Output):
    id: uuid.UUID
    held_on: date
    cases: list[str]
    action_ids: list[uuid.UUID]


class SupervisionDueQuery(Page):
    overdue: bool = Field(default=False, description="only the discussions already overdue")


class DueOut(Output):
    supervisee_id: uuid.UUID
    supervisee: str
    case_id: uuid.UUID
    case_ref: str
    level: str | None
    last_discussed: date | None
    due: date
    overdue: bool


class DueList(Output):
    due: list[DueOut]
    limit: int
    offset: int
    next_offset: int | None
