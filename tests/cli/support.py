"""Running the real `hub` command line as a subprocess, the way an operator does."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from hub.agencies.models import Agency, ApiToken, User
from hub.audit.models import AuditEvent

TIMEOUT = 120


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def hub_env(database_url: str, keyring: Path | None, secret: str | None = "cli-test-secret",  # noqa: S107
            **extra: str) -> dict[str, str]:
    """The environment of an operator's shell: only the hub variables the test gives."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = database_url
    if keyring is not None:
        env["HUB_KEYRING"] = str(keyring)
    if secret is not None:
        env["HUB_SECRET_KEY"] = secret
    env.update(extra)
    return env


def run_hub(*args: str, env: dict[str, str], cwd: Path) -> Result:
    completed = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=TIMEOUT, check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def assert_refused(result: Result, *fragments: str, code: int | None = None) -> None:
    """A refusal: non-zero exit, one `error: ...` line on stderr naming the problem, no traceback."""
    assert result.code != 0, result
    if code is not None:
        assert result.code == code, result
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Agency, User, ApiToken, AuditEvent)
        }


def alembic_revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
