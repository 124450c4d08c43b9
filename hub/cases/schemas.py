"""API schemas for cases and membership."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.api.schemas import Input, Output, Query
from hub.cases.models import CaseKind

AgencyCode = Annotated[str, StringConstraints(min_length=2, max_length=32, pattern=r"^[A-Z0-9-]+$")]


class SubjectIn(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    date_of_birth: date


class CaseCreate(Input):
    kind: CaseKind
    subject: SubjectIn
    agencies: Annotated[list[AgencyCode], Field(max_length=50)] = []


class AgencyRef(Output):
    code: str
    name: str


class MemberOut(Output):
    agency: AgencyRef
    is_lead: bool
    added_at: datetime


class CaseSummary(Output):
    id: uuid.UUID
    ref: str
    kind: CaseKind
    status: str
    lead_agency: AgencyRef
    agencies: list[str]
    flags: list[str]
    created_at: datetime


class SubjectOut(Output):
    name: str
    date_of_birth: date


class CaseDetail(CaseSummary):
    subject: SubjectOut
    members: list[MemberOut]


class CaseListQuery(Query):
    """Paging through the caller's cases, newest first."""

    limit: int = Field(default=50, ge=1, le=200, description="how many cases to return (1-200)")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="how many newest cases to skip")


class CaseList(Output):
    cases: list[CaseSummary]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


class MemberAdd(Input):
    agency: AgencyCode


class MemberList(Output):
    members: list[MemberOut]
