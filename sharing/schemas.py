"""API schemas of the sharing package (DESIGN.md §4 field names): risk summaries and crisis plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from hub.api.schemas import Input, Item, Name, Output, Query, Text
from hub.cases.schemas import AgencyCode
from sharing.rules import MAX_CONTACTS, MAX_TITLE, ActionStatus, RiskLevel


class ContactIn(Input):
    stage: int = Field(ge=1, le=4, description="escalation stage, 1 to 4")
    name: Name
    role: Name
    route: Name = Field(description="how to reach them: a number, a duty desk, a bleep")
    hours: Name = ""


class RiskContent(Input):
    risk_to: Text = ""
    risk_factors: Text = ""
    protective_factors: Text = ""
    early_warning_signs: Text = Field(default="", description="the person's own signs and triggers")
    de_escalation: Text = Field(default="", description="agreed de-escalation strategies")
    coping_strategies: Text = ""
    contacts: Annotated[list[ContactIn], Field(max_length=MAX_CONTACTS)] = []
    statutory_thresholds: Text = Field(
        default="", description="when statutory intervention is considered (a Mental Health Act "
                                "assessment, say)")
    wishes: Text = Field(default="", description="the person's own wishes and any advance statement")
    agreed_with_person: bool | None = None
    next_review: date | None = None
    reviewer: Name = ""


class RiskSummaryCreate(Input):
    level: RiskLevel
    content: RiskContent
    based_on: int | None = Field(
        default=None, ge=1, description="the version this one was written from: 409 if a later one exists")


class RiskSummaryRecorded(Output):
    id: uuid.UUID
    version: int
    warnings: dict[str, str] = Field(description="fields that read as generic, with why")


class ContactOut(Output):
    stage: int
    name: str
    role: str
    route: str
    hours: str


class RiskContentOut(Output):
    risk_to: str
    risk_factors: str
    protective_factors: str
    early_warning_signs: str
    de_escalation: str
    coping_strategies: str
    contacts: list[ContactOut]
    statutory_thresholds: str
    wishes: str
    agreed_with_person: bool | None
    next_review: date | None
    reviewer: str


class RiskSummaryVersion(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    version: int
    level: RiskLevel
    agency: str = Field(description="code of the agency that wrote this version")
    author: str
    recorded_at: datetime
    next_review: date | None
    review_overdue: bool


class RiskSummaryOut(RiskSummaryVersion):
    content: RiskContentOut


class RiskSummaryList(Output):
    risk_summaries: list[RiskSummaryVersion]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


# --- cross-agency actions --------------------------------------------------------------------------

class ActionCreate(Input):
    title: Item = Field(description=f"what the agency is to do ({MAX_TITLE} characters at most)")
    agency: AgencyCode = Field(description="code of the member agency the action is for")
    due: date
    assignee: uuid.UUID | None = Field(default=None, description="a named person of that agency")


class ActionUpdate(Input):
    status: ActionStatus
    note: Text = ""
    evidence: Text = Field(default="", description="evidence of completion, for `done`")


class ActionQuery(Query):
    status: ActionStatus | None = None
    sort: Literal["due", "-due"] = Field(default="due", description="soonest due first, or latest")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class ActionChangeOut(Output):
    status: ActionStatus
    by: str | None
    agency: str | None
    at: datetime
    note: str
    evidence: str


class ActionOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    title: str
    agency: str
    assignee: str | None
    status: ActionStatus
    due: date
    overdue: bool
    created_at: datetime
    updated_at: datetime


class ActionDetail(ActionOut):
    history: list[ActionChangeOut]


class ActionList(Output):
    actions: list[ActionOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


# --- professional challenge ------------------------------------------------------------------------

class ChallengeCreate(Input):
    concern: Text = Field(description="what concerns your agency about the action or inaction")
    evidence: Text = ""
    immediate_risk: bool = Field(default=False, description="starts at the immediate-risk stage (3)")


class ChallengeResolve(Input):
    outcome: Text
    agreed_plan: Text = Field(description="the plan agreed, with its timescales")


class ChallengeSteps(Input):
    steps_taken: Text = Field(description="what the agency has done at the challenge's current stage")
    agreed_plan: Text = Field(default="", description="the plan agreed so far, with its timescales")


class ChallengeQuery(Query):
    status: Literal["open", "resolved"] | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class ChallengeEventOut(Output):
    kind: Literal["opened", "escalated", "step", "resolved"]
    stage: int
    at: datetime
    by: str | None
    texts: dict[str, str]


class ChallengeOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    action_id: uuid.UUID
    raised_by_agency: str
    against_agency: str
    automatic: bool = Field(description="opened by the escalation job")
    immediate_risk: bool
    stage: int = Field(ge=1, le=4)
    status: Literal["open", "resolved"]
    deadline: date
    opened_at: datetime
    resolved_at: datetime | None
    concern: str
    evidence: str
    history: list[ChallengeEventOut]


class ChallengeList(Output):
    challenges: list[ChallengeOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")
