"""Drafts of the guided disclosure-decision form: what someone has typed so far, encrypted, theirs
alone, kept until the decision is recorded or ``policy.disclosure_draft_hours`` after its last change.

The answers are one JSON object sealed under a binding of table ``disclosure_drafts``, column
``answers`` and version ``answers_version``. Every save seals them under a fresh data key and
deletes the previous one, so an earlier version of what was typed cannot be decrypted again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consent.models import DisclosureDraft
from consent.services.common import texts_binding
from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.crypto.models import DataKey
from hub.errors import NotFound

TABLE = "disclosure_drafts"
COLUMN = "answers"

Answers = dict[str, Any]


@dataclass(frozen=True)
class Draft:
    """A draft and its decrypted answers."""

    row: DisclosureDraft
    answers: Answers


def _binding(row: DisclosureDraft) -> Binding:
    return texts_binding(TABLE, row.id, row.case_id, row.answers_version, column=COLUMN)


def data_key_id(blob: bytes) -> uuid.UUID:
    """The data key an envelope blob was sealed under (hub.crypto.envelope: bytes 1..17)."""
    return uuid.UUID(bytes=bytes(blob)[1:17])


def start_draft(db: Session, actor: Actor, case_id: uuid.UUID, answers: Answers, *,
                envelope: Envelope, now: datetime) -> Draft:
    """A new draft of the caller's, for a case they may record decisions on (404 otherwise)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.DISCLOSURE_RECORD)
    row = DisclosureDraft(id=uuid.uuid4(), case_id=case.id, user_id=actor.user.id,
                          answers_version=1, created_at=now, updated_at=now)
    row.answers_ciphertext = envelope.encrypt_json(db, answers, _binding(row), case_uuid=case.id, now=now)
    db.add(row)
    db.flush()
    return Draft(row, answers)


def open_draft(db: Session, actor: Actor, case_id: uuid.UUID, draft_id: uuid.UUID, *,
               envelope: Envelope, policy: Policy, now: datetime) -> Draft:
    """The caller's own draft on this case, if it has not gone stale; anyone else's, another
    case's or a stale one is 404, as is a case the caller may not record decisions on."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.DISCLOSURE_RECORD)
    row = db.get(DisclosureDraft, draft_id)
    stale_before = now - timedelta(hours=policy.disclosure_draft_hours)
    if (row is None or row.case_id != case.id or row.user_id != actor.user.id
            or row.updated_at < stale_before):
        raise NotFound("No such draft")
    return Draft(row, envelope.decrypt_json(db, row.answers_ciphertext, _binding(row)))


def save_draft(db: Session, draft: Draft, answers: Answers, *, envelope: Envelope,
               now: datetime) -> Draft:
    """Replace the draft's answers: sealed under a new data key at the next version; the old
    data key is deleted."""
    row = draft.row
    old_key = data_key_id(row.answers_ciphertext)
    row.answers_version += 1
    row.answers_ciphertext = envelope.encrypt_json(db, answers, _binding(row), case_uuid=row.case_id,
                                                   now=now)
    row.updated_at = now
    db.flush()
    db.execute(delete(DataKey).where(DataKey.id == old_key))
    return Draft(row, answers)


def discard_draft(db: Session, row: DisclosureDraft) -> None:
    """Delete a draft and its data key."""
    key = data_key_id(row.answers_ciphertext)
    db.delete(row)
    db.flush()
    db.execute(delete(DataKey).where(DataKey.id == key))


def discard_stale_drafts(db: Session, *, changed_before: datetime) -> int:
    """Delete every draft last changed before ``changed_before``, with its data key."""
    rows = db.execute(select(DisclosureDraft.id, DisclosureDraft.answers_ciphertext)
                      .where(DisclosureDraft.updated_at < changed_before)).all()
    if not rows:
        return 0
    ids = [draft_id for draft_id, _ in rows]
    keys = [data_key_id(blob) for _, blob in rows]
    for start in range(0, len(ids), 500):
        db.execute(delete(DisclosureDraft).where(DisclosureDraft.id.in_(ids[start:start + 500])))
        db.execute(delete(DataKey).where(DataKey.id.in_(keys[start:start + 500])))
    return len(ids)
