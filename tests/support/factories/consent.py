"""Consent records, disclosure decisions and sharing agreements for tests, through the real
consent services (so every record passes the rules a user's would)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from consent.models import ConsentRecord, DisclosureDecision, SharingAgreement
from consent.rules import (
    Art6Basis,
    Art9Condition,
    ConsentGivenBy,
    ConsentIn,
    ConsentMethod,
    ConsentStatus,
    ConsentType,
    DecisionIn,
    Direction,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    SubjectCategory,
)
from consent.services import agreements as agreement_services
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.db import utcnow
from tests.support.factories.core import Factory


def sharing_decision(case_id: uuid.UUID, recipients: tuple[str, ...], **changes: Any) -> DecisionIn:
    """A decision to share with ``recipients`` that satisfies every rule: an adult at risk,
    public task, Art 9(2)(g) with Sch 1 para 18, consent not sought because asking would put the
    person's protection at risk, the person not told for the same reason."""
    decision = DecisionIn(
        case_id=case_id, subject_category=SubjectCategory.ADULT_AT_RISK, direction=Direction.PROACTIVE,
        purpose=Purpose.SAFEGUARD_ADULT_AT_RISK, regime=Regime.UK_GDPR, art6_basis=Art6Basis.PUBLIC_TASK,
        special_category=True, art9_condition=Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST,
        sch1_condition=Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK,
        confidential=True, consent_status=ConsentStatus.NOT_SOUGHT,
        no_consent_reason=NoConsentReason.WOULD_PREJUDICE_PROTECTION,
        public_interest_rationale="Risk of serious harm outweighs the duty of confidence",
        subject_informed=False, not_informed_reason="Telling them would increase the risk",
        necessity="Needed to plan the protection", proportionality="Only the risk summary is shared",
        outcome=Outcome.SHARE_PARTIAL_MINIMISED, rationale="Shared to protect an adult at risk",
        recipients=recipients, items_shared=("Risk summary",),
    )
    return replace(decision, **changes)


def valid_consent(purposes: tuple[Purpose, ...], agencies: tuple[str, ...], *,
                  obtained_at: datetime | None = None, **changes: Any) -> ConsentIn:
    consent = ConsentIn(
        given_by=ConsentGivenBy.SELF, purposes=purposes, agencies=agencies,
        obtained_at=obtained_at or utcnow() - timedelta(hours=1), consent_type=ConsentType.EXPLICIT,
        information_given="What will be shared, with whom and why", method=ConsentMethod.VERBAL,
        obtained_by="Person Recording", capacity_assessed=False,
    )
    return replace(consent, **changes)


@dataclass
class ConsentFactory:
    """Builds consent records, decisions and agreements on top of the core :class:`Factory`."""

    make: Factory

    def decision(self, user: User, case: Case, *, recipients: tuple[str, ...] = (),
                 **changes: Any) -> DisclosureDecision:
        found = decision_services.record_decision(
            self.make.session, Actor(user, "test"), case.id,
            sharing_decision(case.id, recipients, **changes),
            envelope=self.make.envelope, now=utcnow())
        self.make.session.commit()
        return found.row

    def consent(self, user: User, case: Case, *, purposes: tuple[Purpose, ...] = (Purpose.DIRECT_CARE,),
                agencies: tuple[str, ...] = ("Northshire Health Trust",), **changes: Any) -> ConsentRecord:
        found = consent_services.record_consent(
            self.make.session, Actor(user, "test"), case.id, valid_consent(purposes, agencies, **changes),
            envelope=self.make.envelope, now=utcnow())
        self.make.session.commit()
        return found.row

    def agreement(self, *parties: Agency, kinds: tuple[CaseKind, ...] = tuple(CaseKind),
                  review_date: date | None = None, title: str = "Safeguarding partnership agreement",
                  ) -> SharingAgreement:
        """An agreement in force between ``parties`` covering ``kinds`` (every kind by default),
        recorded by an administrator of the first party."""
        admin = self.make.user(parties[0], "admin")
        found = agreement_services.record_agreement(
            self.make.session, Actor(admin, "test"), agreement_services.AgreementIn(
                title=title, parties=tuple(p.code for p in parties),
                purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK, Purpose.SAFEGUARD_CHILD, Purpose.MARAC),
                case_kinds=kinds, art6_basis=Art6Basis.PUBLIC_TASK,
                review_date=review_date or utcnow().date() + timedelta(days=365), dpia_ref="DPIA-1"),
            policy=Policy(), now=utcnow())
        self.make.session.commit()
        return found.row
