"""`hub serve`, `hub scheduler` and `hub demo`: the long-running processes."""

from __future__ import annotations

import logging
import socket

import click
from sqlalchemy import text

from hub.cli.common import database_for, fail
from hub.config import load_settings
from hub.serve import DEFAULT_THREADS
from hub.serve import serve as run_server


@click.command("scheduler")
@click.option("--standby-poll", default=1.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="seconds between a standby scheduler's attempts to take over")
def scheduler_command(standby_poll: float) -> None:
    """Run the scheduled jobs; a second scheduler waits as a hot standby."""
    from hub.scheduler import run_scheduler

    logging.getLogger("hub").setLevel(logging.INFO)
    settings = load_settings()
    raise SystemExit(run_scheduler(database_for(settings), settings, standby_poll=standby_poll))


# --- serving ----------------------------------------------------------------------------------


@click.command()
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

    settings = load_settings()
    if not settings.secret_key:
        fail("HUB_SECRET_KEY is not set: give the web server a long random secret", 2)
    if settings.keyring_path is None:
        fail("HUB_KEYRING is not set: create a keyring with `hub keys init PATH`", 2)
    # Fail here, with a message, rather than in every gunicorn worker with a traceback.
    app = create_app(settings)
    database = app.extensions["hub"].database
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = MigrationContext.configure(connection).get_current_revision()
    database.engine.dispose()
    head = ScriptDirectory.from_config(migrate.alembic_config(settings.database_url)).get_current_head()
    if current != head:
        fail(f"the database schema is at {current or 'nothing'}, not the newest ({head}): "
              "run `hub db upgrade` first")
    _check_port_free(host, port)
    run_server(host=host, port=port, workers=workers, threads=threads, app_factory=create_app)


def _check_port_free(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def demo(port: int) -> None:
    """Set up instance/ with demo data and serve the hub on loopback."""
    from hub.demo import run_demo

    run_demo(port=port)
