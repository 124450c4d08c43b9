"""Signed checkpoints of the audit chain, in an append-only log outside the database (invariant 5).

Whoever can write the database can edit an event and re-seal the chain after it, or cut off its
tail, and the chain alone still verifies. So every sealing run that advances the chain appends a
checkpoint of its new head to the file ``HUB_AUDIT_CHECKPOINTS``, signed with the keyring's
Ed25519 key, as CloudTrail's digest files and Certificate Transparency's signed tree heads do;
`hub audit verify` then checks every line's signature and that the chain still holds each
checkpointed head hash at its position.

One line per checkpoint, a JSON object with exactly these members::

    {"format": "hub-audit-checkpoint/1", "head": "<64 lowercase hex digits>",
     "key_id": "ed25519-<16 hex digits>", "position": <chain position, an integer>,
     "signature": "<base64 of 64 bytes>", "time": "YYYY-MM-DDTHH:MM:SS.ffffffZ"}

``head`` is the chain's hash at ``position``; ``time`` is the sealing run's time in UTC;
``key_id`` names the signing key (see :class:`hub.crypto.keyring.SigningKey`). The signature is
Ed25519 (RFC 8032) over the canonical form of the object without ``signature``: its RFC 8785
(JCS) serialisation, i.e. the members in key order, no whitespace, UTF-8. For these members
(ASCII strings and an integer) that is ``json.dumps(members, sort_keys=True,
separators=(",", ":"))``, or ``jq -jcS 'del(.signature)'`` on the line, so an auditor can verify
a line elsewhere with the public key `hub audit public-key` prints.

Lines are written after the sealing transaction has committed (a checkpoint never names a head
that was rolled back), under an exclusive lock on the file, in one write, then fsynced. Two
sealers that race may write their lines out of position order; verification does not need them
in order.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.chain import TIME_FORMAT, Sealing, seal
from hub.audit.models import AuditSeal
from hub.config import ConfigError, Settings
from hub.crypto.keyring import Keyring, SigningKey

FORMAT = "hub-audit-checkpoint/1"
MEMBERS = frozenset({"format", "head", "key_id", "position", "signature", "time"})
# Positions are JSON integers: keep them within what every JSON reader holds exactly (2^53 - 1).
MAX_POSITION = 2**53 - 1
SIGNATURE_BYTES = 64
_HEAD = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_KEY_ID = re.compile(r"ed25519-[0-9a-f]{16}")
# Checkpointed positions are looked up in the chain this many at a time (primary-key lookups).
LOOKUP_BATCH = 1000

NO_SIGNING_KEY = ("the keyring has no checkpoint-signing key (it was written before signed "
                  "checkpoints): run `hub keys rotate` to add one")


# Registers an action to run once the current transaction has committed.
AfterCommit = Callable[[Callable[[], None]], None]


class CheckpointError(Exception):
    """A checkpoint line is not a well-formed, well-signed checkpoint; the message says why."""


@dataclass(frozen=True)
class CheckpointLog:
    """Where checkpoints go (HUB_AUDIT_CHECKPOINTS) and the key that signs them, if the keyring
    has one (a keyring written before signed checkpoints has none)."""

    path: Path
    key: SigningKey | None


def checkpoint_log(settings: Settings) -> CheckpointLog:
    """The checkpoint log of these settings; sealing and verifying need HUB_KEYRING (invariant 5)."""
    if settings.keyring_path is None or settings.audit_checkpoints_path is None:
        raise ConfigError("HUB_KEYRING is not set: audit checkpoints are signed and verified with "
                          "the keyring's checkpoint-signing key (see `hub keys init`)")
    return CheckpointLog(settings.audit_checkpoints_path,
                         Keyring.load(settings.keyring_path).signing_key)


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head: str
    time: str
    key_id: str
    signature: bytes

    def members(self) -> dict[str, Any]:
        """Every member but the signature: what the signature covers."""
        return {"format": FORMAT, "head": self.head, "key_id": self.key_id,
                "position": self.position, "time": self.time}

    def signed_bytes(self) -> bytes:
        """The canonical form the signature is over (RFC 8785, see the module docstring)."""
        return canonical(self.members())

    def to_line(self) -> str:
        document = {**self.members(), "signature": base64.b64encode(self.signature).decode()}
        return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def canonical(members: dict[str, Any]) -> bytes:
    """RFC 8785 for objects of ASCII strings and integers: sorted keys, no whitespace."""
    return json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign_checkpoint(key: SigningKey, position: int, head: str, at: datetime) -> Checkpoint:
    """A checkpoint of the chain's head ``head`` at ``position``, made at ``at``, signed by ``key``."""
    unsigned = Checkpoint(position, head, at.astimezone(UTC).strftime(TIME_FORMAT), key.id, b"")
    return Checkpoint(position, head, unsigned.time, key.id, key.sign(unsigned.signed_bytes()))


def append_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line to the checkpoint log: append mode, an exclusive lock, one write, fsync."""
    data = checkpoint.to_line().encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        # The lock keeps the lines of concurrent sealers (scheduler, `hub audit verify`) whole.
        fcntl.flock(fd, fcntl.LOCK_EX)
        written = os.write(fd, data)
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


def check_writable(path: Path) -> None:
    """Fail before sealing, not after, when the checkpoint log cannot be opened for appending."""
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640))


def seal_and_checkpoint(session: Session, checkpoints: CheckpointLog, *, now: datetime,
                        after_commit: AfterCommit) -> Sealing:
    """Seal pending events; when the chain advanced, sign its new head and have ``after_commit``
    append the checkpoint, so that the log never names a head that was rolled back (invariant 5).

    Without a signing key it seals and signs nothing; the caller says how to add a key.
    """
    if checkpoints.key is not None:
        check_writable(checkpoints.path)  # fail before sealing, not after
    sealing = seal(session, now=now)
    if sealing.sealed and checkpoints.key is not None:
        checkpoint = sign_checkpoint(checkpoints.key, sealing.position, sealing.head, now)
        after_commit(partial(append_checkpoint, checkpoints.path, checkpoint))
    return sealing


def parse_line(text: str) -> Checkpoint:
    """One line of the log as a checkpoint; a CheckpointError says what is wrong with it."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise CheckpointError("not a checkpoint: not a JSON object") from None
    if not isinstance(raw, dict):
        raise CheckpointError("not a checkpoint: not a JSON object")
    if set(raw) != MEMBERS:
        missing, extra = sorted(MEMBERS - set(raw)), sorted(set(raw) - MEMBERS)
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"unexpected {', '.join(extra)}"] if extra else []
        raise CheckpointError(f"not a checkpoint: {'; '.join(said)}")
    if raw["format"] != FORMAT:
        raise CheckpointError(f"not a checkpoint: format is not {FORMAT!r}")
    position = raw["position"]
    if not isinstance(position, int) or isinstance(position, bool) or not 1 <= position <= MAX_POSITION:
        raise CheckpointError("not a checkpoint: position must be a whole number from 1")
    for member, pattern in (("head", _HEAD), ("time", _TIME), ("key_id", _KEY_ID)):
        if not isinstance(raw[member], str) or not pattern.fullmatch(raw[member]):
            raise CheckpointError(f"not a checkpoint: {member} is malformed")
    try:
        signature = base64.b64decode(raw["signature"], validate=True) \
            if isinstance(raw["signature"], str) else b""
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != SIGNATURE_BYTES:
        raise CheckpointError(f"not a checkpoint: signature must be {SIGNATURE_BYTES} bytes in base64")
    return Checkpoint(position, raw["head"], raw["time"], raw["key_id"], signature)


def check_signature(checkpoint: Checkpoint, key: SigningKey | None) -> None:
    """The line is signed by the keyring's checkpoint-signing key, over exactly what it says."""
    if key is None:
        raise CheckpointError(f"signed by key {checkpoint.key_id}, and {NO_SIGNING_KEY}")
    if checkpoint.key_id != key.id:
        raise CheckpointError(f"signed by key {checkpoint.key_id}, which is not the keyring's "
                              f"checkpoint-signing key {key.id}")
    try:
        key.public_key.verify(checkpoint.signature, checkpoint.signed_bytes())
    except InvalidSignature:
        raise CheckpointError(f"its signature does not verify with key {key.id} "
                              "(the line was changed or forged)") from None


@dataclass(frozen=True)
class BadLine:
    line: int
    problem: str


@dataclass(frozen=True)
class Broken:
    position: int
    problem: str


@dataclass(frozen=True)
class SignedLines:
    """The log's lines, checked without the database: the heads that well-signed lines name, by
    position (with their line numbers), and the lines that are malformed or badly signed."""

    heads: dict[int, list[tuple[int, str]]]
    first_bad_line: BadLine | None
    bad_lines: int


@dataclass(frozen=True)
class CheckpointVerification:
    """What the checkpoint log says about the chain.

    ``verified``: well-signed lines whose head the chain still holds; ``newest``: the highest
    position among them; ``first_bad_line`` and ``bad_lines``: lines that are malformed or badly
    signed; ``first_broken``: the lowest position where the chain no longer holds what a
    well-signed line says.
    """

    verified: int
    newest: int | None
    first_bad_line: BadLine | None = None
    bad_lines: int = 0
    first_broken: Broken | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_line is None and self.first_broken is None


def read_log(path: Path) -> Iterator[tuple[int, str]]:
    """(line number from 1, text) of every line; an absent log has none (nothing sealed yet)."""
    try:
        handle = path.open("r", encoding="utf-8", errors="replace", newline="\n")
    except FileNotFoundError:
        return
    with handle:
        yield from enumerate(handle, start=1)


def check_lines(lines: Iterable[tuple[int, str]], key: SigningKey | None, *,
                workers: int | None = None, chunk_size: int = 2000) -> SignedLines:
    """Parse every line and check its signature; keep only what the chain must be compared with.

    Ed25519 verification is most of the cost (about 0.15 ms a line) and releases the GIL, so
    chunks of lines are checked in a few threads, a bounded number at a time. Read the log
    before the chain: every checkpoint in it then names seals the chain already holds.
    """
    heads: dict[int, list[tuple[int, str]]] = {}
    first_bad: BadLine | None = None
    bad = 0
    workers = workers or min(4, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-checkpoints") as pool:
        pending: deque[Future[list[tuple[int, Checkpoint | str]]]] = deque()
        chunks = _chunked(lines, chunk_size)
        while True:
            while len(pending) < 2 * workers and (chunk := next(chunks, None)) is not None:
                pending.append(pool.submit(_check_chunk, chunk, key))
            if not pending:
                break
            for number, outcome in pending.popleft().result():
                if isinstance(outcome, str):
                    bad += 1
                    first_bad = first_bad or BadLine(number, outcome)
                else:
                    heads.setdefault(outcome.position, []).append((number, outcome.head))
    return SignedLines(heads, first_bad, bad)


def _chunked(lines: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(lines)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _check_chunk(chunk: list[tuple[int, str]],
                 key: SigningKey | None) -> list[tuple[int, Checkpoint | str]]:
    """Each line's checkpoint, or what is wrong with it."""
    outcomes: list[tuple[int, Checkpoint | str]] = []
    for number, text in chunk:
        try:
            checkpoint = parse_line(text)
            check_signature(checkpoint, key)
        except CheckpointError as exc:
            outcomes.append((number, str(exc)))
        else:
            outcomes.append((number, checkpoint))
    return outcomes


def verify_checkpoints(session: Session, signed: SignedLines) -> CheckpointVerification:
    """Check that the chain still holds every well-signed head at its position (invariant 5).

    The chain is consulted only by primary-key lookups of the checkpointed positions, never by
    another pass over it: :func:`hub.audit.chain.verify_chain` checks each link, so a checkpoint
    that still matches its position vouches for every position up to it.
    """
    held = _held_hashes(session, sorted(signed.heads))
    top = int(session.scalar(select(func.max(AuditSeal.position))) or 0)
    verified, newest, last_holding = 0, None, 0
    broken: Broken | None = None
    for position in sorted(signed.heads):
        stored = held.get(position)
        for number, head in signed.heads[position]:
            if stored == head:
                verified += 1
                newest = position
            elif broken is None:
                broken = _broken(position, number, top, last_holding, stored)
        if broken is None:
            last_holding = position
    return CheckpointVerification(verified, newest, signed.first_bad_line, signed.bad_lines, broken)


def _held_hashes(session: Session, positions: list[int]) -> dict[int, str]:
    held: dict[int, str] = {}
    for start in range(0, len(positions), LOOKUP_BATCH):
        batch = positions[start:start + LOOKUP_BATCH]
        rows = session.execute(
            select(AuditSeal.position, AuditSeal.hash).where(AuditSeal.position.in_(batch)))
        held.update((int(position), str(digest)) for position, digest in rows)
    return held


def _broken(position: int, line: int, top: int, last_holding: int, stored: str | None) -> Broken:
    if stored is None and position > top:
        ends = f"the chain ends at position {top}" if top else "the chain is empty"
        return Broken(top + 1, f"{ends}, but checkpoint line {line} signed its head at position "
                               f"{position}: the tail was cut off")
    if stored is None:
        return Broken(position, f"position {position} is missing, but checkpoint line {line} "
                                "signed its head")
    # The checkpoint before this one still holds: what changed lies after it.
    where = (f"the event at position {position}" if last_holding + 1 == position
             else f"an event at positions {last_holding + 1}-{position}")
    return Broken(position, f"it no longer holds the head hash that checkpoint line {line} signed: "
                            f"{where} was changed and the chain re-sealed after it")
