"""Helpers shared by the audit tests: writing events through the real service, reading the chain,
keyrings and checkpoint logs, and tampering as the database's owner."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, insert, select, text
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit.chain import GENESIS, canonical_event, canonical_sql, next_hash
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.crypto.keyring import Keyring
from hub.db import Database
from tests.conftest import DB_KIND

postgres_only = pytest.mark.skipif(DB_KIND != "postgresql",
                                   reason="PostgreSQL behaviour; the PostgreSQL run covers it")
NOW = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def add_events(session: Session, count: int, *, action: str = "case.read") -> list[AuditEvent]:
    """``count`` events written by the audit service, flushed (not committed)."""
    case_id = uuid.uuid4()
    for n in range(count):
        record(session, Actor.system(f"request-{n:08d}"), action, now=NOW, object_type="case",
               object_id=case_id, case_id=case_id, details={"n": n})
    # record() writes with a Core INSERT; the rows are read back as the ORM objects tests inspect.
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def bulk_events(session: Session, count: int) -> None:
    """``count`` events in one multi-row insert (for volume, not for realism)."""
    case_id = uuid.uuid4()
    session.execute(insert(AuditEvent), [
        {"occurred_at": NOW, "request_id": f"bulk-{n:010d}", "user_id": None, "agency_code": "AG-1",
         "issuer": "hub:system", "action": "case.read", "object_type": "case", "object_id": str(case_id),
         "case_id": case_id, "outcome": "success", "reason": None, "details": {"n": n}}
        for n in range(count)
    ])


def chain(session: Session) -> list[tuple[int, int, str]]:
    """(position, event id, hash) of every seal, in position order."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(AuditSeal.position, AuditSeal.event_id, AuditSeal.hash).order_by(AuditSeal.position))]


def expected_hashes(session: Session) -> list[str]:
    """The chain recomputed in Python from the events as loaded by the ORM, seal by seal."""
    previous, hashes = GENESIS, []
    rows = session.execute(select(AuditEvent).join(AuditSeal, AuditSeal.event_id == AuditEvent.id)
                           .order_by(AuditSeal.position)).scalars()
    for event in rows:
        previous = next_hash(previous, canonical_event(event))
        hashes.append(previous)
    return hashes


def keyring_file(directory: Path, *, signing_key: bool = True) -> Path:
    """A new keyring file in ``directory``; without a signing key, as written before checkpoints."""
    path = directory / "keyring.json"
    ring = Keyring.generate()
    if not signing_key:
        ring = replace(ring, signing_key=None)
    ring.save(path)
    return path


def checkpoint_lines(path: Path) -> list[dict[str, Any]]:
    """The checkpoint log's lines, parsed; none when it does not exist yet."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def tamper(database: Database, change: Callable[[Connection], None]) -> None:
    """What an attacker with database access does: switch the append-only triggers off, edit.

    On PostgreSQL as the tables' owner (who may disable their triggers); on SQLite through a
    plain engine (no triggers are dropped back, foreign keys off, as in the sqlite3 shell).
    """
    engine = database.engine if DB_KIND == "postgresql" else create_engine(database.url)
    with engine.begin() as conn:
        if DB_KIND == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_seals DISABLE TRIGGER USER")
        else:
            for table in ("audit_events", "audit_seals"):
                for verb in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        change(conn)
    if engine is not database.engine:
        engine.dispose()


def event_at(conn: Connection, position: int) -> int:
    return int(conn.execute(text("SELECT event_id FROM audit_seals WHERE position = :p"),
                            {"p": position}).scalar_one())


def reseal_from(conn: Connection, position: int) -> None:
    """Recompute every hash from ``position`` on, as the chain's own definition says (an attacker
    who has read the code can), so that the chain alone verifies again."""
    previous = GENESIS if position == 1 else str(conn.execute(
        text("SELECT hash FROM audit_seals WHERE position = :p"), {"p": position - 1}).scalar_one())
    rows = conn.execute(text(
        f"SELECT s.position, {canonical_sql(DB_KIND == 'postgresql')} FROM audit_seals s "  # noqa: S608
        "JOIN audit_events e ON e.id = s.event_id WHERE s.position >= :p ORDER BY s.position"),
        {"p": position}).all()
    for seal_position, canonical_text in rows:
        previous = next_hash(previous, canonical_text.encode())
        conn.execute(text("UPDATE audit_seals SET hash = :h WHERE position = :p"),
                     {"h": previous, "p": seal_position})
