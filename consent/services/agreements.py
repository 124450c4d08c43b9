"""The information-sharing agreements register (ICO data sharing code): administrators record
agreements; everyone signed in reads them; past its review date an agreement covers nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import SharingAgreement, SharingAgreementParty
from consent.rules import Art6Basis, Purpose
from consent.services.common import blank_to_none
from hub.access import Permission, check
from hub.actor import Actor
from hub.agencies.models import Agency
from hub.audit.services import record
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.errors import ValidationFailed


@dataclass(frozen=True, kw_only=True)
class AgreementIn:
    title: str
    parties: tuple[str, ...]
    purposes: tuple[Purpose, ...]
    case_kinds: tuple[CaseKind, ...]
    art6_basis: Art6Basis
    review_date: date
    dpia_ref: str | None = None


@dataclass(frozen=True)
class Agreement:
    row: SharingAgreement
    overdue: bool

    @property
    def parties(self) -> list[str]:
        return self.row.party_codes


def is_in_force(agreement: SharingAgreement, today: date) -> bool:
    """An agreement covers sharing up to and including its review date, never after."""
    return agreement.review_date >= today


def record_agreement(db: Session, actor: Actor, data: AgreementIn, *, policy: Policy,
                     now: datetime) -> Agreement:
    """Add an agreement to the register (administrators); every problem at once, by field."""
    assert actor.user is not None
    check(actor.user, Permission.AGREEMENT_MANAGE)
    problems: dict[str, str] = {}
    title = blank_to_none(data.title)
    if title is None:
        problems["title"] = "Give the agreement's title"
    codes = list(dict.fromkeys(code.strip() for code in data.parties))
    found = {a.code: a for a in db.scalars(select(Agency).where(Agency.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        problems["parties"] = f"Unknown agency code: {', '.join(sorted(unknown))}"
    elif len(found) < 2:
        problems["parties"] = "An agreement is between at least two agencies"
    if not data.purposes:
        problems["purposes"] = "Choose at least one purpose the agreement covers"
    if not data.case_kinds:
        problems["case_kinds"] = "Choose at least one kind of case the agreement covers"
    today = policy.local_date(now)
    if data.review_date < today:
        problems["review_date"] = "The review date must be today or later"
    if data.art6_basis == Art6Basis.CONSENT:
        problems["art6_basis"] = ("An agreement cannot rest on consent, which each person gives for "
                                  "themselves: record their consent on their case instead")
    if problems:
        raise ValidationFailed(problems)
    row = SharingAgreement(
        id=uuid.uuid4(), title=title, purposes=[str(p) for p in dict.fromkeys(data.purposes)],
        case_kinds=[str(k) for k in dict.fromkeys(data.case_kinds)], art6_basis=data.art6_basis,
        review_date=data.review_date, dpia_ref=blank_to_none(data.dpia_ref), created_at=now,
        created_by_id=actor.user.id,
    )
    db.add(row)
    db.flush()
    for code in codes:
        db.add(SharingAgreementParty(agreement_id=row.id, agency_id=found[code].id))
    db.flush()
    db.refresh(row, ["parties"])
    record(db, actor, "agreement.record", now=now, object_type="agreement", object_id=row.id,
           details={"parties": codes, "case_kinds": row.case_kinds})
    return Agreement(row, overdue=False)


def list_agreements(db: Session, actor: Actor, *, policy: Policy, now: datetime,
                    limit: int = 50, offset: int = 0) -> list[Agreement]:
    """The register, soonest review first; overdue ones marked."""
    assert actor.user is not None
    check(actor.user, Permission.AGREEMENT_READ)
    today = policy.local_date(now)
    rows = db.scalars(select(SharingAgreement)
                      .order_by(SharingAgreement.review_date, SharingAgreement.title, SharingAgreement.id)
                      .limit(limit).offset(offset)).all()
    return [Agreement(row, overdue=not is_in_force(row, today)) for row in rows]


def covering_agreements(db: Session, first: int, second: int, kind: str, *,
                        today: date) -> tuple[list[SharingAgreement], list[SharingAgreement]]:
    """Agreements between two agencies: (those in force covering ``kind``, the others between
    them), so a refusal can say why an existing agreement does not cover the case."""
    mine = select(SharingAgreementParty.agreement_id).where(SharingAgreementParty.agency_id == first)
    theirs = select(SharingAgreementParty.agreement_id).where(SharingAgreementParty.agency_id == second)
    rows = db.scalars(select(SharingAgreement).where(SharingAgreement.id.in_(mine),
                                                     SharingAgreement.id.in_(theirs))).all()
    covering = [r for r in rows if kind in r.case_kinds and is_in_force(r, today)]
    return covering, [r for r in rows if r not in covering]
