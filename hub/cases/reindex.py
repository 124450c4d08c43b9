"""Recomputing every case's blind index from its decrypted subject (`hub keys reindex`).

Needed after the normalisation of names changes (a new ``INDEX_VERSION``): an index written
under the old one no longer matches the same person's new referrals, so repeats go unseen.
Batches are keyset-paged by case id, each its own short transaction, so the command can be
stopped and run again, and web workers keep writing meanwhile (they already index the new way).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update

from hub.actor import Actor
from hub.audit.services import record
from hub.cases.models import Case, CaseStatus
from hub.cases.services import decrypt_subject
from hub.crypto.blind_index import INDEX_VERSION, identity_index, unmatchable_index
from hub.crypto.envelope import Envelope
from hub.db import Database

BATCH = 500
Progress = Callable[[int], None]

_cases = cast(Table, Case.__table__)
# Shredded cases have no data keys left to decrypt their subject with: nothing to index.
_INDEXABLE = _cases.c.status != CaseStatus.SHREDDED
_BATCH = (
    select(_cases.c.id, _cases.c.ref, _cases.c.subject_ciphertext, _cases.c.subject_version,
           _cases.c.subject_index)
    .where(_INDEXABLE, _cases.c.id > bindparam("after"))
    .order_by(_cases.c.id)
    .limit(bindparam("limit"))
)
# The version read is the version indexed: a subject changed meanwhile keeps the index its
# writer gave it.
_SET_INDEX = (
    update(_cases)
    .where(_cases.c.id == bindparam("b_id"), _cases.c.subject_version == bindparam("b_version"))
    .values(subject_index=bindparam("b_index"))
)


@dataclass
class Reindexed:
    checked: int = 0
    changed: int = 0
    # References (never names) of cases whose stored name has no letters: given an index that
    # matches nothing, so that they no longer all match each other; their subject needs fixing.
    unmatchable: list[str] = field(default_factory=list)


def count_indexable(database: Database) -> int:
    """How many cases have a subject to index (the length of the progress bar)."""
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(_cases).where(_INDEXABLE)) or 0)


def _no_progress(_count: int) -> None:
    return None


def reindex_subjects(
    database: Database,
    envelope: Envelope,
    *,
    now: datetime,
    progress: Progress = _no_progress,
    batch_size: int = BATCH,
) -> Reindexed:
    """Recompute each case's ``subject_index`` from its decrypted subject under the current
    normalisation (invariant 4); rows already right are left alone, so a second run changes
    nothing. A subject that fails to decrypt stops the run (DecryptionError), never skipped.
    The run is audited once, with counts only (``keys.reindex``)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    key = envelope.keyring.blind_index_key
    done = Reindexed()
    after = uuid.UUID(int=0)
    while True:
        with database.transaction() as session:
            rows = session.execute(_BATCH, {"after": after, "limit": batch_size}).all()
            if not rows:
                break
            changes = []
            for row in rows:
                subject = decrypt_subject(session, envelope, row.subject_ciphertext, row.id,
                                          row.subject_version)
                try:
                    index = identity_index(key, subject.name, subject.date_of_birth.isoformat())
                except ValueError:
                    index = unmatchable_index(key, str(row.id))
                    done.unmatchable.append(row.ref)
                if index != row.subject_index:
                    changes.append({"b_id": row.id, "b_version": row.subject_version,
                                    "b_index": index})
            if changes:
                session.execute(_SET_INDEX, changes)
        after = rows[-1].id
        done.checked += len(rows)
        done.changed += len(changes)
        progress(len(rows))
    with database.transaction() as session:
        record(session, Actor.system(), "keys.reindex", now=now, details={
            "index_version": INDEX_VERSION.decode(), "checked": done.checked,
            "changed": done.changed, "unmatchable": len(done.unmatchable)})
    return done
