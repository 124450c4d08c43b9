"""Consent records: record, list, withdraw (DOMAIN.md §6; UK GDPR Art 7(3))."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import ConsentRecord
from consent.rules import (
    ConsentIn,
    ConsentMethod,
    ConsentRecordStatus,
    ConsentView,
    Purpose,
    validate_consent,
    why_consent_is_not_in_force,
)
from consent.services.common import blank_to_none, texts_binding
from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.audit.services import record
from hub.cases.services import read_subject
from hub.crypto.envelope import Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.text import stored_text_problems

TABLE = "consent_records"
_TEXT_FIELDS = ("best_interests", "information_given", "obtained_by", "desired_outcomes")


@dataclass(frozen=True)
class Consent:
    """A consent record as its readers see it: the row, its decrypted free text, and whether it
    can be a basis for sharing now (``not_in_force`` says why not)."""

    row: ConsentRecord
    texts: dict[str, Any]
    not_in_force: str | None

    @property
    def effective_status(self) -> str:
        """``expired`` is read from ``valid_until``, never stored."""
        if self.row.status == ConsentRecordStatus.ACTIVE and self.not_in_force is not None \
                and self.row.valid_until is not None and self.row.withdrawn_at is None:
            return str(ConsentRecordStatus.EXPIRED)
        return self.row.status


def consent_view(row: ConsentRecord) -> ConsentView:
    """What rule 7 is shown of a stored record."""
    return ConsentView(
        status=ConsentRecordStatus(row.status), valid_from=row.valid_from, valid_until=row.valid_until,
        purposes=frozenset(Purpose(p) for p in row.purposes), agencies=tuple(row.agencies),
        withdrawn_at=row.withdrawn_at,
    )


def _open(db: Session, envelope: Envelope, row: ConsentRecord, now: datetime) -> Consent:
    texts = envelope.decrypt_json(db, row.texts_ciphertext,
                                  texts_binding(TABLE, row.id, row.case_id, row.texts_version))
    return Consent(row, texts, why_consent_is_not_in_force(consent_view(row), now))


def record_consent(db: Session, actor: Actor, case_id: uuid.UUID, data: ConsentIn, *,
                   envelope: Envelope, now: datetime) -> Consent:
    """Record a consent for a case's subject: every consent rule at once (422 by field), the free
    text encrypted, audited in the same transaction."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CONSENT_RECORD)
    born = read_subject(db, case, envelope).date_of_birth
    problems = {
        **stored_text_problems({"agencies": (data.agencies, 200),
                                "data_categories": (data.data_categories, 200)}),
        **validate_consent(data, subject_born=born, now=now),
    }
    if problems:
        raise ValidationFailed(problems)
    assert data.given_by is not None
    assert data.obtained_at is not None
    row = ConsentRecord(
        id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id,
        given_by=data.given_by, gillick_competent=data.gillick_competent,
        capacity_assessed=data.capacity_assessed,
        capacity_outcome=data.capacity_outcome, consent_type=data.consent_type,
        purposes=[str(p) for p in dict.fromkeys(data.purposes)],
        agencies=[a.strip() for a in dict.fromkeys(data.agencies)],
        data_categories=[c.strip() for c in data.data_categories if c.strip()],
        method=data.method, advocate_present=data.advocate_present,
        obtained_at=data.obtained_at, valid_from=data.valid_from or data.obtained_at,
        valid_until=data.valid_until, status=ConsentRecordStatus.ACTIVE, texts_version=1,
        recorded_at=now, recorded_by_id=actor.user.id,
    )
    texts: dict[str, Any] = {name: blank_to_none(getattr(data, name)) for name in _TEXT_FIELDS}
    texts["exclusions"] = [e.strip() for e in data.exclusions if e.strip()]
    row.texts_ciphertext = envelope.encrypt_json(db, texts, texts_binding(TABLE, row.id, case.id),
                                                 case_uuid=case.id, now=now)
    db.add(row)
    db.flush()
    record(db, actor, "consent.record", now=now, object_type="consent", object_id=row.id,
           case_id=case.id, details={"purposes": row.purposes, "given_by": row.given_by})
    return Consent(row, texts, why_consent_is_not_in_force(consent_view(row), now))



def list_consents(db: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope,
                  now: datetime, limit: int = 50, offset: int = 0) -> list[Consent]:
    """A case's consent records, newest first, decrypted (the read is audited)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CONSENT_READ)
    rows = db.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case.id)
                      .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id)
                      .limit(limit).offset(offset)).all()
    record(db, actor, "consent.list", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"count": len(rows)})
    return [_open(db, envelope, row, now) for row in rows]


def case_consent(db: Session, case_id: uuid.UUID, consent_id: uuid.UUID) -> ConsentRecord | None:
    """The case's consent record of that id (None if it is another case's or none): callers have
    already checked the case through the access policy."""
    row = db.get(ConsentRecord, consent_id)
    return row if row is not None and row.case_id == case_id else None


def withdraw_consent(db: Session, actor: Actor, case_id: uuid.UUID, consent_id: uuid.UUID, *,
                     channel: ConsentMethod, envelope: Envelope, now: datetime) -> Consent:
    """Withdraw a consent (UK GDPR Art 7(3)): from now on it is never again a basis for sharing.
    Withdrawing twice answers 409; the first withdrawal's time and channel stay."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CONSENT_RECORD)
    row = db.scalars(select(ConsentRecord).where(ConsentRecord.id == consent_id,
                                                 ConsentRecord.case_id == case.id)
                     .with_for_update()).first()
    if row is None:
        raise NotFound("No such consent record on this case")
    if row.withdrawn_at is not None:
        raise Conflict("This consent has already been withdrawn")
    row.status = ConsentRecordStatus.WITHDRAWN
    row.withdrawn_at = now
    row.withdrawal_channel = channel
    row.withdrawn_by_id = actor.user.id
    db.flush()
    record(db, actor, "consent.withdraw", now=now, object_type="consent", object_id=row.id,
           case_id=case.id, details={"channel": str(channel)})
    return _open(db, envelope, row, now)
