"""Membership is sharing: the ground on which an agency may join a case (hub.cases.admission).

Either a disclosure decision recorded by the case's lead agency (any outcome but
``do_not_share``, the new agency among its recipients, not superseded, made within the policy's
``membership_decision_days``), or an information-sharing agreement in force between the lead
agency and the new one that covers the case's kind. Without either the admission is refused
(409), saying what is missing; with one, the membership row is linked to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from consent.models import AdmissionGround, DisclosureDecision, SharingAgreement
from consent.rules import Outcome
from consent.rules.common import organisation_key
from consent.services.agreements import covering_agreements
from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.admission import Admission
from hub.cases.models import Case, CaseMembership
from hub.config import Policy
from hub.errors import Conflict

_Later = aliased(DisclosureDecision)


def _admitting_decision(db: Session, case: Case, agency: Agency, *, policy: Policy,
                        now: datetime) -> tuple[uuid.UUID | None, bool]:
    """The newest decision admitting the agency, and whether an older one would have."""
    names = {organisation_key(agency.code), organisation_key(agency.name)}
    rows = db.execute(
        select(DisclosureDecision.id, DisclosureDecision.recipients, DisclosureDecision.decided_at)
        .outerjoin(_Later, _Later.supersedes_id == DisclosureDecision.id)
        .where(DisclosureDecision.case_id == case.id,
               DisclosureDecision.agency_id == case.lead_agency_id,
               DisclosureDecision.outcome != Outcome.DO_NOT_SHARE,
               _Later.id.is_(None))
        .order_by(DisclosureDecision.decided_at.desc())
    ).all()
    since = now - timedelta(days=policy.membership_decision_days)
    stale = False
    for decision_id, recipients, decided_at in rows:
        if not any(organisation_key(r) in names for r in recipients):
            continue
        if decided_at >= since:
            return decision_id, stale
        stale = True
    return None, stale


def membership_ground(db: Session, case: Case, agency: Agency, *, policy: Policy,
                      now: datetime) -> Admission:
    """The hub.cases.admission check of the consent package."""
    decision_id, stale = _admitting_decision(db, case, agency, policy=policy, now=now)
    if decision_id is not None:
        return Admission({"ground": "disclosure", "decision": str(decision_id)},
                         _link(case.id, decision_id=decision_id))
    covering, others = covering_agreements(db, case.lead_agency_id, agency.id, case.kind,
                                           today=policy.local_date(now))
    if covering:
        agreement = covering[0]
        return Admission({"ground": "agreement", "agreement": str(agreement.id)},
                         _link(case.id, agreement_id=agreement.id))
    lead = case.lead_agency.code
    days = policy.membership_decision_days
    missing_decision = (
        f"the decision naming {agency.code} is more than {days} days old: record a new one"
        if stale else
        f"no disclosure decision by {lead} in the last {days} days names {agency.code} as a recipient"
    )
    if others:
        missing_agreement = (f"the agreements between {lead} and {agency.code} do not cover "
                             f"{case.kind} cases or are past their review date")
    else:
        missing_agreement = f"there is no information-sharing agreement between {lead} and {agency.code}"
    raise Conflict(f"{agency.code} cannot join this case: {missing_decision}, and "
                   f"{missing_agreement}. Record a disclosure decision to share with {agency.code}, "
                   "or ask an administrator about an agreement.")


def _link(case_id: uuid.UUID, *, decision_id: uuid.UUID | None = None,
          agreement_id: uuid.UUID | None = None) -> Callable[[Session, int], None]:
    def record(db: Session, membership_id: int) -> None:
        db.add(AdmissionGround(membership_id=membership_id, case_id=case_id,
                               decision_id=decision_id, agreement_id=agreement_id))
        db.flush()

    return record


_AddedBy = aliased(User)
_RemovedBy = aliased(User)


def membership_history(db: Session, actor: Actor, case_id: uuid.UUID, *, now: datetime) -> list[Any]:
    """Every membership of the case, oldest first, with who added and removed it and the ground
    it was admitted on (the decision, or the agreement's title); the read is audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CASE_READ)
    rows = db.execute(
        select(CaseMembership, _AddedBy.name, _RemovedBy.name, AdmissionGround, SharingAgreement.title)
        .join(_AddedBy, _AddedBy.id == CaseMembership.added_by_id)
        .outerjoin(_RemovedBy, _RemovedBy.id == CaseMembership.removed_by_id)
        .outerjoin(AdmissionGround, AdmissionGround.membership_id == CaseMembership.id)
        .outerjoin(SharingAgreement, SharingAgreement.id == AdmissionGround.agreement_id)
        .where(CaseMembership.case_id == case.id)
        .order_by(CaseMembership.added_at, CaseMembership.id)
    ).all()
    record(db, actor, "case.membership_history.read", now=now, object_type="case",
           object_id=case.id, case_id=case.id, details={"count": len(rows)})
    return list(rows)
