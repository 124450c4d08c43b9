"""`hub jobs run NAME`: one scheduled job once; the names are the registered jobs'."""

from __future__ import annotations

from datetime import datetime

import click

from hub import wiring
from hub.cli.common import database_for
from hub.config import load_settings


@click.group()
def jobs() -> None:
    """Scheduled jobs."""


@jobs.command("run")
@click.argument("name", type=click.Choice(sorted(wiring.jobs())))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z",
              "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), help="evaluate deadlines as of this time")
def jobs_run(name: str, as_of: datetime | None) -> None:
    """Run one scheduled job once."""
    from hub.jobs import run_job

    settings = load_settings()
    count = run_job(database_for(settings), settings, name, as_of=as_of)
    click.echo(f"{name}: {count} done")
