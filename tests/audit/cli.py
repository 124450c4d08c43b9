"""Running the real `hub` command line as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).with_name("hub")


def hub_command(*args: str) -> list[str]:
    if HUB.exists():
        return [str(HUB), *args]
    return [sys.executable, "-m", "hub.cli", *args]


def hub_env(database_url: str, keyring: Path | None = None, **extra: str) -> dict[str, str]:
    """An operator's environment: the database, the keyring if given, and ``extra`` HUB_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = database_url
    if keyring is not None:
        env["HUB_KEYRING"] = str(keyring)
    env.update(extra)
    return env


def run_hub(database_url: str, *args: str, keyring: Path | None = None, timeout: float = 120,
            **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(hub_command(*args), env=hub_env(database_url, keyring, **extra),
                          capture_output=True, text=True, timeout=timeout, check=False)
