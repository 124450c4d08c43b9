"""The `hub` command line (DESIGN.md §3): clear messages and non-zero exits, never a traceback.

One module per command group; every package's groups are added from its wiring (hub.wiring).
The web application, Alembic, the scheduler and the demo are imported by the commands that use
them: `hub audit verify` or `hub user add` then start in about half a second instead of one.
"""

from __future__ import annotations

import logging
import os
import sys

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from hub import wiring
from hub.config import ConfigError
from hub.crypto.envelope import DecryptionError
from hub.crypto.keyring import KeyringError
from hub.errors import HubError, ValidationFailed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Multi-agency safeguarding hub."""


def add_package_commands(group: click.Group) -> None:
    """Every installed package's command groups, under `hub`."""
    for package in wiring.packages():
        for reference in package.commands:
            group.add_command(wiring.load(reference))


add_package_commands(cli)


def main(argv: list[str] | None = None) -> int:
    """Entry point: translate every expected failure into a message and an exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        cli.main(args=argv, prog_name="hub", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.format_message())
        if exc.ctx is None or exc.ctx.parent is None:
            return 0  # plain `hub` asks for the overview
        click.echo(f"error: say which `{exc.ctx.command_path}` command to run", err=True)
        return 2
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        click.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {_one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except ValidationFailed as exc:
        click.echo("error: " + "; ".join(f"{field}: {message}" for field, message in exc.errors.items()),
                   err=True)
        return 2
    except HubError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        return 1
    except (ConfigError, KeyringError) as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except DecryptionError as exc:
        click.echo(f"error: decryption failed: {exc}", err=True)
        return 1
    except SQLAlchemyError as exc:
        click.echo(f"error: {_database_problem(exc)}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:
        if _is_migration_error(exc):
            click.echo(f"error: migration: {_one_line(str(exc))}", err=True)
            return 1
        # An operator gets a message, not a traceback; HUB_DEBUG=1 shows the traceback.
        if os.environ.get("HUB_DEBUG"):
            raise
        click.echo(f"error: unexpected {exc.__class__.__name__}: {_one_line(str(exc))} "
                   "(run again with HUB_DEBUG=1 for details)", err=True)
        return 1
    return 0


def _is_migration_error(exc: Exception) -> bool:
    """Alembic's own failure; only the commands that migrate import Alembic, so it is looked up."""
    util = sys.modules.get("alembic.util")
    return util is not None and isinstance(exc, util.CommandError)


def _one_line(message: str) -> str:
    return " ".join(message.split())[:400]


def _database_problem(exc: SQLAlchemyError) -> str:
    """Say what is wrong with the database in operator's terms, never echoing a password."""
    raw = str(getattr(exc, "orig", None) or exc)
    first = _one_line(raw.splitlines()[0] if raw else exc.__class__.__name__)
    configured = os.environ.get("HUB_DATABASE_URL", "")
    try:
        where = make_url(configured).render_as_string(hide_password=True) if configured else "the default"
    except ArgumentError:
        where = "HUB_DATABASE_URL"
    if isinstance(exc, ArgumentError):
        return f"HUB_DATABASE_URL is not a valid database URL: {first}"
    if "no such table" in raw or ("relation" in raw and "does not exist" in raw):
        return f"the database ({where}) has no hub schema yet: run `hub db upgrade` ({first})"
    if isinstance(exc, OperationalError):
        return f"cannot use the database ({where}): {first}"
    return f"database: {exc.__class__.__name__}: {first}"

