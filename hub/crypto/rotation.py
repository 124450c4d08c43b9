"""KEK rotation: a new active KEK, then every data key re-wrapped, content untouched.

Re-wrapping is the only bulk job on the keys, so it talks to the driver directly: SQLite walks
the table in rowid order (each batch touches neighbouring pages, one short write transaction
per batch) and PostgreSQL updates a whole batch with one ``UPDATE ... FROM unnest(arrays)``
statement. Any other database gets a portable executemany.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.engine import Connection

from hub.crypto.envelope import rewrap_key, wrap_aad
from hub.crypto.keyring import Keyring, exclusive
from hub.crypto.models import DataKey
from hub.db import Database

BATCH = 10_000
# Passes after the first only sweep up keys written during the rotation; a worker that keeps
# writing under the old KEK must not keep the rotation running for ever (its keys stay readable).
MAX_PASSES = 5

# (data key id, KEK id, wrapped key, case id)
KeyRow = tuple[uuid.UUID, str, bytes, uuid.UUID | None]
Progress = Callable[[int], None]


def _no_progress(_count: int) -> None:
    return None


def _table() -> Table:
    table = DataKey.__table__
    assert isinstance(table, Table)
    return table


def count_data_keys(database: Database) -> int:
    """How many data keys exist (the length of the progress bar)."""
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(DataKey)) or 0)


def count_keys_not_under(database: Database, kek_id: str) -> int:
    """How many data keys are still wrapped by some KEK other than ``kek_id``."""
    with database.transaction() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(DataKey).where(DataKey.kek_id != kek_id)
            )
            or 0
        )


def rotate(
    database: Database,
    keyring_path: Path,
    *,
    progress: Progress = _no_progress,
    batch_size: int = BATCH,
) -> tuple[Keyring, int]:
    """Add and activate a new KEK, save the keyring, then re-wrap every data key in batches.

    The keyring file is written first and keeps the old KEKs, so an interrupted rotation leaves
    everything readable and can simply be run again. The file is changed under a lock so two
    rotations at once cannot drop each other's new KEK.
    """
    with exclusive(keyring_path):
        keyring = Keyring.load(keyring_path).with_new_active_kek()
        keyring.save(keyring_path, overwrite=True)
    return keyring, rewrap_all(database, keyring, progress=progress, batch_size=batch_size)


def rewrap_all(
    database: Database,
    keyring: Keyring,
    *,
    progress: Progress = _no_progress,
    batch_size: int = BATCH,
) -> int:
    """Re-wrap every data key not yet under the active KEK; idempotent and resumable.

    Passes repeat until one finds nothing left (at most MAX_PASSES), so keys written by web
    workers that still held the previous keyring while the rotation ran are swept up too.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    total = 0
    for _pass in range(MAX_PASSES):
        done = _rewrap_pass(database, keyring, progress, batch_size)
        total += done
        if done == 0:
            break
    return total


def _rewrap_pass(database: Database, keyring: Keyring, progress: Progress, batch_size: int) -> int:
    done = 0
    cursor: Any = None
    while True:
        with database.transaction() as session:
            connection = session.connection()
            dialect = connection.dialect.name
            if dialect == "sqlite":
                cursor, count = _sqlite_batch(connection, keyring, cursor, batch_size)
            elif dialect == "postgresql":
                cursor, count = _postgresql_batch(connection, keyring, cursor, batch_size)
            else:
                cursor, count = _portable_batch(connection, keyring, cursor, batch_size)
        if cursor is None:
            return done
        done += count
        progress(count)


def rewrap_rows(keyring: Keyring, rows: Sequence[KeyRow]) -> list[bytes]:
    """Unwrap each data key with its KEK and wrap it again under the active KEK, in order.

    A key that fails to unwrap raises DecryptionError: rotation stops loudly rather than
    leave a damaged key behind looking rotated.
    """
    active = keyring.aead(keyring.active_kek_id)
    aead = keyring.aead
    return [rewrap_key(aead(kek_id), active, wrapped,
                       wrap_aad(key_id.bytes, case_id.bytes if case_id else None))
            for key_id, kek_id, wrapped, case_id in rows]


def rewrap_batch(session_or_connection: Any, keyring: Keyring, rows: Sequence[KeyRow]) -> int:
    """Re-wrap the given data keys under the active KEK (portable; one executemany)."""
    if not rows:
        return 0
    connection = (
        session_or_connection
        if isinstance(session_or_connection, Connection)
        else session_or_connection.connection()
    )
    table = _table()
    params = [
        {"b_id": row[0], "b_old": row[1], "b_kek": keyring.active_kek_id, "b_wrapped": wrapped}
        for row, wrapped in zip(rows, rewrap_rows(keyring, rows), strict=True)
    ]
    connection.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.kek_id == bindparam("b_old"))
        .values(kek_id=bindparam("b_kek"), wrapped_key=bindparam("b_wrapped")),
        params,
    )
    return len(params)


def _sqlite_batch(
    connection: Connection, keyring: Keyring, after_rowid: int | None, batch_size: int
) -> tuple[int | None, int]:
    # Uuid columns are CHAR(32) hex on SQLite. The driver's cursor is used directly (inside the
    # transaction SQLAlchemy began): building Row objects and UUIDs would cost more than the
    # cryptography.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        fetched = cursor.execute(
            "SELECT rowid, id, kek_id, wrapped_key, case_id FROM data_keys "
            "WHERE rowid > ? AND kek_id != ? ORDER BY rowid LIMIT ?",
            (after_rowid if after_rowid is not None else -1, keyring.active_kek_id, batch_size),
        ).fetchall()
        if not fetched:
            return None, 0
        active_id, active = keyring.active_kek_id, keyring.aead(keyring.active_kek_id)
        aead, fromhex = keyring.aead, bytes.fromhex
        cursor.executemany(
            "UPDATE data_keys SET kek_id = ?, wrapped_key = ? WHERE rowid = ? AND kek_id = ?",
            [
                (active_id,
                 rewrap_key(aead(kek_id), active, wrapped,
                            wrap_aad(fromhex(key_id), fromhex(case_id) if case_id else None)),
                 rowid, kek_id)
                for rowid, key_id, kek_id, wrapped, case_id in fetched
            ],
        )
    finally:
        cursor.close()
    return int(fetched[-1][0]), len(fetched)


_PG_FIRST = (
    "SELECT id, kek_id, wrapped_key, case_id FROM data_keys "
    "WHERE kek_id <> %(active)s ORDER BY id LIMIT %(limit)s"
)
_PG_NEXT = (
    "SELECT id, kek_id, wrapped_key, case_id FROM data_keys "
    "WHERE id > %(after)s AND kek_id <> %(active)s ORDER BY id LIMIT %(limit)s"
)


def _postgresql_batch(
    connection: Connection, keyring: Keyring, after_id: uuid.UUID | None, batch_size: int
) -> tuple[uuid.UUID | None, int]:
    # Results in binary: bytea then arrives as bytes instead of hex text to be decoded.
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.execute(_PG_FIRST if after_id is None else _PG_NEXT,
                       {"after": after_id, "active": keyring.active_kek_id, "limit": batch_size})
        rows: list[KeyRow] = cursor.fetchall()
    if not rows:
        return None, 0
    rewrapped = rewrap_rows(keyring, rows)
    # One statement per batch, arrays sent in binary (%b); the id range lets the planner walk
    # the primary key instead of the whole table. The old KEK id in the join means a key
    # re-wrapped meanwhile by another rotation is left as that rotation wrote it.
    connection.exec_driver_sql(
        "UPDATE data_keys AS d SET kek_id = %(active)s, wrapped_key = v.wrapped "
        "FROM unnest(%(ids)b::uuid[], %(old)b::varchar[], %(wrapped)b::bytea[]) "
        "AS v(id, old_kek, wrapped) "
        "WHERE d.id = v.id AND d.kek_id = v.old_kek AND d.id BETWEEN %(first)s AND %(last)s",
        {
            "active": keyring.active_kek_id,
            "ids": [r[0] for r in rows],
            "old": [r[1] for r in rows],
            "wrapped": rewrapped,
            "first": rows[0][0],
            "last": rows[-1][0],
        },
    )
    return rows[-1][0], len(rows)


def _portable_batch(
    connection: Connection, keyring: Keyring, after_id: uuid.UUID | None, batch_size: int
) -> tuple[uuid.UUID | None, int]:
    table = _table()
    stmt = (
        select(table.c.id, table.c.kek_id, table.c.wrapped_key, table.c.case_id)
        .where(table.c.kek_id != keyring.active_kek_id)
        .order_by(table.c.id)
        .limit(batch_size)
    )
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    rows: list[KeyRow] = [(r[0], r[1], bytes(r[2]), r[3]) for r in connection.execute(stmt)]
    if not rows:
        return None, 0
    return rows[-1][0], rewrap_batch(connection, keyring, rows)
