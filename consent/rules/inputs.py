"""What the rules are shown: plain frozen values, already parsed (no database rows, no requests).

Field names are DESIGN.md §4's, so a problem keyed by a field name is the API's and the form's key.
Free text is ``str | None``: absent and blank are the same to the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from consent.rules.vocabulary import (
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


@dataclass(frozen=True, kw_only=True)
class DecisionIn:
    """A disclosure decision as submitted (DOMAIN.md §6); the decision-maker is the caller."""

    case_id: UUID
    subject_category: SubjectCategory
    direction: Direction
    purpose: Purpose
    regime: Regime
    outcome: Outcome
    consent_status: ConsentStatus
    special_category: bool
    confidential: bool
    subject_informed: bool
    requesting_org: str | None = None
    art6_basis: Art6Basis | None = None
    art9_condition: Art9Condition | None = None
    sch1_condition: Sch1Condition | None = None
    sch8_condition: Sch8Condition | None = None
    legal_power: LegalPower | None = None
    confidentiality_override: ConfidentialityOverride | None = None
    consent_id: UUID | None = None
    no_consent_reason: NoConsentReason | None = None
    public_interest_rationale: str | None = None
    not_informed_reason: str | None = None
    necessity: str | None = None
    proportionality: str | None = None
    rationale: str | None = None
    recipients: tuple[str, ...] = ()
    items_shared: tuple[str, ...] = ()
    advice_sought: frozenset[AdviceSought] = frozenset()
    decided_at: datetime | None = None
    decision_maker: str | None = None
    decision_maker_role: str | None = None
    supersedes: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ConsentView:
    """What rule 7 needs of the consent record a decision relies on; ``valid_until`` is the first
    instant it no longer holds (None: until withdrawn)."""

    status: ConsentRecordStatus
    valid_from: datetime
    valid_until: datetime | None
    purposes: frozenset[Purpose]
    agencies: tuple[str, ...]
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DeciderContext:
    """Who decides: their agency's code, and whether that agency is a public authority acting in
    its functions (UK GDPR Art 6(1) last sentence; DPA 2018 s7)."""

    agency_code: str
    public_authority_in_functions: bool


@dataclass(frozen=True, kw_only=True)
class EarlierDecision:
    """The decision a correction names in ``supersedes``, as plain values."""

    case_id: UUID
    superseded: bool


@dataclass(frozen=True, kw_only=True)
class ConsentIn:
    """A consent record as submitted (DOMAIN.md §6 "A consent record holds"); ``valid_from`` None
    means from ``obtained_at``."""

    given_by: ConsentGivenBy | None
    purposes: tuple[Purpose, ...]
    agencies: tuple[str, ...]
    obtained_at: datetime | None
    gillick_competent: bool | None = None
    capacity_assessed: bool = False
    capacity_outcome: CapacityOutcome | None = None
    best_interests: str | None = None
    consent_type: ConsentType | None = None
    data_categories: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    information_given: str | None = None
    method: ConsentMethod | None = None
    obtained_by: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    desired_outcomes: str | None = None
    advocate_present: bool | None = None
