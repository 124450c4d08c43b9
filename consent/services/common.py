"""What the consent services share: sealing free text, the public-authority test, the policy date."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.agencies.models import Agency, AgencyKind
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope

TEXTS = "texts"

# Agencies that are public authorities acting in their functions whenever they share through the
# hub (UK GDPR Art 6(1) last sentence; DPA 2018 s7 and FOIA Sch 1). IDVA services, housing
# providers and "other" agencies are often charities or housing associations, so legitimate
# interests stays open to them (rule 3 refuses it only for public authorities).
PUBLIC_AUTHORITY_KINDS = frozenset({
    AgencyKind.POLICE, AgencyKind.NHS_MENTAL_HEALTH, AgencyKind.NHS_ACUTE, AgencyKind.PRIMARY_CARE,
    AgencyKind.COUNCIL_ADULTS, AgencyKind.COUNCIL_CHILDREN, AgencyKind.PROBATION, AgencyKind.PRISON,
    AgencyKind.EDUCATION,
})


def is_public_authority(agency: Agency) -> bool:
    return agency.kind in PUBLIC_AUTHORITY_KINDS


def texts_binding(table: str, row_id: uuid.UUID, case_id: uuid.UUID, version: int = 1,
                  column: str = TEXTS) -> Binding:
    """Where a row's encrypted free text lives (its AEAD associated data)."""
    return Binding(table, column, str(row_id), str(case_id), version)


def seal(db: Session, envelope: Envelope, binding: Binding, values: dict[str, Any], *,
         case_id: uuid.UUID, now: datetime) -> bytes:
    """Encrypt a row's free text, one JSON object under a fresh data key (invariant 4)."""
    plaintext = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return envelope.encrypt(db, plaintext, binding, case_uuid=case_id, now=now)


def unseal(db: Session, envelope: Envelope, binding: Binding, blob: bytes) -> dict[str, Any]:
    """Decrypt what :func:`seal` wrote; a failed tag raises DecryptionError (never caught here)."""
    values = json.loads(envelope.decrypt(db, blob, binding))
    assert isinstance(values, dict)
    return values


def local_today(policy: Policy, now: datetime) -> date:
    """The date in the policy's time zone (an agreement's review date is a local date)."""
    return policy.local_date(now)


def blank_to_none(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None
