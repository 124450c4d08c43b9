"""Disclosure decisions: record (rules 1-10), list, read one with its chain (DOMAIN.md §6).

A decision is never changed once recorded: a correction is a new decision naming the one it
supersedes, and both stay readable with the chain shown. The free text (rationale, necessity,
proportionality, public-interest rationale, subject's views and the rest) is one encrypted value.
"""

from __future__ import annotations

import dataclasses
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from consent.models import DisclosureDecision, DisclosureReview
from consent.rules import (
    ConsentStatus,
    DeciderContext,
    DecisionIn,
    EarlierDecision,
    merge_problems,
    records_a_share,
    supersession_problems,
    validate_decision,
)
from consent.services.common import blank_to_none, is_public_authority, texts_binding
from consent.services.consents import case_consent, consent_view
from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.text import stored_text_problems

TABLE = "disclosure_decisions"
# A name in a plain list (a recipient), as long as the API's names.
_NAME = 200

# Free text of a decision, in the order a reader meets it; all are encrypted together.
TEXT_FIELDS = (
    "decision_maker", "requesting_org", "requester", "information_requested", "rationale",
    "necessity", "proportionality", "public_interest_rationale", "not_informed_reason",
    "subject_views", "minimised",
)


@dataclass(frozen=True, kw_only=True)
class DecisionDetails:
    """What a decision records beyond what the rules judge (DOMAIN.md §6): the request, the
    test's working, the quality check and how the share is made."""

    requester: str | None = None
    date_received: date | None = None
    information_requested: str | None = None
    subject_views: str | None = None
    minimised: str | None = None
    quality_checks: tuple[str, ...] = ()
    channel: str | None = None
    security_marking: str | None = None
    dsa_ref: str | None = None
    dpia_ref: str | None = None
    review_date: date | None = None


@dataclass(frozen=True)
class Decision:
    """A decision as its readers see it: the row, its decrypted text and items, the decision
    that corrected it (if any) and its IG review (if any)."""

    row: DisclosureDecision
    texts: dict[str, Any]
    superseded_by: uuid.UUID | None = None
    review: DisclosureReview | None = None
    chain: list[uuid.UUID] = field(default_factory=list)

    @property
    def items_shared(self) -> list[str]:
        return list(self.texts.get("items_shared") or [])


def made_without_consent(decision: DecisionIn) -> bool:
    """Something is shared and consent is not in hand: the deciding agency's IG reviews it."""
    return records_a_share(decision.outcome) and decision.consent_status != ConsentStatus.OBTAINED


def _earlier(db: Session, case_id: uuid.UUID, decision_id: uuid.UUID | None) -> EarlierDecision | None:
    if decision_id is None:
        return None
    row = db.get(DisclosureDecision, decision_id)
    if row is None or row.case_id != case_id:
        return None
    corrected = db.scalar(select(DisclosureDecision.id)
                          .where(DisclosureDecision.supersedes_id == decision_id).limit(1))
    return EarlierDecision(case_id=row.case_id, superseded=corrected is not None)


def decision_problems(db: Session, user: User, case_id: uuid.UUID, decision: DecisionIn, *,
                      now: datetime) -> dict[str, str]:
    """Rules 1-9 for a decision ``user`` would record on the case now: the user is the
    decision-maker and their agency decides; the consent it names is looked up in this case.
    The caller has already fetched the case through the access policy."""
    decision = dataclasses.replace(decision, case_id=case_id, decision_maker=user.name,
                                   decided_at=decision.decided_at or now)
    consent_row = case_consent(db, case_id, decision.consent_id) if decision.consent_id else None
    decider = DeciderContext(agency_code=user.agency.code,
                             public_authority_in_functions=is_public_authority(user.agency))
    problems = validate_decision(decision, consent=consent_view(consent_row) if consent_row else None,
                                 decider=decider, now=now)
    if decision.consent_id is not None and consent_row is None:
        problems.setdefault("consent_id", "Choose a consent record of this case")
    return problems


def _length(name: str) -> int:
    length = cast(String, DisclosureDecision.__table__.c[name].type).length
    assert length is not None
    return length


def _plain_text_problems(decision: DecisionIn, details: DecisionDetails) -> dict[str, str]:
    """The values a decision keeps in plain columns fit them (the free text is encrypted); a
    quality check in its list is as long as a label column."""
    return stored_text_problems({
        "decision_maker_role": (decision.decision_maker_role, _length("decision_maker_role")),
        "recipients": (decision.recipients, _NAME),
        "channel": (details.channel, _length("channel")),
        "security_marking": (details.security_marking, _length("security_marking")),
        "quality_checks": (details.quality_checks, _length("channel")),
        "dsa_ref": (details.dsa_ref, _length("dsa_ref")), "dpia_ref": (details.dpia_ref, _length("dpia_ref")),
    })


def record_decision(db: Session, actor: Actor, case_id: uuid.UUID, decision: DecisionIn,
                    details: DecisionDetails | None = None, *, envelope: Envelope,
                    now: datetime) -> Decision:
    """Record a decision to share or not to share. The caller is the decision-maker; every rule
    is checked at once (422 keyed by field, nothing written); the text is encrypted; audited.
    A correction names ``supersedes``: a decision corrected already answers 422 (409 when two
    corrections of one decision race)."""
    assert actor.user is not None
    details = details or DecisionDetails()
    case = visible_case(db, actor.user, case_id, Permission.DISCLOSURE_RECORD)
    decision = dataclasses.replace(
        decision, case_id=case.id, decision_maker=actor.user.name,
        decided_at=decision.decided_at or now,
    )
    problems = merge_problems(
        decision_problems(db, actor.user, case.id, decision, now=now),
        supersession_problems(decision, _earlier(db, case.id, decision.supersedes)),
        _plain_text_problems(decision, details),
    )
    if problems:
        raise ValidationFailed(problems)
    assert decision.decided_at is not None
    consent_row = case_consent(db, case.id, decision.consent_id) if decision.consent_id else None
    row = DisclosureDecision(
        id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id,
        decided_by_id=actor.user.id, decision_maker_role=blank_to_none(decision.decision_maker_role),
        subject_category=decision.subject_category, direction=decision.direction,
        date_received=details.date_received, purpose=decision.purpose, regime=decision.regime,
        art6_basis=decision.art6_basis, special_category=decision.special_category,
        art9_condition=decision.art9_condition, sch1_condition=decision.sch1_condition,
        sch8_condition=decision.sch8_condition, legal_power=decision.legal_power,
        confidential=decision.confidential, confidentiality_override=decision.confidentiality_override,
        consent_status=decision.consent_status, consent_id=consent_row.id if consent_row else None,
        no_consent_reason=decision.no_consent_reason, subject_informed=decision.subject_informed,
        outcome=decision.outcome,
        recipients=[r.strip() for r in dict.fromkeys(decision.recipients) if r.strip()],
        advice_sought=sorted(str(a) for a in decision.advice_sought),
        quality_checks=list(dict.fromkeys(details.quality_checks)),
        channel=details.channel, security_marking=details.security_marking,
        dsa_ref=blank_to_none(details.dsa_ref), dpia_ref=blank_to_none(details.dpia_ref),
        review_date=details.review_date, supersedes_id=decision.supersedes,
        needs_review=made_without_consent(decision), decided_at=decision.decided_at,
        recorded_at=now, texts_version=1,
    )
    texts: dict[str, Any] = {
        "decision_maker": decision.decision_maker,
        "requesting_org": blank_to_none(decision.requesting_org),
        "requester": blank_to_none(details.requester),
        "information_requested": blank_to_none(details.information_requested),
        "rationale": blank_to_none(decision.rationale),
        "necessity": blank_to_none(decision.necessity),
        "proportionality": blank_to_none(decision.proportionality),
        "public_interest_rationale": blank_to_none(decision.public_interest_rationale),
        "not_informed_reason": blank_to_none(decision.not_informed_reason),
        "subject_views": blank_to_none(details.subject_views),
        "minimised": blank_to_none(details.minimised),
        "items_shared": [i.strip() for i in decision.items_shared if i.strip()],
    }
    db.flush()
    # Only a correction can collide (two corrections of one decision at once: the unique index on
    # supersedes_id keeps the first), so only a correction is written in a savepoint, which takes
    # the row and its data key out of the session if the insert fails and leaves the session
    # usable for the error page. A new decision's row has a fresh id and nothing to collide with.
    with db.begin_nested() if row.supersedes_id is not None else nullcontext():
        try:
            row.texts_ciphertext = envelope.encrypt_json(db, texts, texts_binding(TABLE, row.id, case.id),
                                                         case_uuid=case.id, now=now)
            db.add(row)
            db.flush()
        except IntegrityError:
            if row.supersedes_id is None:
                raise
            raise Conflict("That decision has just been corrected by someone else: "
                           "correct the latest one instead") from None
    record(db, actor, "disclosure.record", now=now, object_type="disclosure", object_id=row.id,
           case_id=case.id, details={
               "outcome": row.outcome, "purpose": row.purpose, "regime": row.regime,
               "art6_basis": row.art6_basis, "consent_status": row.consent_status,
               "supersedes": str(row.supersedes_id) if row.supersedes_id else None,
               "recipients": len(row.recipients),
           })
    return Decision(row, texts, chain=_chain(db, row, just_recorded=True))


def open_decision(db: Session, envelope: Envelope, row: DisclosureDecision) -> dict[str, Any]:
    return envelope.decrypt_json(db, row.texts_ciphertext,
                                 texts_binding(TABLE, row.id, row.case_id, row.texts_version))


_Later = aliased(DisclosureDecision)


def list_decisions(db: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope,
                   now: datetime, limit: int = 50, offset: int = 0) -> list[Decision]:
    """A case's decisions, newest first, each with the decision that corrected it (the read is
    audited: the list shows rationale)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.DISCLOSURE_READ)
    rows = db.execute(
        select(DisclosureDecision, _Later.id, DisclosureReview)
        .outerjoin(_Later, _Later.supersedes_id == DisclosureDecision.id)
        .outerjoin(DisclosureReview, DisclosureReview.decision_id == DisclosureDecision.id)
        .where(DisclosureDecision.case_id == case.id)
        .order_by(DisclosureDecision.decided_at.desc(), DisclosureDecision.recorded_at.desc())
        .limit(limit).offset(offset)
    ).all()
    record(db, actor, "disclosure.list", now=now, object_type="case", object_id=case.id,
           case_id=case.id, details={"count": len(rows)})
    return [Decision(row, open_decision(db, envelope, row), later, review)
            for row, later, review in rows]


def _chain(db: Session, row: DisclosureDecision, *, just_recorded: bool = False) -> list[uuid.UUID]:
    """Every decision of the correction chain ``row`` belongs to, oldest first (a decision
    ``just_recorded`` in this transaction has nothing after it yet: no query looks)."""
    earlier: list[uuid.UUID] = []
    current = row
    while current.supersedes_id is not None and len(earlier) < 1000:
        found = db.get(DisclosureDecision, current.supersedes_id)
        if found is None:
            break
        earlier.insert(0, found.id)
        current = found
    later: list[uuid.UUID] = []
    last = row.id
    while not just_recorded and len(later) < 1000:
        nxt = db.scalar(select(DisclosureDecision.id).where(DisclosureDecision.supersedes_id == last))
        if nxt is None:
            break
        later.append(nxt)
        last = nxt
    return [*earlier, row.id, *later]


def get_decision(db: Session, actor: Actor, case_id: uuid.UUID, decision_id: uuid.UUID, *,
                 envelope: Envelope, now: datetime) -> Decision:
    """One decision with its correction chain (the read is audited); 404 for another case's."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.DISCLOSURE_READ)
    row = db.get(DisclosureDecision, decision_id)
    if row is None or row.case_id != case.id:
        raise NotFound("No such decision on this case")
    later = db.scalar(select(DisclosureDecision.id).where(DisclosureDecision.supersedes_id == row.id))
    review = db.scalar(select(DisclosureReview).where(DisclosureReview.decision_id == row.id))
    record(db, actor, "disclosure.read", now=now, object_type="disclosure", object_id=row.id,
           case_id=case.id)
    return Decision(row, open_decision(db, envelope, row), later, review, _chain(db, row))
