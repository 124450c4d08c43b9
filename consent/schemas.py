"""API schemas of the consent package: consent records, disclosure decisions, IG reviews,
information-sharing agreements and the disclosure report (DESIGN.md §4 field names).

Enumerated fields use the StrEnums of :mod:`consent.rules.vocabulary`, so a value outside
DOMAIN.md §6 is refused by pydantic (422, keyed by field) before any rule runs. What the rules
judge (a missing rationale, a Schedule 8 condition for Part 3 ...) is optional here and refused
by the rules with their own messages, all at once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from consent.rules import (
    AdviceSought,
    Art6Basis,
    Art9Condition,
    CapacityOutcome,
    ConfidentialityOverride,
    ConsentGivenBy,
    ConsentMethod,
    ConsentRecordStatus,
    ConsentStatus,
    ConsentType,
    Direction,
    LegalPower,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    Sch8Condition,
    SubjectCategory,
)
from consent.services.reviews import ReviewOutcome
from hub.api.schemas import Input, Item, Label, Name, Output, Query, Reference, Text
from hub.cases.models import CaseKind
from hub.cases.schemas import AgencyCode

MAX_ITEMS = 50


class QualityCheck(enum.StrEnum):
    """The seven-part quality check of information shared (DOMAIN.md §6)."""

    NECESSARY = "necessary"
    PROPORTIONATE = "proportionate"
    RELEVANT = "relevant"
    ADEQUATE = "adequate"
    ACCURATE = "accurate"
    TIMELY = "timely"
    SECURE = "secure"


# --- consent records -------------------------------------------------------------------------------

class ConsentCreate(Input):
    given_by: ConsentGivenBy | None = None
    gillick_competent: bool | None = Field(
        default=None, description="for a child under 16 consenting for themselves")
    capacity_assessed: bool = False
    capacity_outcome: CapacityOutcome | None = Field(
        default=None, description="for this decision, at this time (Mental Capacity Act 2005)")
    best_interests: Text | None = Field(default=None, description="where capacity is lacking")
    consent_type: ConsentType | None = None
    purposes: Annotated[list[Purpose], Field(max_length=len(Purpose))] = []
    agencies: Annotated[list[Name], Field(max_length=MAX_ITEMS,
                                          description="named organisations, not kinds of agency")] = []
    data_categories: Annotated[list[Name], Field(max_length=MAX_ITEMS)] = []
    exclusions: Annotated[list[Item], Field(max_length=MAX_ITEMS)] = []
    information_given: Text | None = Field(default=None, description="what the person was told")
    method: ConsentMethod | None = Field(default=None, description="how the person was told")
    obtained_at: AwareDatetime | None = None
    obtained_by: Name | None = None
    valid_from: AwareDatetime | None = Field(default=None, description="default: obtained_at")
    valid_until: AwareDatetime | None = Field(default=None, description="null: until withdrawn")
    desired_outcomes: Text | None = None
    advocate_present: bool | None = None


class ConsentWithdraw(Input):
    channel: ConsentMethod


class ConsentOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    agency: str = Field(description="code of the agency that recorded it")
    given_by: ConsentGivenBy
    gillick_competent: bool | None
    capacity_assessed: bool
    capacity_outcome: CapacityOutcome | None
    best_interests: str | None
    consent_type: ConsentType | None
    purposes: list[Purpose]
    agencies: list[str]
    data_categories: list[str]
    exclusions: list[str]
    information_given: str | None
    method: ConsentMethod | None
    obtained_at: datetime
    obtained_by: str | None
    valid_from: datetime
    valid_until: datetime | None
    desired_outcomes: str | None
    advocate_present: bool | None
    status: ConsentRecordStatus = Field(description="as stored: active, withdrawn or superseded")
    effective_status: ConsentRecordStatus = Field(description="expired once past valid_until")
    not_in_force: str | None = Field(description="why it cannot be a basis for sharing now, if so")
    withdrawn_at: datetime | None
    withdrawal_channel: ConsentMethod | None
    recorded_at: datetime


class ConsentList(Output):
    consents: list[ConsentOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


# --- disclosure decisions --------------------------------------------------------------------------

class DisclosureCreate(Input):
    """A decision to share or not to share (DOMAIN.md §6); the decision-maker is the caller."""

    subject_category: SubjectCategory
    direction: Direction
    requesting_org: Name | None = None
    requester: Name | None = Field(default=None, description="name and role of who asked")
    date_received: date | None = None
    information_requested: Text | None = None
    purpose: Purpose
    regime: Regime
    art6_basis: Art6Basis | None = None
    special_category: bool
    art9_condition: Art9Condition | None = None
    sch1_condition: Sch1Condition | None = None
    sch8_condition: Sch8Condition | None = None
    legal_power: LegalPower | None = None
    confidential: bool
    confidentiality_override: ConfidentialityOverride | None = None
    consent_status: ConsentStatus
    consent_id: uuid.UUID | None = None
    no_consent_reason: NoConsentReason | None = None
    public_interest_rationale: Text | None = None
    subject_informed: bool
    not_informed_reason: Text | None = None
    subject_views: Text | None = None
    necessity: Text | None = None
    proportionality: Text | None = Field(
        default=None, description="benefits and risks of sharing and of not sharing")
    minimised: Text | None = Field(default=None, description="what was left out or anonymised")
    quality_checks: Annotated[list[QualityCheck], Field(max_length=len(QualityCheck))] = []
    outcome: Outcome
    rationale: Text | None = None
    recipients: Annotated[list[Name], Field(
        max_length=MAX_ITEMS, description="agency codes or named organisations and people")] = []
    items_shared: Annotated[list[Item], Field(max_length=MAX_ITEMS)] = []
    advice_sought: Annotated[list[AdviceSought], Field(max_length=len(AdviceSought))] = []
    channel: Label | None = Field(default=None, description="how it is shared (secure e-mail ...)")
    security_marking: Label | None = None
    dsa_ref: Reference | None = Field(default=None, description="data sharing agreement reference")
    dpia_ref: Reference | None = None
    review_date: date | None = None
    decided_at: AwareDatetime | None = Field(default=None, description="default: now")
    decision_maker_role: Name | None = None
    supersedes: uuid.UUID | None = Field(default=None, description="the decision this one corrects")


class DisclosureReviewOut(Output):
    id: uuid.UUID
    decision_id: uuid.UUID
    outcome: ReviewOutcome
    comment: str
    reviewer: str
    reviewed_at: datetime


class DisclosureOut(Output):
    id: uuid.UUID
    case_id: uuid.UUID
    agency: str = Field(description="code of the deciding agency")
    decision_maker: str
    decision_maker_role: str | None
    subject_category: SubjectCategory
    direction: Direction
    requesting_org: str | None
    requester: str | None
    date_received: date | None
    information_requested: str | None
    purpose: Purpose
    regime: Regime
    art6_basis: Art6Basis | None
    special_category: bool
    art9_condition: Art9Condition | None
    sch1_condition: Sch1Condition | None
    sch8_condition: Sch8Condition | None
    legal_power: LegalPower | None
    confidential: bool
    confidentiality_override: ConfidentialityOverride | None
    consent_status: ConsentStatus
    consent_id: uuid.UUID | None
    no_consent_reason: NoConsentReason | None
    public_interest_rationale: str | None
    subject_informed: bool
    not_informed_reason: str | None
    subject_views: str | None
    necessity: str | None
    proportionality: str | None
    minimised: str | None
    quality_checks: list[QualityCheck]
    outcome: Outcome
    rationale: str | None
    recipients: list[str]
    items_shared: list[str]
    advice_sought: list[AdviceSought]
    channel: str | None
    security_marking: str | None
    dsa_ref: str | None
    dpia_ref: str | None
    review_date: date | None
    decided_at: datetime
    recorded_at: datetime
    supersedes: uuid.UUID | None
    superseded_by: uuid.UUID | None = Field(description="the decision that corrected this one")
    needs_review: bool = Field(description="shared without consent: the deciding agency's IG reviews it")
    review: DisclosureReviewOut | None


class DisclosureDetail(DisclosureOut):
    chain: list[uuid.UUID] = Field(description="every decision of its correction chain, oldest first")


class DisclosureList(Output):
    disclosures: list[DisclosureOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


class QueuedDecisionOut(DisclosureOut):
    case_ref: str


class ReviewQueue(Output):
    decisions: list[QueuedDecisionOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


class DisclosureReviewCreate(Input):
    outcome: ReviewOutcome
    comment: Text


# --- information-sharing agreements ----------------------------------------------------------------

class AgreementCreate(Input):
    title: Name
    parties: Annotated[list[AgencyCode], Field(max_length=MAX_ITEMS)]
    purposes: Annotated[list[Purpose], Field(max_length=len(Purpose))]
    case_kinds: Annotated[list[CaseKind], Field(max_length=len(CaseKind))]
    art6_basis: Art6Basis
    review_date: date
    dpia_ref: Reference | None = None


class AgreementOut(Output):
    id: uuid.UUID
    title: str
    parties: list[str]
    purposes: list[Purpose]
    case_kinds: list[CaseKind]
    art6_basis: Art6Basis
    review_date: date
    dpia_ref: str | None
    created_at: datetime
    overdue: bool = Field(description="past its review date: it covers nothing until renewed")


class AgreementList(Output):
    agreements: list[AgreementOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


# --- the disclosure report -------------------------------------------------------------------------

class ReportQuery(Query):
    start: date = Field(alias="from", description="first day of the period (YYYY-MM-DD)")
    end: date = Field(alias="to", description="last day of the period, at most five years on")


class DisclosureReportOut(Output):
    """Figures only: no personal data, no case reference."""

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    total: int
    by_outcome: dict[str, int]
    by_basis: dict[str, int] = Field(description="by Art 6 basis; `none` for Part 3 and not shared")
    by_purpose: dict[str, int]
    by_agency: dict[str, int] = Field(description="by the deciding agency's code")
    without_consent: int = Field(description="decisions to share made without consent in hand")
    without_consent_reviewed: int = Field(description="of those, how many IG has reviewed")
    without_consent_share: float | None = Field(description="without_consent / total; null if none")
