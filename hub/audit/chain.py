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
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import queue
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    "e.request_id",
    "replace(e.user_id::text, '-', '')",
    "e.agency_code",
    "e.issuer",
    "e.action",
    "e.object_type",
    "e.object_id",
    "replace(e.case_id::text, '-', '')",
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
        return f"array_to_json(ARRAY[{', '.join(_POSTGRES_COLUMNS)}]::text[])::text"
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


def seal_pending(session: Session, *, now: datetime, batch_size: int = 5000) -> int:
    """Give every unsealed event the next chain position and its hash; returns how many.

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
            return sealed
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
            return sealed


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


def _verify_sql(postgres: bool, where: str = "") -> str:
    return (
        "SELECT s.position, s.hash, CASE WHEN e.id IS NULL THEN NULL ELSE "  # noqa: S608 - constants
        f"{canonical_sql(postgres)} "
        "END FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id "
        f"{where}ORDER BY s.position"
    )


_CHUNK_SQL = _verify_sql(True, "WHERE s.position BETWEEN %(low)s AND %(high)s ")
# The first chunk starts below 1 so that a forged position 0 or below is seen (and reported).
_LOWEST_POSITION = -(2**63)
_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]{1,64}$")


def _import_snapshot(connection: Connection, snapshot: str) -> None:
    if not _SNAPSHOT_ID.match(snapshot):
        raise ValueError("unexpected snapshot id from PostgreSQL")
    connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    connection.exec_driver_sql("SET LOCAL jit = off")


def _fetch_chunk(engine: Engine, snapshot: str, low: int, high: int) -> list[Any]:
    """Positions ``low``..``high`` with their canonical rows, as of ``snapshot``."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            _import_snapshot(connection, snapshot)
            raw: Any = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                cursor.execute(_CHUNK_SQL, {"low": low, "high": high})
                return list(cursor.fetchall())


def _verify_in_parallel(engine: Engine, *, chunk_size: int, workers: int) -> Verification:
    """PostgreSQL: render canonical rows in several server processes at once, hash in order.

    Every connection reads the same exported snapshot, so the chunks form one consistent chain;
    the hashing itself stays sequential in this process.
    """
    with engine.connect() as coordinator:
        coordinator = coordinator.execution_options(isolation_level="REPEATABLE READ")
        with coordinator.begin():
            snapshot = str(coordinator.exec_driver_sql("SELECT pg_export_snapshot()").scalar())
            top = coordinator.exec_driver_sql("SELECT max(position) FROM audit_seals").scalar()
            if top is None:
                return verify_rows(coordinator.exec_driver_sql(_verify_sql(True)))
            bounds = [(_LOWEST_POSITION if low == 1 else low, min(low + chunk_size - 1, int(top)))
                      for low in range(1, int(top) + 1, chunk_size)]
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-verify") as pool:
                pending: deque[Future[list[Any]]] = deque()
                upcoming = iter(bounds)

                def rows() -> Iterator[Any]:
                    for low, high in itertools.islice(upcoming, workers + 1):
                        pending.append(pool.submit(_fetch_chunk, engine, snapshot, low, high))
                    while pending:
                        chunk = pending.popleft().result()
                        for low, high in itertools.islice(upcoming, 1):
                            pending.append(pool.submit(_fetch_chunk, engine, snapshot, low, high))
                        yield from chunk

                try:
                    return verify_rows(rows())
                finally:
                    for future in pending:
                        future.cancel()


class _Prefetcher:
    """Fetches the next batches of a cursor in a thread while the caller hashes the current one.

    On PostgreSQL the rendering of canonical rows happens in the server process, so fetching
    ahead lets the server and the hashing run at the same time instead of taking turns.
    """

    def __init__(self, cursor: Any, batch_size: int) -> None:
        self._cursor = cursor
        self._batch_size = batch_size
        self._batches: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fetch, name="audit-verify-fetch", daemon=True)

    def _fetch(self) -> None:
        try:
            while not self._stop.is_set():
                rows = self._cursor.fetchmany(self._batch_size)
                self._put(rows)
                if not rows:
                    return
        except BaseException as exc:  # handed to the consuming thread, which raises it
            self._put(exc)

    def _put(self, item: list[Any] | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Any]:
        self._thread.start()
        try:
            while True:
                item = self._batches.get()
                if isinstance(item, BaseException):
                    raise item
                if not item:
                    return
                yield from item
        finally:
            self._stop.set()
            self._thread.join()


def verify_chain(session: Session, *, batch_size: int = 20000, chunk_size: int = 50000,
                 workers: int | None = None) -> Verification:
    """Recompute the whole chain from the stored events (``hub audit verify``).

    Reads through raw driver cursors, with no per-row type processing. On PostgreSQL, when this
    transaction has written nothing (so other connections see the same rows), chunks of the chain
    are rendered by ``workers`` connections in parallel; otherwise one server-side cursor is read
    ahead in a thread while this one hashes.
    """
    connection: Connection = session.connection()
    dbapi: Any = connection.dialect.loaded_dbapi
    try:
        return _verify(session, connection, batch_size=batch_size, chunk_size=chunk_size,
                       workers=workers)
    except dbapi.Error as exc:
        # Raw cursors bypass SQLAlchemy's wrapping; callers handle SQLAlchemy's errors.
        raise DBAPIError.instance("audit chain verification", None, exc, dbapi.Error) from exc


def _verify(session: Session, connection: Connection, *, batch_size: int, chunk_size: int,
            workers: int | None) -> Verification:
    raw: Any = connection.connection.dbapi_connection
    postgres = is_postgres(session)
    if postgres:
        workers = workers or min(4, os.cpu_count() or 2)
        wrote = connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar()
        if workers > 1 and wrote is None:
            return _verify_in_parallel(connection.engine, chunk_size=chunk_size, workers=workers)
        # A server-side cursor is planned for the first rows by default; we read them all, and
        # compiling the expressions just in time costs more than it saves here.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
        connection.exec_driver_sql("SET LOCAL jit = off")
        cursor = raw.cursor(name="hub_audit_verify")
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(_verify_sql(postgres))
        return verify_rows(_Prefetcher(cursor, batch_size) if postgres else cursor)
    finally:
        cursor.close()
