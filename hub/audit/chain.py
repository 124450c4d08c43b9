"""Sealing audit events into a SHA-256 hash chain, and verifying the chain (invariant 5).

Requests only insert events. A separate sealing step (the ``audit-seal`` job, or ``hub audit
verify``) gives each unsealed event the next chain position and
``hash = SHA-256(previous hash + canonical row)``; only sealers take the chain lock, so requests
never wait on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent, AuditSeal
from hub.db import is_postgres

GENESIS = "0" * 64
# Arbitrary constant naming the chain's advisory lock on PostgreSQL.
SEAL_LOCK_KEY = 0x5AFE_A0D1

_E = AuditEvent.__table__.c
EVENT_COLUMNS = (
    _E.id,
    _E.occurred_at,
    _E.request_id,
    _E.user_id,
    _E.agency_code,
    _E.issuer,
    _E.action,
    _E.object_type,
    _E.object_id,
    _E.case_id,
    _E.outcome,
    _E.reason,
    _E.details,
)


def _field(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def canonical(row: Sequence[Any]) -> bytes:
    """The canonical byte form of an event row: every column, unit-separated, in fixed order."""
    return "\x1f".join([_field(v) for v in row]).encode()


def chain_hash(previous: str, row: Sequence[Any]) -> str:
    return hashlib.sha256(previous.encode() + canonical(row)).hexdigest()


def _lock_chain(session: Session) -> None:
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY})


def _chain_head(session: Session) -> tuple[int, str]:
    head = session.execute(
        select(AuditSeal.position, AuditSeal.hash).order_by(AuditSeal.position.desc()).limit(1)
    ).first()
    return (head.position, head.hash) if head else (0, GENESIS)


def seal_pending(session: Session, *, now: datetime, batch_size: int = 5000) -> int:
    """Give every unsealed event its chain position and hash; returns how many were sealed."""
    _lock_chain(session)
    position, previous = _chain_head(session)
    sealed = 0
    seal_table = AuditSeal.__table__
    while True:
        rows = session.execute(
            select(*EVENT_COLUMNS)
            .outerjoin(seal_table, seal_table.c.event_id == _E.id)
            .where(seal_table.c.event_id.is_(None))
            .order_by(_E.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return sealed
        seals = []
        for row in rows:
            position += 1
            previous = chain_hash(previous, row)
            seals.append({"position": position, "event_id": row[0], "hash": previous,
                          "sealed_at": now})
        session.execute(insert(AuditSeal), seals)
        sealed += len(seals)


@dataclass(frozen=True)
class Verification:
    checked: int
    first_broken_position: int | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_position is None


def verify_rows(rows: Iterable[Sequence[Any]]) -> Verification:
    """Check (position, hash, *event columns) rows in position order; name the first break."""
    previous = GENESIS
    expected = 1
    checked = 0
    sha256 = hashlib.sha256
    for row in rows:
        position, stored = row[0], row[1]
        if position != expected:
            return Verification(checked, expected, f"position {expected} is missing")
        digest = sha256(previous.encode() + canonical(row[2:])).hexdigest()
        if digest != stored:
            return Verification(checked, position, f"hash mismatch at position {position}")
        previous = stored
        expected += 1
        checked += 1
    return Verification(checked, None)


def verify_chain(session: Session, *, batch_size: int = 20000) -> Verification:
    """Recompute the whole chain from the stored events (``hub audit verify``)."""
    seal_table = AuditSeal.__table__
    stmt = (
        select(seal_table.c.position, seal_table.c.hash, *EVENT_COLUMNS)
        .join(AuditEvent.__table__, seal_table.c.event_id == _E.id)
        .order_by(seal_table.c.position)
        .execution_options(yield_per=batch_size)
    )
    result = session.execute(stmt)
    return verify_rows(result)
