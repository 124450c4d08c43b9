"""AES-256-GCM envelope encryption with a fresh data key per value version (invariant 4).

A value blob is ``0x01 | data key id (16) | nonce (12) | ciphertext+tag``. Its associated data
binds table, column, row id, case id and version, so a blob copied to another row, column, case
or version fails authentication. The data key is wrapped by the active KEK with associated data
binding its own id and case, so wrapped keys cannot be swapped between values either.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from hub.crypto.keyring import Keyring, KeyringError
from hub.crypto.models import DataKey

BLOB_VERSION = b"\x01"
NONCE_BYTES = 12
HEADER_BYTES = 1 + 16 + NONCE_BYTES
TAG_BYTES = 16
WRAPPED_KEY_BYTES = NONCE_BYTES + 32 + TAG_BYTES

log = logging.getLogger(__name__)


class DecryptionError(Exception):
    """Authentication failed or the key is gone: the value must not be used. Never swallowed."""


@dataclass(frozen=True)
class Binding:
    """Where a value lives; becomes the AEAD associated data."""

    table: str
    column: str
    row_id: str
    case_id: str | None
    version: int

    def associated_data(self) -> bytes:
        parts = (self.table, self.column, self.row_id, self.case_id or "-", str(self.version))
        return "\x1f".join(parts).encode()


def _wrap_aad(data_key_id: uuid.UUID, case_id: uuid.UUID | None) -> bytes:
    return wrap_aad(data_key_id.bytes, case_id.bytes if case_id else None)


def seal_key(kek: AESGCM, key: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None) -> bytes:
    """Wrap a data key with an already-built KEK cipher: ``nonce | ciphertext+tag``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + kek.encrypt(nonce, key, _wrap_aad(data_key_id, case_id))


def open_key(
    kek: AESGCM, wrapped: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None
) -> bytes:
    """Unwrap a data key; a flipped bit, a swapped row or the wrong KEK raises DecryptionError."""
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise DecryptionError(f"data key {data_key_id} is damaged (wrong length)")
    try:
        return kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(data_key_id, case_id))
    except InvalidTag:
        raise DecryptionError(f"data key {data_key_id} failed to unwrap") from None


def wrap_aad(data_key_id: bytes, case_id: bytes | None) -> bytes:
    """The associated data of a wrapped key, from the raw 16-byte ids (the hot path of rotation)."""
    return b"hub-data-key\x1f" + data_key_id + b"\x1f" + (case_id if case_id else b"-")


def rewrap_key(old: AESGCM, new: AESGCM, wrapped: bytes, aad: bytes) -> bytes:
    """Unwrap under ``old`` and wrap again under ``new`` (rotation); content is not touched."""
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise DecryptionError(f"data key {uuid.UUID(bytes=aad[13:29])} is damaged (wrong length)")
    try:
        key = old.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError(f"data key {uuid.UUID(bytes=aad[13:29])} failed to unwrap") from None
    nonce = os.urandom(NONCE_BYTES)
    return nonce + new.encrypt(nonce, key, aad)


def wrap_key(kek: bytes, key: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None) -> bytes:
    """Wrap a data key under a KEK given as raw bytes."""
    return seal_key(AESGCM(kek), key, data_key_id, case_id)


def unwrap_key(
    kek: bytes, wrapped: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None
) -> bytes:
    """Unwrap a data key under a KEK given as raw bytes; failure raises DecryptionError."""
    return open_key(AESGCM(kek), wrapped, data_key_id, case_id)


_DATA_KEY = select(DataKey.kek_id, DataKey.wrapped_key, DataKey.case_id).where(
    DataKey.id == bindparam("data_key_id")
)


class Envelope:
    """Encrypts and decrypts values; data keys are rows in the same transaction as the value.

    When the keyring came from a file, running web workers follow ``hub keys rotate``: a data
    key wrapped by a KEK this process has not seen makes it re-read the file before giving up,
    and a write notices a changed file and wraps its new data key under the new active KEK.
    """

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._file_stamp = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        if self.keyring.path is None:
            return None
        try:
            status = os.stat(self.keyring.path)
        except OSError:
            return None
        return status.st_mtime_ns, status.st_ino

    def _reload(self, reason: str) -> None:
        """Adopt the keyring file's current contents, if it is the same keyring (same index key)."""
        assert self.keyring.path is not None
        try:
            fresh = Keyring.load(self.keyring.path)
        except KeyringError as exc:
            log.warning("keyring file could not be re-read (%s): %s", reason, exc)
            return
        if fresh.blind_index_key != self.keyring.blind_index_key:
            log.error("keyring file now holds a different blind-index key; keeping the loaded keyring")
            return
        if not set(self.keyring.keks) <= set(fresh.keks):
            log.error("keyring file lost KEKs this process uses; keeping the loaded keyring")
            return
        self.keyring = fresh

    def encrypt(
        self,
        session: Session,
        plaintext: bytes,
        binding: Binding,
        *,
        case_uuid: uuid.UUID | None,
        now: datetime,
    ) -> bytes:
        """Encrypt one value version under a fresh data key (DESIGN.md invariant 4)."""
        if binding.case_id != (str(case_uuid) if case_uuid is not None else None):
            # The data key is tagged with case_uuid for crypto-shredding; the two must agree.
            raise ValueError("binding.case_id and case_uuid name different cases")
        stamp = self._stamp()
        if stamp != self._file_stamp:
            self._file_stamp = stamp
            self._reload("the file changed")
        keyring = self.keyring
        key = AESGCM.generate_key(bit_length=256)
        data_key = DataKey(
            id=uuid.uuid4(),
            case_id=case_uuid,
            kek_id=keyring.active_kek_id,
            created_at=now,
        )
        data_key.wrapped_key = seal_key(
            keyring.aead(keyring.active_kek_id), key, data_key.id, case_uuid
        )
        session.add(data_key)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, binding.associated_data())
        return BLOB_VERSION + data_key.id.bytes + nonce + ciphertext

    def encrypt_json(self, session: Session, values: Any, binding: Binding, *,
                     case_uuid: uuid.UUID | None, now: datetime) -> bytes:
        """Encrypt a row's free text as one compact JSON value under a fresh data key."""
        plaintext = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
        return self.encrypt(session, plaintext, binding, case_uuid=case_uuid, now=now)

    def decrypt_json(self, session: Session, blob: bytes, binding: Binding) -> Any:
        """What :meth:`encrypt_json` sealed; tampering raises DecryptionError, as :meth:`decrypt`."""
        return json.loads(self.decrypt(session, blob, binding))

    def decrypt(self, session: Session, blob: bytes, binding: Binding) -> bytes:
        """Decrypt a value; any tampering, move, missing key or wrong KEK raises DecryptionError."""
        blob = bytes(blob)
        if len(blob) < HEADER_BYTES + TAG_BYTES or blob[:1] != BLOB_VERSION:
            raise DecryptionError(f"{binding.table}.{binding.column} is not an envelope blob")
        data_key_id = uuid.UUID(bytes=blob[1:17])
        nonce = blob[17:HEADER_BYTES]
        # The ORM session must not keep the wrapped key around in its identity map.
        row = session.execute(_DATA_KEY, {"data_key_id": data_key_id}).first()
        if row is None:
            raise DecryptionError(
                f"data key of {binding.table}.{binding.column} destroyed or missing"
            )
        key = open_key(self._kek_cipher(row.kek_id), bytes(row.wrapped_key), data_key_id, row.case_id)
        try:
            return AESGCM(key).decrypt(nonce, blob[HEADER_BYTES:], binding.associated_data())
        except InvalidTag:
            raise DecryptionError(
                f"authentication failed for {binding.table}.{binding.column}"
            ) from None

    def _kek_cipher(self, kek_id: str) -> AESGCM:
        if kek_id not in self.keyring.keks and self.keyring.path is not None:
            self._reload(f"looking for KEK {kek_id}")
        if kek_id not in self.keyring.keks:
            raise DecryptionError(f"data key is wrapped by KEK {kek_id!r}, which is not in the keyring")
        return self.keyring.aead(kek_id)


def destroy_case_keys(session: Session, case_id: uuid.UUID) -> int:
    """Crypto-shred: delete every data key of a case so its content can never be decrypted."""
    result = session.execute(delete(DataKey).where(DataKey.case_id == case_id))
    return int(getattr(result, "rowcount", 0) or 0)
