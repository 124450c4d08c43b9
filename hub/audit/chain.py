"""Sealing audit events into a SHA-256 hash chain, and verifying the chain (invariant 5).

Requests only insert events. A separate sealing step (the ``audit-seal`` job, or ``hub audit
verify``) gives each unsealed event the next chain position and
``hash = SHA-256(previous hash + canonical row)``; only sealers take the chain lock, so requests
never wait on it.

The canonical row is a compact JSON array (no spaces; non-ASCII characters as themselves; the
RFC 8259 escapes) of every column of the event as text or null, in a fixed order: the id in
decimal, the time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, UUIDs as 32 lowercase hex digits,
``details`` as the JSON text exactly as stored (a string inside the array), UTF-8 encoded. JSON
quoting makes it unambiguous: no text can move from one column into the next unnoticed. The
database renders it itself (:func:`canonical_sql`), for sealing and for verification alike, so the
two cannot drift apart and verification does no per-row type conversion in Python;
:func:`canonical_event` is the same definition in Python, which the tests hold the database to.
Verification on PostgreSQL goes one step further: the server hashes every canonical row and checks
every link itself, in parallel chunks, and returns only the first break; on SQLite the canonical
rows are hashed here, in order.

The chain alone cannot show an edit re-sealed by whoever can write the database, nor a cut-off
tail: the signed checkpoints of :mod:`hub.audit.checkpoints`, kept outside the database, do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent, AuditSeal
from hub.db import is_postgres

GENESIS = "0" * 64
# Arbitrary constant naming the chain's advisory lock on PostgreSQL.
SEAL_LOCK_KEY = 0x5AFE_A0D1

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# The event's columns in canonical order, each as the database renders it as text.
_POSTGRES_COLUMNS = (
    "e.id::text",
    "pg_catalog.to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    "e.request_id",
    # The 16 bytes of the UUID in hex: what replace(e.user_id::text, '-', '') gives, only cheaper.
    "pg_catalog.encode(pg_catalog.uuid_send(e.user_id), 'hex')",
    "e.agency_code",
    "e.issuer",
    "e.action",
    "e.object_type",
    "e.object_id",
    "pg_catalog.encode(pg_catalog.uuid_send(e.case_id), 'hex')",
    "e.outcome",
    "e.reason",
    "e.details::text",
)
# SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, see UTCDateTime) and
# UUIDs as 32 hex digits, so they need no conversion.
_SQLITE_COLUMNS = (
    "CAST(e.id AS TEXT)",
    "replace(e.occurred_at, ' ', 'T') || 'Z'",
    "e.request_id",
    "e.user_id",
    "e.agency_code",
    "e.issuer",
    "e.action",
    "e.object_type",
    "e.object_id",
    "e.case_id",
    "e.outcome",
    "e.reason",
    "CAST(e.details AS TEXT)",
)


def canonical_sql(postgres: bool) -> str:
    """The SQL expression rendering the canonical row of ``audit_events e`` as JSON text."""
    if postgres:
        return f"pg_catalog.array_to_json(ARRAY[{', '.join(_POSTGRES_COLUMNS)}]::text[])::text"
    return f"json_array({', '.join(_SQLITE_COLUMNS)})"


def canonical(fields: Sequence[str | None]) -> bytes:
    """The canonical bytes of an event given its column texts in canonical order."""
    return json.dumps(list(fields), ensure_ascii=False, separators=(",", ":")).encode()


def canonical_event(event: AuditEvent, details_text: str | None = None) -> bytes:
    """The canonical form computed in Python from a loaded event (tests, offline checks).

    ``details_text`` is the stored JSON text; by default the event's details serialised the way
    SQLAlchemy stores them.
    """
    def uuid_text(value: Any) -> str | None:
        return None if value is None else value.hex

    moment = event.occurred_at.astimezone(UTC).strftime(TIME_FORMAT)
    details = json.dumps(event.details) if details_text is None else details_text
    return canonical([
        str(event.id), moment, event.request_id, uuid_text(event.user_id), event.agency_code,
        event.issuer, event.action, event.object_type, event.object_id, uuid_text(event.case_id),
        event.outcome, event.reason, details,
    ])


def next_hash(previous: str, canonical_row: bytes) -> str:
    """``SHA-256(previous hash + canonical row)`` as 64 lowercase hex digits."""
    return hashlib.sha256(previous.encode() + canonical_row).hexdigest()


def _lock_chain(session: Session) -> None:
    """Serialise sealers (and only sealers): concurrent requests never touch this lock."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY})
    else:
        # SQLite: take the database's write lock now, before reading the chain head, so a
        # second sealer waits (busy_timeout) instead of failing on a stale read snapshot.
        session.execute(text("UPDATE audit_seals SET hash = hash WHERE 0 = 1"))


def _chain_head(session: Session) -> tuple[int, str]:
    head = session.execute(
        text("SELECT position, hash FROM audit_seals ORDER BY position DESC LIMIT 1")
    ).first()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS)


def _unsealed_sql(postgres: bool, bounded: bool) -> str:
    after = "AND e.id > :after " if bounded else ""
    return (
        f"SELECT e.id, {canonical_sql(postgres)} FROM audit_events e "  # noqa: S608 - constants only
        "WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id) "
        f"{after}ORDER BY e.id LIMIT :limit"
    )


@dataclass(frozen=True)
class Sealing:
    """What one sealing run did: how many events it sealed, and the chain's head after it."""

    sealed: int
    position: int
    head: str


def seal_pending(session: Session, *, now: datetime, batch_size: int = 5000) -> int:
    """Give every unsealed event the next chain position and its hash; returns how many."""
    return seal(session, now=now, batch_size=batch_size).sealed


def seal(session: Session, *, now: datetime, batch_size: int = 5000) -> Sealing:
    """Give every unsealed event the next chain position and its hash (invariant 5).

    Events are sealed in id order among those still unsealed, so an event whose transaction
    committed after a later-numbered one is sealed by the next run, at the end of the chain.
    Sealing is idempotent: a second run right after the first seals nothing.
    """
    postgres = is_postgres(session)
    _lock_chain(session)
    position, previous = _chain_head(session)
    sealed = 0
    # The first query finds the lowest unsealed ids; later batches continue after the last one.
    last_id: int | None = None
    while True:
        params: dict[str, Any] = {"limit": batch_size}
        if last_id is not None:
            params["after"] = last_id
        rows = session.execute(text(_unsealed_sql(postgres, last_id is not None)), params).all()
        if not rows:
            return Sealing(sealed, position, previous)
        seals = []
        for event_id, canonical_text in rows:
            position += 1
            previous = next_hash(previous, canonical_text.encode())
            seals.append({"position": position, "event_id": event_id, "hash": previous,
                          "sealed_at": now})
        session.execute(insert(AuditSeal), seals)
        sealed += len(seals)
        last_id = rows[-1][0]
        if len(rows) < batch_size:
            return Sealing(sealed, position, previous)


@dataclass(frozen=True)
class Verification:
    checked: int
    first_broken_position: int | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_position is None


def verify_rows(rows: Iterable[Sequence[Any]]) -> Verification:
    """Check ``(position, hash, canonical text)`` rows in position order; name the first break.

    A missing position, a seal whose event is gone (canonical text NULL) and a hash that does
    not follow from its predecessor and its event each break the chain at that position.
    """
    sha256 = hashlib.sha256
    previous = GENESIS.encode()
    expected = 1
    for position, stored, canonical_text in rows:
        if position != expected:
            return Verification(expected - 1, expected, f"position {expected} is missing")
        if canonical_text is None:
            return Verification(expected - 1, position,
                                f"the event sealed at position {position} is missing")
        digest = sha256(previous + canonical_text.encode()).hexdigest()
        if digest != stored:
            return Verification(expected - 1, position,
                                f"position {position} does not match its event or predecessor")
        previous = stored.encode()
        expected += 1
    return Verification(expected - 1, None)


# SQLite: every seal with its event's canonical row (NULL when the event is gone), hashed in Python.
_SQLITE_VERIFY_SQL = (
    "SELECT s.position, s.hash, CASE WHEN e.id IS NULL THEN NULL ELSE "  # noqa: S608 - constants
    f"{canonical_sql(False)} "
    "END FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.position"
)


# PostgreSQL checks every link itself: a seal holds when its stored hash is the SHA-256 of its
# predecessor's stored hash (the genesis value before position 1) followed by its event's canonical
# row. Every link holding is the same as the recomputed chain matching the stored one, so chunks of
# positions can be checked independently and only the first problem of each comes back. Functions
# and the comparison are schema-qualified, so that nothing in another schema can stand in for them.
_LINK_HOLDS = (
    "s.hash::text COLLATE pg_catalog.\"C\" OPERATOR(pg_catalog.=) pg_catalog.encode(pg_catalog.sha256("
    "pg_catalog.convert_to(pg_catalog.textcat(s.previous::text, e.canonical), 'UTF8')), 'hex')"
)
# Per chunk of positions low..high, in one statement: how many are present and the highest; the
# lowest missing position that a present one reveals (one after the position before a gap, or the
# start of the scan when the gap reaches back to it); the first seal whose event is gone; and the
# first seal that does not follow from its predecessor and its event. The scan starts one position
# early, so that the first seal of the chunk has its predecessor; a seal after a missing position
# has none, and the missing position, lower, is the break. Each seal looks up its own event (a
# lateral subquery), so a chunk costs the same however large the tables are.
_CHUNK_SQL = (
    "SELECT pg_catalog.count(*), pg_catalog.max(s.position), pg_catalog.min(s.gap), "  # noqa: S608
    "pg_catalog.min(s.position) FILTER (WHERE e.id IS NULL), "
    "pg_catalog.min(s.position) FILTER (WHERE e.id IS NOT NULL AND s.gap IS NULL "
    f"AND NOT coalesce({_LINK_HOLDS}, false)) "
    "FROM (SELECT s.position, s.hash, s.event_id, "
    f"CASE WHEN s.position = 1 THEN '{GENESIS}' ELSE s.prior_hash END AS previous, "
    "CASE WHEN s.position = 1 OR s.prior = s.position - 1 THEN NULL "
    "ELSE coalesce(s.prior + 1, %(before)s) END AS gap "
    "FROM (SELECT s.position, s.hash, s.event_id, pg_catalog.lag(s.position) OVER w AS prior, "
    "pg_catalog.lag(s.hash) OVER w AS prior_hash "
    "FROM audit_seals s WHERE s.position BETWEEN %(before)s AND %(high)s "
    "WINDOW w AS (ORDER BY s.position)) s) s "
    f"LEFT JOIN LATERAL (SELECT e.id, {canonical_sql(True)} AS canonical "
    "FROM audit_events e WHERE e.id = s.event_id OFFSET 0) e ON true "
    "WHERE s.position >= %(low)s"
)
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]{1,64}")


@dataclass(frozen=True)
class _Break:
    position: int
    problem: str


def _check_chunk(cursor: Any, low: int, high: int) -> _Break | None:
    """The first break among positions ``low``..``high`` (all of them at least 1), if any.

    A missing position reported here may lie just before ``low``; it is missing all the same.
    """
    cursor.execute(_CHUNK_SQL, {"before": max(low - 1, 1), "low": low, "high": high})
    present, highest, gap, gone, unlinked = cursor.fetchone()
    missing = [int(gap)] if gap is not None else []
    if not present:
        missing.append(low)
    elif highest < high:
        missing.append(int(highest) + 1)
    breaks = [_Break(position, f"position {position} is missing") for position in missing]
    if gone is not None:
        breaks.append(_Break(int(gone), f"the event sealed at position {gone} is missing"))
    if unlinked is not None:
        breaks.append(_Break(int(unlinked),
                             f"position {unlinked} does not match its event or predecessor"))
    return min(breaks, key=lambda b: b.position, default=None)


def _import_snapshot(connection: Connection, snapshot: str) -> None:
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError("unexpected snapshot id from PostgreSQL")
    connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    _tune_for_checking(connection)
    # The chunks are checked in parallel already, one connection each.
    connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def _tune_for_checking(connection: Connection) -> None:
    # Compiling the expressions just in time costs more than it saves here.
    connection.exec_driver_sql("SET LOCAL jit = off")


def _check_chunk_in_snapshot(engine: Engine, snapshot: str, low: int, high: int) -> _Break | None:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            _import_snapshot(connection, snapshot)
            raw: Any = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                return _check_chunk(cursor, low, high)


def _top(cursor: Any) -> int | Verification:
    """The chain's last position, or the verdict when that is all there is to know."""
    cursor.execute("SELECT pg_catalog.min(position), pg_catalog.max(position) FROM audit_seals")
    lowest, top = cursor.fetchone()
    if top is None:
        return Verification(0, None)
    if lowest < 1:
        # A seal before position 1 comes first in position order, where position 1 belongs.
        return Verification(0, 1, "position 1 is missing")
    return int(top)


def _chunks(top: int, size: int) -> list[tuple[int, int]]:
    return [(low, min(low + size - 1, top)) for low in range(1, top + 1, size)]


def _verdict(first_break: _Break | None, top: int) -> Verification:
    if first_break is None:
        return Verification(top, None)
    return Verification(first_break.position - 1, first_break.position, first_break.problem)


def _verify_postgres(connection: Connection, cursor: Any, *, chunk_size: int) -> Verification:
    """PostgreSQL, in this transaction: check the chain a chunk at a time, in order."""
    _tune_for_checking(connection)
    top = _top(cursor)
    if isinstance(top, Verification):
        return top
    for low, high in _chunks(top, chunk_size):
        first_break = _check_chunk(cursor, low, high)
        if first_break is not None:
            return _verdict(first_break, top)
    return _verdict(None, top)


def _verify_in_parallel(engine: Engine, *, chunk_size: int, workers: int) -> Verification:
    """PostgreSQL: check chunks of the chain in several server processes at once.

    Every connection reads the same exported snapshot, so the chunks are parts of one consistent
    chain. A chunk reports only breaks that are real (a missing position it reports may lie just
    before it), so the first break of the chain is the lowest break of the first chunk that has
    one.
    """
    with engine.connect() as coordinator:
        coordinator = coordinator.execution_options(isolation_level="REPEATABLE READ")
        with coordinator.begin():
            snapshot = str(coordinator.exec_driver_sql("SELECT pg_catalog.pg_export_snapshot()")
                           .scalar())
            raw: Any = coordinator.connection.dbapi_connection
            with raw.cursor() as cursor:
                top = _top(cursor)
            if isinstance(top, Verification):
                return top
            chunks = _chunks(top, min(chunk_size, -(-top // workers)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-verify") as pool:
                results = [pool.submit(_check_chunk_in_snapshot, engine, snapshot, low, high)
                           for low, high in chunks]
                try:
                    for result in results:
                        first_break = result.result()
                        if first_break is not None:
                            return _verdict(first_break, top)
                    return _verdict(None, top)
                finally:
                    for result in results:
                        result.cancel()


def verify_chain(session: Session, *, chunk_size: int = 50000,
                 workers: int | None = None) -> Verification:
    """Recompute the whole chain from the stored events (``hub audit verify``).

    On PostgreSQL the server checks every link itself and returns only the first break; when this
    transaction has written nothing (so other connections see the same rows), chunks of at most
    ``chunk_size`` positions are checked by ``workers`` connections in parallel, otherwise by this
    transaction one after another. On SQLite the canonical rows are read through
    a raw driver cursor and hashed here.
    """
    connection: Connection = session.connection()
    dbapi: Any = connection.dialect.loaded_dbapi
    try:
        return _verify(session, connection, chunk_size=chunk_size, workers=workers)
    except dbapi.Error as exc:
        # Raw cursors bypass SQLAlchemy's wrapping; callers handle SQLAlchemy's errors.
        raise DBAPIError.instance("audit chain verification", None, exc, dbapi.Error) from exc


def _verify(session: Session, connection: Connection, *, chunk_size: int,
            workers: int | None) -> Verification:
    raw: Any = connection.connection.dbapi_connection
    if is_postgres(session):
        workers = workers or min(4, os.cpu_count() or 2)
        wrote = connection.exec_driver_sql("SELECT pg_catalog.txid_current_if_assigned()").scalar()
        if workers > 1 and wrote is None:
            return _verify_in_parallel(connection.engine, chunk_size=chunk_size, workers=workers)
        with raw.cursor() as cursor:
            return _verify_postgres(connection, cursor, chunk_size=chunk_size)
    cursor = raw.cursor()
    try:
        cursor.execute(_SQLITE_VERIFY_SQL)
        return verify_rows(cursor)
    finally:
        cursor.close()
