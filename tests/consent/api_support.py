"""Valid request bodies for the consent API (each test starts from one and changes what it
tests), and records that only time can make (an expired consent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consent.models import ConsentRecord
from consent.rules import Purpose
from consent.services import consents as consent_services
from hub.actor import Actor
from hub.agencies.models import User
from hub.cases.models import Case
from hub.db import utcnow
from tests.conftest import Factory
from tests.support.factories.consent import valid_consent

RATIONALE = "Bruising seen on both arms; she is afraid of the man she lives with"


def decision_body(**changes: Any) -> dict[str, Any]:
    """A public authority's decision to share with a named organisation, without seeking consent,
    to protect an adult at risk (public task, Art 9(2)(g), Sch 1 para 18): every rule holds.
    A key changed to ``None`` is left out of the body."""
    body: dict[str, Any] = {
        "subject_category": "adult_at_risk",
        "direction": "on_request",
        "requesting_org": "Northshire Police Public Protection Unit",
        "requester": "DC Lee Marsh, public protection unit",
        "date_received": (utcnow() - timedelta(days=1)).date().isoformat(),
        "information_requested": "Injuries seen at the last two visits",
        "purpose": "safeguard_adult_at_risk",
        "regime": "uk_gdpr",
        "art6_basis": "public_task",
        "special_category": True,
        "art9_condition": "9_2_g",
        "sch1_condition": "para_18",
        "legal_power": "care_act_2014_s42",
        "confidential": True,
        "confidentiality_override": "public_interest",
        "consent_status": "not_sought",
        "no_consent_reason": "would_prejudice_protection",
        "public_interest_rationale": "Risk of serious harm outweighs the duty of confidence",
        "subject_informed": False,
        "not_informed_reason": "Telling her now would alert the man harming her",
        "subject_views": "She has said she wants to stay at home",
        "necessity": "The police cannot assess the risk without what we saw",
        "proportionality": "Only injuries and dates; not sharing leaves her at risk tonight",
        "minimised": "Her medical history is left out",
        "quality_checks": ["necessary", "proportionate", "relevant", "adequate", "accurate",
                           "timely", "secure"],
        "outcome": "share_partial_minimised",
        "rationale": RATIONALE,
        "recipients": ["Northshire Police"],
        "items_shared": ["Injuries seen on 20 November", "Dates of the last two visits"],
        "advice_sought": ["safeguarding_lead"],
        "channel": "secure e-mail",
        "security_marking": "OFFICIAL-SENSITIVE",
        "dsa_ref": "DSA-2026-04",
        "dpia_ref": "DPIA-17",
        "review_date": (utcnow() + timedelta(days=90)).date().isoformat(),
        "decided_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        "decision_maker_role": "Safeguarding lead nurse",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def consented_body(consent_id: str, **changes: Any) -> dict[str, Any]:
    """A share for direct care on the person's consent (Art 6(1)(a)), not special category, with
    the organisation the consent names: every rule holds if ``consent_id`` is in force."""
    return decision_body(**{
        "purpose": "direct_care", "art6_basis": "consent", "special_category": False,
        "art9_condition": None, "sch1_condition": None, "confidentiality_override": "consent",
        "consent_status": "obtained", "consent_id": consent_id, "no_consent_reason": None,
        "public_interest_rationale": None, "subject_informed": True, "not_informed_reason": None,
        "recipients": ["Northshire Health Trust"], **changes,
    })


def consent_body(**changes: Any) -> dict[str, Any]:
    """An adult's own explicit consent, obtained an hour ago, for six months."""
    body: dict[str, Any] = {
        "given_by": "self",
        "consent_type": "explicit",
        "purposes": ["direct_care", "safeguard_adult_at_risk"],
        "agencies": ["Northshire Health Trust"],
        "data_categories": ["health"],
        "exclusions": ["Her history before 2020"],
        "information_given": "What will be shared, with whom and why, and how to withdraw",
        "method": "written",
        "obtained_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "obtained_by": "Sam Okafor",
        "valid_until": (utcnow() + timedelta(days=180)).isoformat(),
        "desired_outcomes": "To stay in her home safely",
        "advocate_present": False,
        "capacity_assessed": False,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def agreement_body(*parties: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Northshire safeguarding adults agreement",
        "parties": list(parties),
        "purposes": ["safeguard_adult_at_risk"],
        "case_kinds": ["adult"],
        "art6_basis": "public_task",
        "review_date": (utcnow() + timedelta(days=365)).date().isoformat(),
        "dpia_ref": "DPIA-3",
    }
    body.update(changes)
    return body


def expired_consent(make: Factory, user: User, case: Case) -> ConsentRecord:
    """A consent recorded three days ago that ended yesterday (for direct care, to the
    organisation :func:`consented_body` shares with)."""
    then = utcnow() - timedelta(days=3)
    found = consent_services.record_consent(
        make.session, Actor(user, "test"), case.id,
        valid_consent((Purpose.DIRECT_CARE,), ("Northshire Health Trust",),
                      obtained_at=then - timedelta(hours=1), valid_until=then + timedelta(days=2)),
        envelope=make.envelope, now=then)
    make.session.commit()
    return found.row
