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


def hub_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = database_url
    return env


def run_hub(database_url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(hub_command(*args), env=hub_env(database_url), capture_output=True, text=True,
                          timeout=timeout, check=False)
