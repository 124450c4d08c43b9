"""KEK rotation: a new active KEK, then every data key re-wrapped, content untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from hub.crypto.envelope import rewrap_batch
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.db import Database

BATCH = 5000


def count_data_keys(database: Database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(DataKey)) or 0)


def rotate(
    database: Database,
    keyring_path: Path,
    *,
    progress: Callable[[int], None] = lambda _n: None,
    batch_size: int = BATCH,
) -> tuple[Keyring, int]:
    """Add and activate a new KEK, save the keyring, then re-wrap every data key in batches.

    The keyring file is written first and keeps the old KEKs, so an interrupted rotation leaves
    everything readable and can simply be run again.
    """
    keyring = Keyring.load(keyring_path).with_new_active_kek()
    keyring.save(keyring_path, overwrite=True)
    return keyring, rewrap_all(database, keyring, progress=progress, batch_size=batch_size)


def rewrap_all(
    database: Database,
    keyring: Keyring,
    *,
    progress: Callable[[int], None] = lambda _n: None,
    batch_size: int = BATCH,
) -> int:
    """Re-wrap every data key not yet under the active KEK; idempotent and resumable."""
    table = DataKey.__table__
    done = 0
    last_id = None
    while True:
        with database.transaction() as session:
            stmt = (
                select(table.c.id, table.c.kek_id, table.c.wrapped_key, table.c.case_id)
                .where(table.c.kek_id != keyring.active_kek_id)
                .order_by(table.c.id)
                .limit(batch_size)
            )
            if last_id is not None:
                stmt = stmt.where(table.c.id > last_id)
            rows = [tuple(r) for r in session.execute(stmt)]
            if not rows:
                return done
            count = rewrap_batch(session, keyring, rows)  # type: ignore[arg-type]
        last_id = rows[-1][0]
        done += count
        progress(count)
