"""The `hub` command line (DESIGN.md §3): clear messages and non-zero exits, never a traceback."""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import AgencyKind, Role
from hub.audit.chain import seal_pending, verify_chain
from hub.config import ConfigError, Settings, load_settings
from hub.crypto.envelope import DecryptionError
from hub.crypto.keyring import Keyring, KeyringError
from hub.crypto.rotation import count_data_keys, rotate
from hub.db import Database, utcnow
from hub.errors import HubError, ValidationFailed
from hub.serve import DEFAULT_THREADS
from hub.serve import serve as run_server

# The web application, Alembic, the scheduler and the demo are imported by the commands that use
# them: `hub audit verify` or `hub user add` then start in about half a second instead of one.

log = logging.getLogger("hub.cli")
JOB_NAMES = ("outbox", "escalation", "reminders", "mappa-reviews", "retention", "audit-seal")


def _settings() -> Settings:
    return load_settings()


def _database(settings: Settings) -> Database:
    return Database(settings.database_url)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Multi-agency safeguarding hub."""


# --- database ---------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from hub import migrate

    settings = _settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url)
    click.echo("database is at the newest schema")


# --- agencies and people ----------------------------------------------------------------------


@cli.group()
def agency() -> None:
    """Agencies (tenants)."""


@agency.command("add")
@click.argument("code")
@click.option("--name", required=True, help="the agency's full name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AgencyKind]))
def agency_add(code: str, name: str, kind: str) -> None:
    """Register an agency, e.g. `hub agency add POL-NS --name "Northshire Police" --kind police`."""
    database = _database(_settings())
    with database.transaction() as session:
        created = agency_services.add_agency(session, Actor.system(), code=code, name=name,
                                             kind=kind, now=utcnow())
        click.echo(f"agency {created.code} registered")


@cli.group()
def user() -> None:
    """People."""


@user.command("add")
@click.option("--agency", "agency_code", required=True, help="agency code, e.g. POL-NS")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", required=True, multiple=True,
              type=click.Choice([r.value for r in Role]), help="repeat for several roles")
def user_add(agency_code: str, email: str, name: str, roles: tuple[str, ...]) -> None:
    """Register a person (service accounts, the first administrator)."""
    database = _database(_settings())
    with database.transaction() as session:
        created = agency_services.add_user(session, Actor.system(), agency_code=agency_code,
                                           email=email, name=name, roles=list(roles),
                                           now=utcnow())
        click.echo(f"user {created.id} registered in {agency_code}")


@user.command("deactivate")
@click.option("--email", help="the person's e-mail address")
@click.option("--id", "user_id", type=click.UUID, help="the person's id (when several share an address)")
def user_deactivate(email: str | None, user_id: uuid.UUID | None) -> None:
    """Deactivate a person at once: their API tokens stop working and their sessions end."""
    if (email is None) == (user_id is None):
        raise click.UsageError("give either --email or --id")
    database = _database(_settings())
    with database.transaction() as session:
        if user_id is None:
            assert email is not None
            user_id = agency_services.find_user_by_email(session, email).id
        agency_services.deactivate_user(session, Actor.system(), user_id, utcnow())
        click.echo(f"user {user_id} deactivated")


@cli.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option("--user", "email", required=True, help="the person's e-mail address (or their id)")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366))
def token_create(email: str, days: int) -> None:
    """Print a new bearer token once; only its hash is stored."""
    database = _database(_settings())
    with database.transaction() as session:
        person = agency_services.find_user(session, email)
        _token, secret = agency_services.create_token(session, Actor.system(), user=person,
                                                      days=days, now=utcnow())
    click.echo(secret)


# --- keys -------------------------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """The keyring: key-encryption keys and the blind-index key."""


@keys.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keys_init(path: Path) -> None:
    """Write a new keyring file (mode 0600) with an active KEK and a blind-index key."""
    ring = Keyring.generate()
    ring.save(path)  # refuses an existing file: overwriting a keyring loses every case
    click.echo(f"keyring written to {path} (active KEK {ring.active_kek_id}); "
               "keep a copy offline: without it nothing encrypted can be read")


class _RewrapProgress:
    """A progress bar on stderr: redrawn in place on a terminal, one line per tenth otherwise."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.tty = sys.stderr.isatty()
        self.shown_tenth = -1
        self._draw()

    def __call__(self, count: int) -> None:
        self.done += count
        self._draw()

    def _draw(self) -> None:
        fraction = min(self.done / self.total, 1.0)
        filled = int(fraction * self.WIDTH)
        line = (f"re-wrapping data keys [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                f"{fraction:4.0%} {self.done}/{self.total}")
        if self.tty:
            click.echo(f"\r{line}", nl=False, err=True)
        elif int(fraction * 10) > self.shown_tenth:
            self.shown_tenth = int(fraction * 10)
            click.echo(line, err=True)

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total  # keys shredded meanwhile: nothing is left to do
            self._draw()
        if self.tty:
            click.echo("", err=True)


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a KEK, make it active, and re-wrap every data key under it (content is not touched)."""
    settings = _settings()
    if settings.keyring_path is None:
        _fail("HUB_KEYRING is not set: point it at the keyring file made by `hub keys init`", 2)
    assert settings.keyring_path is not None
    database = _database(settings)
    Keyring.load(settings.keyring_path)  # fail early on a bad keyring, before anything changes
    total = count_data_keys(database)  # and on an unreachable database
    bar = _RewrapProgress(total)
    ring, done = rotate(database, settings.keyring_path, progress=bar)
    bar.finish()
    click.echo(f"active KEK is now {ring.active_kek_id}; {done} data keys re-wrapped; "
               f"older KEKs are kept in {settings.keyring_path}")


# --- audit ------------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Seal pending events, then verify the whole chain; exit 1 naming the first broken position."""
    database = _database(_settings())
    with database.transaction() as session:
        sealed = seal_pending(session, now=utcnow())
    with database.transaction() as session:
        try:
            result = verify_chain(session)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0][:200] if str(exc.orig) else exc.orig.__class__.__name__
            _fail(f"audit chain could not be verified: the database could not read the chain ({reason})")
    if not result.ok:
        click.echo(f"audit chain BROKEN at position {result.first_broken_position}: "
                   f"{result.problem} ({result.checked} positions verified before it)", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {result.checked} events verified ({sealed} newly sealed)")


# --- jobs -------------------------------------------------------------------------------------


@cli.group()
def jobs() -> None:
    """Scheduled jobs."""


@jobs.command("run")
@click.argument("name", type=click.Choice(JOB_NAMES))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z",
              "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), help="evaluate deadlines as of this time")
def jobs_run(name: str, as_of: datetime | None) -> None:
    """Run one scheduled job once."""
    from hub.jobs import run_job

    count = run_job(_database(_settings()), name, as_of=as_of)
    click.echo(f"{name}: {count} done")


@cli.command("scheduler")
@click.option("--standby-poll", default=1.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="seconds between a standby scheduler's attempts to take over")
def scheduler_command(standby_poll: float) -> None:
    """Run the scheduled jobs; a second scheduler waits as a hot standby."""
    from hub.scheduler import run_scheduler

    logging.getLogger("hub").setLevel(logging.INFO)
    raise SystemExit(run_scheduler(_database(_settings()), standby_poll=standby_poll))


# --- serving ----------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="threads per worker (more than one: gunicorn's gthread worker)")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the hub with gunicorn (production)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from hub import migrate
    from hub.app import create_app

    settings = _settings()
    if not settings.secret_key:
        _fail("HUB_SECRET_KEY is not set: give the web server a long random secret", 2)
    if settings.keyring_path is None:
        _fail("HUB_KEYRING is not set: create a keyring with `hub keys init PATH`", 2)
    # Fail here, with a message, rather than in every gunicorn worker with a traceback.
    app = create_app(settings)
    database = app.extensions["hub"].database
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = MigrationContext.configure(connection).get_current_revision()
    database.engine.dispose()
    head = ScriptDirectory.from_config(migrate.alembic_config(settings.database_url)).get_current_head()
    if current != head:
        _fail(f"the database schema is at {current or 'nothing'}, not the newest ({head}): "
              "run `hub db upgrade` first")
    _check_port_free(host, port)
    run_server(host=host, port=port, workers=workers, threads=threads, app_factory=create_app)


def _check_port_free(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@cli.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def demo(port: int) -> None:
    """Set up instance/ with demo data and serve the hub on loopback."""
    from hub.demo import run_demo

    run_demo(port=port)


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


if __name__ == "__main__":
    sys.exit(main())
