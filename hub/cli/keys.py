"""`hub keys`: the keyring, key rotation and the blind indexes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cases.reindex import count_indexable, reindex_subjects
from hub.cli.common import database_for, fail
from hub.config import load_settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.crypto.rotation import count_data_keys, rotate
from hub.db import utcnow


@click.group()
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

    def __init__(self, total: int, label: str = "re-wrapping data keys") -> None:
        self.label = label
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
        line = (f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
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
    settings = load_settings()
    if settings.keyring_path is None:
        fail("HUB_KEYRING is not set: point it at the keyring file made by `hub keys init`", 2)
    assert settings.keyring_path is not None
    database = database_for(settings)
    before = Keyring.load(settings.keyring_path)  # fail early on a bad keyring, before any change
    total = count_data_keys(database)  # and on an unreachable database
    bar = _RewrapProgress(total)
    ring, done = rotate(database, settings.keyring_path, progress=bar)
    bar.finish()
    click.echo(f"active KEK is now {ring.active_kek_id}; {done} data keys re-wrapped; "
               f"older KEKs are kept in {settings.keyring_path}")
    if before.signing_key is None and ring.signing_key is not None:
        click.echo(f"added the audit checkpoint-signing key {ring.signing_key.id} "
                   "(`hub audit public-key` prints it for auditors)")


@keys.command("reindex")
def keys_reindex() -> None:
    """Recompute every case's blind index from its decrypted subject (after an upgrade that
    changes how names are normalised); idempotent, audited, safe while the hub runs."""
    settings = load_settings()
    if settings.keyring_path is None:
        fail("HUB_KEYRING is not set: point it at the keyring file made by `hub keys init`", 2)
    assert settings.keyring_path is not None
    envelope = Envelope(Keyring.load(settings.keyring_path))
    database = database_for(settings)
    bar = _RewrapProgress(count_indexable(database), label="re-indexing case subjects")
    done = reindex_subjects(database, envelope, now=utcnow(), progress=bar)
    bar.finish()
    click.echo(f"{done.checked} case subjects checked; {done.changed} blind indexes recomputed")
    if done.unmatchable:
        click.echo(f"{len(done.unmatchable)} cases have a subject name without letters and now "
                   f"match no other case; correct their subjects: {', '.join(done.unmatchable)}")
