"""`hub audit`: sealing and verifying the audit trail."""

from __future__ import annotations

import click
from sqlalchemy.exc import DBAPIError

from hub.audit.chain import seal_pending, verify_chain
from hub.cli.common import database_for, fail
from hub.config import load_settings
from hub.db import utcnow


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Seal pending events, then verify the whole chain; exit 1 naming the first broken position."""
    database = database_for(load_settings())
    with database.transaction() as session:
        sealed = seal_pending(session, now=utcnow())
    with database.transaction() as session:
        try:
            result = verify_chain(session)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0][:200] if str(exc.orig) else exc.orig.__class__.__name__
            fail(f"audit chain could not be verified: the database could not read the chain ({reason})")
    if not result.ok:
        click.echo(f"audit chain BROKEN at position {result.first_broken_position}: "
                   f"{result.problem} ({result.checked} positions verified before it)", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {result.checked} events verified ({sealed} newly sealed)")
