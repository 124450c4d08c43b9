"""Finding the demo's cases by whom they are about (the demo seeds several of each kind)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cases.models import Case, CaseKind
from hub.cases.services import read_subject
from hub.crypto.envelope import Envelope


def demo_case(session: Session, envelope: Envelope, kind: CaseKind, name: str) -> Case:
    """The demo's one case of ``kind`` about ``name`` (its subject decrypted, as the hub reads it)."""
    [found] = [case for case in session.scalars(select(Case).where(Case.kind == kind))
               if read_subject(session, case, envelope).name == name]
    return found
