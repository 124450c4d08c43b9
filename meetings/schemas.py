"""Request and response bodies of the meetings API (DESIGN.md §4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from hub.api.schemas import Input, Name, Output, Query, Text

Kind = Literal["strategy", "marac", "mappa"]


class InviteeIn(Input):
    email: Name
    name: Name
    agency: Name = Field(description="the code of an agency on one of the meeting's cases")


class MeetingCreate(Input):
    kind: Kind
    title: Name = Field(description="for the hub's pages only: never in an invitation")
    start: datetime = Field(description="with its offset from UTC")
    end: datetime
    location: Name = Field(description="a room or a video link, never a person's address")
    case_ids: list[uuid.UUID] = Field(max_length=40)
    invitees: list[InviteeIn] = Field(default_factory=list, max_length=80)
    rrule: Name | None = Field(default=None, description="a MARAC or MAPPA series (RFC 5545 RRULE)")
    decided_at: datetime | None = Field(default=None,
                                        description="the decision the statutory clock runs from")
    late_reason: Text = Field(default="", description="why the meeting is after its target date")
    capacity: int | None = Field(default=None, description="a MARAC's cases per meeting")


class MeetingChange(Input):
    start: datetime | None = None
    end: datetime | None = None
    location: Name | None = None


class MeetingCreated(Output):
    id: uuid.UUID
    uid: str
    sequence: int
    target_date: date | None = Field(description="the last day the law's clock allows, if it runs")
    late: bool = Field(description="the meeting starts after its target date")


class InviteeOut(Output):
    email: str
    name: str
    agency: str
    partstat: str


class MeetingCaseOut(Output):
    id: uuid.UUID
    ref: str


class OccurrenceOut(Output):
    id: uuid.UUID
    start: datetime
    status: Literal["scheduled", "cancelled"]
    listed: int = Field(description="how many cases it considers")


class MeetingOut(MeetingCreated):
    kind: Kind
    status: Literal["scheduled", "cancelled"]
    title: str
    start: datetime
    end: datetime
    location: str
    rrule: str | None
    capacity: int | None
    decided_at: datetime | None
    late_reason: str
    clock: str | None = Field(description="the statutory clock in words")
    conference_due: date | None = Field(description="a child's initial child protection conference")
    organiser_agency: str
    cases: list[MeetingCaseOut]
    invitees: list[InviteeOut]
    minutes_due: date | None = Field(description="the chair issues the minutes by this date (local)")
    minutes_issued_at: datetime | None
    series_id: uuid.UUID | None = Field(
        description="a later meeting of a series: the series' first meeting (which has the rrule)")
    recurrence_id: datetime | None = Field(
        description="a later meeting of a series: the start its rule gives it (RECURRENCE-ID)")
    series_rule: str | None = Field(description="the series' RRULE, on each of its meetings")
    occurrences: list[OccurrenceOut] = Field(
        description="every meeting of the meeting's series, each with its own id, cases and minutes "
                    "(in GET /meetings/{id}; empty for a single meeting and in lists)")


class MeetingQuery(Query):
    start: date | None = Field(default=None, alias="from",
                               description="first day (YYYY-MM-DD, London); default today")
    end: date | None = Field(default=None, alias="to",
                             description="last day, at most a year on; default 31 days on")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class MeetingList(Output):
    meetings: list[MeetingOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


AttendanceStatus = Literal["attended", "apology", "no_response", "information_sent"]


class AttendanceIn(Input):
    agency: Name = Field(description="the code of an agency on the meeting's cases, or the convening one")
    status: AttendanceStatus


class AttendanceOut(Output):
    agency: str
    status: AttendanceStatus
    recorded_at: datetime


class AcknowledgementOut(Output):
    name: str
    agency: str
    acknowledged_at: datetime


class RegisterOut(Output):
    attendance: list[AttendanceOut] = Field(description="each agency's attendance, as the chair recorded it")
    acknowledgements: list[AcknowledgementOut] = Field(
        description="who has acknowledged the confidentiality statement, and when")
    acknowledged: bool = Field(description="whether the caller has acknowledged it")
    acknowledged_at: datetime | None = Field(description="when the caller acknowledged it")


class MeetingDetail(MeetingOut, RegisterOut):
    confidentiality_statement: str


class CalendarFeedOut(Output):
    url: str = Field(description="private: whoever holds it reads your meetings' times, places and "
                                 "case references; revoke it with DELETE if it is shared by mistake")


class MappaIn(Input):
    category: Literal[1, 2, 3] = Field(description="1 registered sexual offender, 2 violent offender, "
                                                   "3 other dangerous offender")
    level: Literal[1, 2, 3] = Field(description="1 single-agency management, 2 multi-agency, "
                                                "3 as 2 with senior representation")


class MappaOut(Output):
    category: int
    level: int
    next_review: date | None = Field(description="the level's interval from when it was set; none at level 1")
    review_due: date | None = Field(description="the due date of the review the hub has raised an alert for")
    proposed_date: date | None = Field(description="the date the hub proposes for that review")


class DecisionSchema(Input):
    decision: Text
    rationale: Text
    dissent: Text = Field(default="", description="who disagreed, and why")


class MinutedActionIn(Input):
    case_id: uuid.UUID = Field(description="one of the meeting's cases")
    title: Name
    agency: Name = Field(description="the code of a member agency of that case")
    due: date


class MinutesCreate(Input):
    summary: Text = Field(description="what was discussed, understandable by someone absent")
    decisions: list[DecisionSchema] = Field(default_factory=list, max_length=60)
    actions: list[MinutedActionIn] = Field(default_factory=list, max_length=60,
                                           description="actions agreed, created in the tracker")


class MinutesVersionOut(Output):
    version: int
    written_by: str
    written_at: datetime
    issued_at: datetime | None


class MinutedActionOut(Output):
    id: uuid.UUID
    case_ref: str
    title: str
    agency: str
    due: date


class MinutesOut(MinutesVersionOut):
    marking: Literal["OFFICIAL-SENSITIVE"]
    summary: str
    decisions: list[DecisionSchema]
    actions: list[MinutedActionOut]


class MinutesQuery(Query):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class MinutesList(Output):
    minutes: list[MinutesVersionOut]
    limit: int
    offset: int
    next_offset: int | None


CriterionName = Literal["visible_high_risk", "professional_judgement", "potential_escalation", "repeat"]


class ReferralIn(Input):
    dash_score: int | None = Field(default=None, description="yes answers of the 24-question DASH checklist")
    professional_judgement: Text = Field(default="", description="the reasons, when judgement is a criterion")
    incidents_12_months: int = Field(default=0, ge=0, le=500)
    children: bool = Field(description="children live in the household")
    victim_aware: bool = Field(description="the victim knows of the referral")
    not_aware_reason: Text = ""
    afraid_of: Text = Field(default="", description="who the victim is afraid of")


class ReferralOut(Output):
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str
    referred_at: datetime
    dash_score: int | None
    criteria: list[CriterionName] = Field(
        description='"repeat" only where your agency may be told of the earlier case')
    incidents_12_months: int
    children: bool
    listed_meeting_id: uuid.UUID | None


class QueueEntryOut(Output):
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str
    referred_at: datetime
    dash_score: int | None
    criteria: list[CriterionName]
    children: bool
    repeat: bool = Field(description="a repeat within 12 months of the last referral, whoever referred it")
    earlier_ref: str | None
    months_passed: bool = Field(description="an earlier referral more than 12 months ago")
    listed_meeting_id: uuid.UUID | None
    listed_for: datetime | None


class QueueQuery(Query):
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class QueueOut(Output):
    referrals: list[QueueEntryOut]
    limit: int
    offset: int
    next_offset: int | None


class ListingIn(Input):
    case_id: uuid.UUID


class ListingOut(Output):
    position: int


class ResearchIn(Input):
    case_id: uuid.UUID = Field(description="a case listed at the MARAC, of which your agency is a member")
    brought: Text = Field(default="", description="what your agency brings to the meeting")
    withheld: Text = Field(default="", description="what it chose not to share")
    withheld_reason: Text = Field(default="", description="why; required with withheld")
    decision_id: uuid.UUID | None = Field(default=None, description="your agency's disclosure decision on "
                                                                    "the case; required with withheld")


class ResearchOut(Output):
    agency: str
    brought: str
    withheld: str
    withheld_reason: str
    decision_id: uuid.UUID | None
    recorded_at: datetime


class AgendaCaseOut(Output):
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str | None
    criteria: list[CriterionName]
    open_actions: int
    overdue_actions: int
    member: bool = Field(description="your agency is a member of the case")
    research: list[ResearchOut] = Field(description="each agency's research, for members of the case")


class AgendaSectionOut(Output):
    title: str
    cases: list[AgendaCaseOut]


class AgendaOut(Output):
    statement: str
    incomplete_actions: list[AgendaCaseOut]
    sections: list[AgendaSectionOut]
    any_other_business: bool = True


class CarriedQuery(Query):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class CarriedOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    agency: str
    due: date
    status: str
    title: str | None = Field(description="only for the agencies that are members of the action's case")


class CarriedList(Output):
    actions: list[CarriedOut]
    limit: int
    offset: int
    next_offset: int | None


class CarriedMark(Input):
    status: Literal["not_possible_circumstances_changed", "not_done_by_agency"] = Field(
        description="not_done_by_agency escalates: the escalation job opens a professional challenge")
    note: Text = Field(description="why the action was not done")
