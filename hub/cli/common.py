"""What every command group shares: the database and failing with a message."""

from __future__ import annotations

import click

from hub.config import Settings
from hub.db import Database


def database_for(current: Settings) -> Database:
    return Database(current.database_url)


def fail(message: str, code: int = 1) -> None:
    """Say what is wrong on stderr and exit with ``code`` (never a traceback)."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)
