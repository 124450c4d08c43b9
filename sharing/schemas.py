"""API schemas of the sharing package (DESIGN.md §4 field names): risk summaries and crisis plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from hub.api.schemas import Input, Name, Output, Text
from sharing.rules import MAX_CONTACTS, RiskLevel


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
