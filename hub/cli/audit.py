"""`hub audit`: sealing and verifying the audit trail and its signed checkpoints (invariant 5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy.exc import DBAPIError

from hub.audit.chain import Verification, verify_chain
from hub.audit.checkpoints import (
    NO_SIGNING_KEY,
    CheckpointVerification,
    check_lines,
    checkpoint_log,
    read_log,
    seal_and_checkpoint,
    verify_checkpoints,
)
from hub.cli.common import database_for, fail
from hub.config import load_settings
from hub.crypto.keyring import Keyring
from hub.db import utcnow


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Seal pending events, then verify the whole chain and every signed checkpoint; exit 1 naming
    the first broken position (or checkpoint line)."""
    settings = load_settings()
    checkpoints = checkpoint_log(settings)
    database = database_for(settings)
    committed: list[Callable[[], None]] = []
    with database.transaction() as session:
        sealing = seal_and_checkpoint(session, checkpoints, now=utcnow(),
                                      after_commit=committed.append)
    for append in committed:
        append()
    if checkpoints.key is None:
        click.echo(f"warning: no signed checkpoint written: {NO_SIGNING_KEY}", err=True)
    # The log first: every checkpoint read then names seals the chain already holds.
    signed = check_lines(read_log(checkpoints.path), checkpoints.key)
    with database.transaction() as session:
        try:
            result = verify_chain(session)
            held = verify_checkpoints(session, signed)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0][:200] if str(exc.orig) else exc.orig.__class__.__name__
            fail(f"audit chain could not be verified: the database could not read the chain ({reason})")
    if not (result.ok and held.ok):
        _report_breaks(result, held, checkpoints.path)
        raise SystemExit(1)
    if held.newest is None:
        said = "no signed checkpoints yet"
    else:
        said = (f"{held.verified} signed checkpoint{'s' if held.verified != 1 else ''} verified, "
                f"the newest at position {held.newest}")
    click.echo(f"audit chain intact: {result.checked} events verified ({sealing.sealed} newly "
               f"sealed); {said}")


def _report_breaks(result: Verification, held: CheckpointVerification, log: Path) -> None:
    """Every kind of break found, lowest position first, then the first bad checkpoint line."""
    breaks = []
    if not result.ok:
        breaks.append((result.first_broken_position or 0,
                       f"{result.problem} ({result.checked} positions verified before it)"))
    if held.first_broken is not None:
        breaks.append((held.first_broken.position, held.first_broken.problem))
    for position, problem in sorted(breaks, key=lambda b: b[0]):
        click.echo(f"audit chain BROKEN at position {position}: {problem}", err=True)
    if held.first_bad_line is not None:
        more = held.bad_lines - 1
        click.echo(f"audit checkpoints BROKEN at line {held.first_bad_line.line} of {log}: "
                   f"{held.first_bad_line.problem}"
                   + (f" ({more} more bad line{'s' if more != 1 else ''})" if more else ""), err=True)


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the checkpoint-signing public key (PEM) and its key id, for auditors who verify
    the checkpoint log elsewhere."""
    settings = load_settings()
    if settings.keyring_path is None:
        fail("HUB_KEYRING is not set: the checkpoint-signing key is in the keyring", 2)
        return
    key = Keyring.load(settings.keyring_path).signing_key
    if key is None:
        fail(NO_SIGNING_KEY)
        return
    click.echo(f"key id: {key.id}")
    click.echo(key.public_pem(), nl=False)
