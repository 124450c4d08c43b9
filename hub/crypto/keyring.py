"""The keyring file: key-encryption keys with ids, the active id, the blind-index key, and the
Ed25519 key that signs audit checkpoints (invariant 5)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
FORMAT = 1
# data_keys.kek_id is a VARCHAR(64): a longer id could never be stored.
MAX_KEK_ID_LENGTH = 64


class KeyringError(Exception):
    """The keyring is missing, unreadable or inconsistent; the message says which."""


@dataclass(frozen=True)
class SigningKey:
    """The Ed25519 key (RFC 8032) that signs audit checkpoints, kept as its 32-byte seed.

    Its id is ``ed25519-`` and the first 16 hex digits of the SHA-256 of the raw 32-byte public
    key, so an auditor holding only the public key can tell which key a checkpoint names.
    """

    seed: bytes

    def __repr__(self) -> str:
        return f"SigningKey(id={self.id!r})"

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate().private_bytes_raw())

    @cached_property
    def private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def id(self) -> str:
        return signing_key_id(self.public_key)

    def public_pem(self) -> str:
        """The public key as PEM (SubjectPublicKeyInfo), for auditors who verify elsewhere."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def signing_key_id(public_key: Ed25519PublicKey) -> str:
    """The id of a checkpoint-signing key, derived from its public key (see :class:`SigningKey`)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]


@dataclass
class Keyring:
    """KEKs by id, which one wraps new data keys, and the separate blind-index key (invariant 4);
    the checkpoint-signing key (invariant 5), None in a keyring written before checkpoints."""

    keks: dict[str, bytes]
    active_kek_id: str
    blind_index_key: bytes
    path: Path | None = field(default=None, compare=False)
    signing_key: SigningKey | None = None
    _aeads: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        # Never let a key reach a log line or a traceback through repr().
        return f"Keyring(active_kek_id={self.active_kek_id!r}, kek_ids={sorted(self.keks)!r})"

    @property
    def active_kek(self) -> bytes:
        return self.keks[self.active_kek_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise KeyringError(f"data key is wrapped by unknown KEK {kek_id!r}") from None

    def aead(self, kek_id: str) -> AESGCM:
        """The AES-GCM cipher of one KEK, built once: re-wrapping calls it for every data key."""
        cipher = self._aeads.get(kek_id)
        if cipher is None:
            cipher = self._aeads[kek_id] = AESGCM(self.kek(kek_id))
        return cipher

    @staticmethod
    def new_kek_id() -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return f"kek-{stamp}-{secrets.token_hex(3)}"

    @classmethod
    def generate(cls) -> Keyring:
        kek_id = cls.new_kek_id()
        return cls(
            keks={kek_id: secrets.token_bytes(KEY_BYTES)},
            active_kek_id=kek_id,
            blind_index_key=secrets.token_bytes(KEY_BYTES),
            signing_key=SigningKey.generate(),
        )

    def with_new_active_kek(self) -> Keyring:
        """A copy with one more KEK, made active; every older KEK stays so old data keys still open.

        The checkpoint-signing key is kept (old checkpoints must still verify); a keyring written
        before checkpoints gets one, so `hub keys rotate` is how such a keyring gains it.
        """
        kek_id = self.new_kek_id()
        while kek_id in self.keks:
            kek_id = self.new_kek_id()
        keks = dict(self.keks)
        keks[kek_id] = secrets.token_bytes(KEY_BYTES)
        return Keyring(keks, kek_id, self.blind_index_key, self.path,
                       self.signing_key or SigningKey.generate())

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "format": FORMAT,
            "active_kek": self.active_kek_id,
            "keks": {k: base64.b64encode(v).decode() for k, v in self.keks.items()},
            "blind_index_key": base64.b64encode(self.blind_index_key).decode(),
        }
        if self.signing_key is not None:
            # An optional member, so the format (and older files) stay valid without it.
            document["checkpoint_signing_key"] = {
                "id": self.signing_key.id,
                "ed25519": base64.b64encode(self.signing_key.seed).decode(),
            }
        return json.dumps(document, indent=2)

    def save(self, path: Path, *, overwrite: bool = False) -> None:
        """Write atomically with mode 0600; refuse to overwrite unless asked (keys are precious).

        The file is written under a unique temporary name and then linked into place, so a
        second writer racing for the same new path fails instead of replacing the first's keys.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise KeyringError(f"{path} already exists; refusing to overwrite a keyring")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            if overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    raise KeyringError(
                        f"{path} already exists; refusing to overwrite a keyring"
                    ) from None
                tmp.unlink()
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        _fsync_directory(path.parent)
        self.path = path

    @classmethod
    def load(cls, path: Path) -> Keyring:
        """Read and check a keyring file; any problem is a KeyringError naming the file and the fault."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyringError(f"keyring file not found: {path}") from None
        except IsADirectoryError:
            raise KeyringError(f"keyring path {path} is a directory, not a keyring file") from None
        except PermissionError:
            raise KeyringError(f"keyring file {path} cannot be read (permission denied)") from None
        except (OSError, ValueError) as exc:
            raise KeyringError(f"keyring file {path} is not a valid keyring (not JSON: {exc})") from None
        if not isinstance(raw, dict):
            raise KeyringError(f"keyring file {path} is malformed: expected a JSON object")
        if raw.get("format") != FORMAT:
            raise KeyringError(f"keyring file {path} has an unknown format (expected format {FORMAT})")
        keks = _decode_keks(path, raw.get("keks"))
        active = raw.get("active_kek")
        if not isinstance(active, str) or active not in keks:
            raise KeyringError(f"keyring file {path}: active KEK {active!r} is not in the file")
        bik = _decode_key(path, "blind_index_key", raw.get("blind_index_key"))
        signing = _decode_signing_key(path, raw.get("checkpoint_signing_key"))
        return cls(keks, active, bik, path, signing)


def _decode_key(path: Path, what: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"keyring file {path} is malformed: {what} must be a base64 string")
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"keyring file {path} is malformed: {what} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"keyring file {path}: {what} must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def _decode_keks(path: Path, value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict) or not value:
        raise KeyringError(f"keyring file {path} is malformed: keks must be a non-empty object")
    keks: dict[str, bytes] = {}
    for kek_id, encoded in value.items():
        if not kek_id or len(kek_id) > MAX_KEK_ID_LENGTH:
            raise KeyringError(
                f"keyring file {path}: KEK ids must be 1 to {MAX_KEK_ID_LENGTH} characters"
            )
        keks[kek_id] = _decode_key(path, f"KEK {kek_id!r}", encoded)
    return keks


def _decode_signing_key(path: Path, value: Any) -> SigningKey | None:
    if value is None:
        return None  # written before signed checkpoints: everything else still works
    if not isinstance(value, dict) or set(value) != {"id", "ed25519"}:
        raise KeyringError(f"keyring file {path} is malformed: checkpoint_signing_key must be an "
                           'object with "id" and "ed25519"')
    key = SigningKey(_decode_key(path, "checkpoint_signing_key ed25519", value["ed25519"]))
    if value["id"] != key.id:
        raise KeyringError(f"keyring file {path}: checkpoint_signing_key id {value['id']!r} is not "
                           f"the id of its key ({key.id})")
    return key


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: a keyring lost in a crash loses every case."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an advisory lock beside the keyring so two rotations never lose each other's KEK."""
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
