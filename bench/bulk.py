"""`hub audit verify` and `hub keys rotate` throughput, as the real CLI and as the library calls."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.load import BenchError
from hub.audit.chain import verify_chain
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.crypto.rotation import rewrap_all
from hub.db import Database


def _cli(args: list[str], env: dict[str, str], timeout: float = 600) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "hub.cli", *args], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise BenchError(f"hub {' '.join(args)} exited {out.returncode}: {out.stderr.strip()[-1000:]}")
    return seconds, out.stdout.strip()


def cli_startup_seconds(env: dict[str, str]) -> float:
    """How long `hub --help` takes: the interpreter and import cost inside every CLI figure."""
    seconds, _ = _cli(["--help"], env)
    return seconds


def audit_verify(url: str, events: int, env: dict[str, str]) -> dict[str, Any]:
    """Time `hub audit verify` (subprocess, end to end) and `verify_chain` (the function it calls)."""
    cli_seconds, message = _cli(["audit", "verify"], {**env, "HUB_DATABASE_URL": url})
    if f"{events} events verified" not in message:
        raise BenchError(f"hub audit verify did not verify {events} events: {message}")
    # Best of three, as timeit does: on a shared machine noise only ever adds time.
    runs = []
    for _ in range(3):
        database = Database(url)
        with database.transaction() as session:
            started = time.perf_counter()
            result = verify_chain(session)
            runs.append(time.perf_counter() - started)
        database.engine.dispose()
        if not result.ok or result.checked != events:
            raise BenchError(f"verify_chain checked {result.checked}, "
                             f"broken at {result.first_broken_position}")
    library_seconds = min(runs)
    return {
        "events": events,
        "cli_seconds": round(cli_seconds, 3),
        "cli_rows_per_second": round(events / cli_seconds),
        "library_seconds": round(library_seconds, 3),
        "library_rows_per_second": round(events / library_seconds),
        "library_runs_seconds": [round(r, 3) for r in runs],
    }


def _keys_not_under(database: Database, kek_id: str) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(DataKey)
                                  .where(DataKey.kek_id != kek_id)) or 0)


def keys_rotate(url: str, keyring_path: Path, keys: int, env: dict[str, str]) -> dict[str, Any]:
    """Time `hub keys rotate` (subprocess), then a second rotation through `rewrap_all` in process."""
    cli_seconds, message = _cli(["keys", "rotate"],
                                {**env, "HUB_DATABASE_URL": url, "HUB_KEYRING": str(keyring_path)})
    if f"{keys} data keys re-wrapped" not in message:
        raise BenchError(f"hub keys rotate did not re-wrap {keys} keys: {message}")
    database = Database(url)
    ring = Keyring.load(keyring_path)
    if _keys_not_under(database, ring.active_kek_id):
        raise BenchError("hub keys rotate left data keys under an old KEK")
    ring = ring.with_new_active_kek()
    ring.save(keyring_path, overwrite=True)
    started = time.perf_counter()
    done = rewrap_all(database, ring)
    library_seconds = time.perf_counter() - started
    if done != keys or _keys_not_under(database, ring.active_kek_id):
        raise BenchError(f"rewrap_all re-wrapped {done} of {keys} data keys")
    database.engine.dispose()
    return {
        "data_keys": keys,
        "cli_seconds": round(cli_seconds, 3),
        "cli_keys_per_second": round(keys / cli_seconds),
        "library_seconds": round(library_seconds, 3),
        "library_keys_per_second": round(keys / library_seconds),
    }
