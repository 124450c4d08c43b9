"""Request and response bodies of the learning API (DESIGN.md §4): reviews, their structured
review, feedback, a SAR's decision, a review's dates and clocks, its action plan, and what its
findings concern."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from hub.api.schemas import Input, Label, Name, Output, Page, Query, Reference, Text

ReviewKindValue = Literal["incident", "near_miss", "sar", "cspr"]
ReviewStatusValue = Literal["open", "reviewed", "closed"]
ActionStatusValue = Literal["open", "done", "not_possible_circumstances_changed", "not_done_by_agency"]


class ReviewCreate(Input):
    kind: ReviewKindValue
    summary: Name = Field(description="one line: what the review is about (no names)")
    account: Text = Field(description="what happened")
    occurred_on: date = Field(description="the day it happened")
    agencies: list[Label] = Field(default_factory=list, max_length=20,
                                  description="codes of the other agencies involved (yours always is)")
    case_refs: list[Reference] = Field(default_factory=list, max_length=20,
                                       description="references of your agency's cases it concerns")
    aware_on: date | None = Field(default=None, description="a CSPR: the day the partnership learnt of the "
                                                            "serious incident; its clocks run from it")


class ReviewQuery(Page):
    kind: ReviewKindValue | None = None
    status: ReviewStatusValue | None = None


class ReviewLineOut(Output):
    id: uuid.UUID
    kind: ReviewKindValue
    status: ReviewStatusValue
    summary: str
    occurred_on: date
    raised_at: datetime
    raised_by: str
    agency: str
    feedback_given: bool
    feedback_unread: bool


class ReviewList(Output):
    reviews: list[ReviewLineOut]
    limit: int
    offset: int
    next_offset: int | None


class ReviewTimelineEntryIn(Input):
    on: date
    what: Text


class StructuredReviewCreate(Input):
    timeline: list[ReviewTimelineEntryIn] = Field(max_length=50)
    factors: list[Label] = Field(max_length=20, description="contributory factors from the policy's taxonomy")
    tags: list[Label] = Field(default_factory=list, max_length=12,
                              description="thematic tags: lower-case words joined by hyphens")
    went_well: Text = ""
    findings: Text
    recommendations: Text = ""


class ReviewFeedbackCreate(Input):
    feedback: Text = Field(description="to the person who raised the incident or near miss")


class SarDecisionIn(Input):
    care_and_support_needs: bool | None = Field(description="Care Act 2014 s44(1)(a)")
    joint_working_concern: bool | None = Field(description="s44(1)(b): how agencies worked together")
    harm: Literal["died", "serious_abuse", "serious_neglect", "none"] | None = Field(description="s44(2)-(3)")
    known_or_suspected: bool | None = Field(description="s44(2)(b), (3)(b)")
    decision: Literal["review", "no_review"] | None
    rationale: Text = ""
    decided_on: date | None = None


class ReviewDatesIn(Input):
    started_on: date | None = None
    ended_on: date | None = None
    notified_on: date | None = Field(default=None, description="a CSPR: the national panel notified")
    rapid_review_on: date | None = Field(default=None, description="a CSPR: the rapid review held")
    decided_on: date | None = Field(default=None, description="a CSPR: a local review decided on")
    published_on: date | None = Field(default=None, description="a CSPR: the local review published")


class ReviewClockOut(Output):
    name: Literal["notification", "rapid_review", "publication"]
    due: date
    done_on: date | None
    state: Literal["met", "late", "due", "overdue"]


class ReviewActionChangeOut(Output):
    status: ActionStatusValue
    changed_by: str | None
    changed_at: datetime
    note: str
    evidence: str


class ReviewActionOut(Output):
    id: uuid.UUID
    title: str
    agency: str
    owner_role: str
    due: date
    status: ActionStatusValue
    overdue: bool
    history: list[ReviewActionChangeOut]


class OwnedActionOut(ReviewActionOut):
    review_id: uuid.UUID
    review_kind: ReviewKindValue


class OwnedActionQuery(Page):
    show: Literal["open", "all"] = Field(default="open", description="the open ones, or every one")


class OwnedActionList(Output):
    actions: list[OwnedActionOut]
    limit: int
    offset: int
    next_offset: int | None


class ReviewActionCreate(Input):
    title: Text
    agency: Label
    owner_role: Label = Field(description="practitioner, manager, lead or ig")
    due: date


class ReviewActionChangeIn(Input):
    status: ActionStatusValue
    note: Text = ""
    evidence: Text = ""


class ReviewTimelineEntryOut(Output):
    on: date
    what: str


class StructuredReviewOut(Output):
    reviewer: str | None
    reviewed_at: datetime
    timeline: list[ReviewTimelineEntryOut]
    factors: list[str]
    tags: list[str]
    went_well: str
    findings: str
    recommendations: str


class ReviewFeedbackOut(Output):
    feedback: str
    given_by: str | None
    given_at: datetime
    read_at: datetime | None


class ReviewSarOut(Output):
    care_and_support_needs: bool | None
    joint_working_concern: bool | None
    harm: str | None
    known_or_suspected: bool | None
    decision: str | None
    decided_on: date | None
    rationale: str | None
    mandatory: bool | None


class ReviewLinksIn(Input):
    case_refs: list[Reference] = Field(default_factory=list, max_length=20,
                                       description="references of your agency's cases the findings concern")
    meetings: list[uuid.UUID] = Field(default_factory=list, max_length=50,
                                      description="ids of meetings about those cases")
    actions: list[uuid.UUID] = Field(default_factory=list, max_length=50,
                                     description="ids of actions on those cases")


class LinkedMeetingOut(Output):
    id: uuid.UUID
    case_ref: str
    kind: str
    status: str
    starts_at: datetime


class LinkedActionOut(Output):
    id: uuid.UUID
    case_ref: str
    agency: str
    due: date
    status: ActionStatusValue


class ReviewOut(Output):
    id: uuid.UUID
    kind: ReviewKindValue
    status: ReviewStatusValue
    summary: str
    account: str
    occurred_on: date
    raised_at: datetime
    raised_by: str
    agencies: list[str]
    case_refs: list[str]
    review: StructuredReviewOut | None
    feedback: ReviewFeedbackOut | None
    started_on: date | None
    ended_on: date | None
    duration_days: int | None = Field(description="to its end, or so far; null until it starts")
    sar: ReviewSarOut | None
    cspr: dict[str, date | None] | None
    clocks: list[ReviewClockOut]
    actions: list[ReviewActionOut] = Field(description="the action plan (for the leads and managers "
                                                       "of the agencies involved)")
    linked_meetings: list[LinkedMeetingOut] = Field(description="meetings about its cases the findings "
                                                                "concern")
    linked_actions: list[LinkedActionOut] = Field(description="actions on its cases the findings concern")


class PartnershipQuery(Query):
    start: date = Field(alias="from", description="first day of the period (YYYY-MM-DD)")
    end: date = Field(alias="to", description="last day of the period, within five years")


class MeasureOut(Output):
    overall: int | float | None = Field(description="a count, or a rate in %; null where suppressed")
    by_agency: dict[str, int | float | None] = Field(description="by agency code; null where suppressed")


class PartnershipReportOut(Output):
    """Aggregates only: no person, case or text; counts from 1 to 4 never shown."""

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    measures: dict[str, MeasureOut]


class ThemeOut(Output):
    kind: Literal["factor", "tag"]
    name: str
    label: str
    total: int
    by_month: dict[str, int] = Field(description="YYYY-MM: how many reviews found it that month")


class ThemesQuery(Page):
    start: date = Field(alias="from", description="first day of the period (YYYY-MM-DD)")
    end: date = Field(alias="to", description="last day of the period, within five years")


class ThemesOut(Output):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    reviews: int = Field(description="reviews of your agency's whose incident fell in the period")
    themes: list[ThemeOut] = Field(description="most frequent first")
    limit: int
    offset: int
    next_offset: int | None
