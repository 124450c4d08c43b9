"""Builders of valid rule inputs: each test starts from one of these and breaks exactly one rule."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from consent.rules import (
    AdviceSought,
    Art6Basis,
    Art9Condition,
    ConfidentialityOverride,
    ConsentGivenBy,
    ConsentIn,
    ConsentMethod,
    ConsentRecordStatus,
    ConsentStatus,
    ConsentType,
    ConsentView,
    DeciderContext,
    DecisionIn,
    Direction,
    LegalPower,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    SubjectCategory,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CASE = uuid.UUID("6b0f7c2e-0c55-4d1e-9a57-5b0c1e2d3f40")
OTHER_CASE = uuid.UUID("0a9d2d0e-77b4-4f6f-8d0e-3a7c9b1e5f21")
CONSENT_ID = uuid.UUID("c3f1a2b4-5d6e-4f70-8192-a3b4c5d6e7f8")
ADULT_BORN = date(1988, 5, 2)
CHILD_BORN = date(2012, 3, 1)  # 14 on NOW

NHS_TRUST = DeciderContext(agency_code="NHS-NS", public_authority_in_functions=True)
CHARITY = DeciderContext(agency_code="VS-NWA", public_authority_in_functions=False)


def valid_decision(**changes: Any) -> DecisionIn:
    """A trust's decision to share with the police, without seeking consent, to protect an adult at
    risk (UK GDPR public task, Art 9(2)(g), Sch 1 para 18): every rule holds."""
    decision = DecisionIn(
        case_id=CASE,
        subject_category=SubjectCategory.ADULT_AT_RISK,
        direction=Direction.ON_REQUEST,
        requesting_org="Northshire Police",
        purpose=Purpose.SAFEGUARD_ADULT_AT_RISK,
        regime=Regime.UK_GDPR,
        art6_basis=Art6Basis.PUBLIC_TASK,
        special_category=True,
        art9_condition=Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST,
        sch1_condition=Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK,
        legal_power=LegalPower.CARE_ACT_2014_S42,
        confidential=True,
        confidentiality_override=ConfidentialityOverride.PUBLIC_INTEREST,
        consent_status=ConsentStatus.NOT_SOUGHT,
        no_consent_reason=NoConsentReason.WOULD_PREJUDICE_PROTECTION,
        public_interest_rationale="Risk of serious harm from the man he lives with outweighs confidence",
        subject_informed=False,
        not_informed_reason="Telling him now would alert the person harming him",
        necessity="The police cannot assess the risk without the injuries we saw",
        proportionality="Only the injuries and dates; not sharing leaves him at risk tonight",
        outcome=Outcome.SHARE_PARTIAL_MINIMISED,
        rationale="Injuries consistent with assault; he is afraid to go home",
        recipients=("Northshire Police",),
        items_shared=("Injuries seen on 20 November", "Dates of the last three visits"),
        advice_sought=frozenset({AdviceSought.SAFEGUARDING_LEAD}),
        decided_at=NOW - timedelta(hours=1),
        decision_maker="Sam Okafor",
        decision_maker_role="Safeguarding lead nurse",
    )
    return replace(decision, **changes)


def consented_decision(**changes: Any) -> DecisionIn:
    """A MARAC share on the person's explicit consent (Art 6(1)(a), Art 9(2)(a)), relying on
    :func:`active_consent`: every rule holds."""
    decision = valid_decision(
        purpose=Purpose.MARAC,
        art6_basis=Art6Basis.CONSENT,
        art9_condition=Art9Condition.EXPLICIT_CONSENT,
        sch1_condition=None,
        confidentiality_override=ConfidentialityOverride.CONSENT,
        consent_status=ConsentStatus.OBTAINED,
        consent_id=CONSENT_ID,
        no_consent_reason=None,
        public_interest_rationale=None,
        subject_informed=True,
        not_informed_reason=None,
        recipients=("Northshire Police", "Northshire Women's Aid"),
    )
    return replace(decision, **changes)


def active_consent(**changes: Any) -> ConsentView:
    """Consent in force from a month ago for six months, for MARAC and safeguarding, to two
    named organisations."""
    consent = ConsentView(
        status=ConsentRecordStatus.ACTIVE,
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=180),
        purposes=frozenset({Purpose.MARAC, Purpose.SAFEGUARD_ADULT_AT_RISK}),
        agencies=("Northshire Police", "Northshire Women's Aid"),
    )
    return replace(consent, **changes)


def valid_consent_record(**changes: Any) -> ConsentIn:
    """An adult's own written, explicit consent, obtained this morning, for six months."""
    consent = ConsentIn(
        given_by=ConsentGivenBy.SELF,
        consent_type=ConsentType.EXPLICIT,
        purposes=(Purpose.MARAC,),
        data_categories=("health", "housing"),
        agencies=("Northshire Police", "Northshire Women's Aid"),
        exclusions=("Her mental health history before 2020",),
        information_given="What MARAC is, who attends, what will be shared and how to withdraw",
        method=ConsentMethod.WRITTEN,
        obtained_at=NOW - timedelta(hours=3),
        obtained_by="Sam Okafor",
        valid_until=NOW + timedelta(days=180),
        desired_outcomes="To stay in her home safely",
        advocate_present=True,
    )
    return replace(consent, **changes)


def apply_rule(rule: Callable[..., dict[str, str]], decision: DecisionIn, *,
               consent: ConsentView | None = None, decider: DeciderContext = NHS_TRUST,
               now: datetime = NOW) -> dict[str, str]:
    """Call one rule with whichever of consent, decider and now it asks for."""
    offered = {"consent": consent, "decider": decider, "now": now}
    wanted = inspect.signature(rule).parameters
    return rule(decision, **{name: value for name, value in offered.items() if name in wanted})
