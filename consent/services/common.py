"""What the consent services share: sealing free text, the public-authority test, the policy date."""

from __future__ import annotations

import uuid

from hub.agencies.models import Agency, AgencyKind
from hub.crypto.envelope import Binding

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


def blank_to_none(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None
