"""AES-256-GCM envelope encryption with a fresh data key per value version (invariant 4).

A value blob is ``0x01 | data key id (16) | nonce (12) | ciphertext+tag``. Its associated data
binds table, column, row id, case id and version, so a blob copied to another row, column, case
or version fails authentication. The data key is wrapped by the active KEK with associated data
binding its own id and case, so wrapped keys cannot be swapped between values either.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey

BLOB_VERSION = b"\x01"
NONCE_BYTES = 12
HEADER_BYTES = 1 + 16 + NONCE_BYTES


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
    return b"hub-data-key\x1f" + data_key_id.bytes + b"\x1f" + (case_id.bytes if case_id else b"-")


def wrap_key(kek: bytes, key: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, key, _wrap_aad(data_key_id, case_id))


def unwrap_key(
    kek: bytes, wrapped: bytes, data_key_id: uuid.UUID, case_id: uuid.UUID | None
) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(data_key_id, case_id)
        )
    except InvalidTag:
        raise DecryptionError(f"data key {data_key_id} failed to unwrap") from None


class Envelope:
    """Encrypts and decrypts values; data keys are rows in the same transaction as the value."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

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
        key = AESGCM.generate_key(bit_length=256)
        data_key = DataKey(
            id=uuid.uuid4(),
            case_id=case_uuid,
            kek_id=self.keyring.active_kek_id,
            created_at=now,
        )
        data_key.wrapped_key = wrap_key(self.keyring.active_kek, key, data_key.id, case_uuid)
        session.add(data_key)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, binding.associated_data())
        return BLOB_VERSION + data_key.id.bytes + nonce + ciphertext

    def decrypt(self, session: Session, blob: bytes, binding: Binding) -> bytes:
        """Decrypt a value; any tampering, move or wrong key raises DecryptionError."""
        if len(blob) < HEADER_BYTES + 16 or blob[:1] != BLOB_VERSION:
            raise DecryptionError("not an envelope blob")
        data_key_id = uuid.UUID(bytes=bytes(blob[1:17]))
        nonce = blob[17:HEADER_BYTES]
        row = session.execute(
            select(DataKey.kek_id, DataKey.wrapped_key, DataKey.case_id).where(
                DataKey.id == data_key_id
            )
        ).first()
        if row is None:
            raise DecryptionError("data key destroyed or missing")
        key = unwrap_key(self.keyring.kek(row.kek_id), row.wrapped_key, data_key_id, row.case_id)
        try:
            return AESGCM(key).decrypt(nonce, blob[HEADER_BYTES:], binding.associated_data())
        except InvalidTag:
            raise DecryptionError(
                f"authentication failed for {binding.table}.{binding.column}"
            ) from None


def destroy_case_keys(session: Session, case_id: uuid.UUID) -> int:
    """Crypto-shred: delete every data key of a case so its content can never be decrypted."""
    result = session.execute(delete(DataKey).where(DataKey.case_id == case_id))
    return int(getattr(result, "rowcount", 0) or 0)


def rewrap_batch(
    session: Session, keyring: Keyring, rows: list[tuple[uuid.UUID, str, bytes, uuid.UUID | None]]
) -> int:
    """Re-wrap a batch of data keys under the active KEK without touching any content."""
    active = keyring.active_kek
    params = []
    for key_id, kek_id, wrapped, case_id in rows:
        key = unwrap_key(keyring.kek(kek_id), wrapped, key_id, case_id)
        params.append(
            {
                "b_id": key_id,
                "b_kek": keyring.active_kek_id,
                "b_wrapped": wrap_key(active, key, key_id, case_id),
            }
        )
    if params:
        table = DataKey.__table__
        assert isinstance(table, Table)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(kek_id=bindparam("b_kek"), wrapped_key=bindparam("b_wrapped"))
        )
        session.connection().execute(stmt, params)
    return len(params)
