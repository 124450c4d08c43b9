"""The real `hub` command line, started as a subprocess the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).with_name("hub")
TIMEOUT = 300


def hub_command(*args: str) -> list[str]:
    if HUB.exists():
        return [str(HUB), *args]
    return [sys.executable, "-m", "hub.cli", *args]


def hub_env(**variables: str) -> dict[str, str]:
    """The caller's environment without any HUB_ variable, plus exactly the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(variables)
    return env


def run_hub(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(hub_command(*args), env=env if env is not None else hub_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def assert_clean_refusal(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Non-zero exit, a last `error:` line naming the problem, and never a traceback."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in last, (fragment, result.stderr)
