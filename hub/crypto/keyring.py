"""The keyring file: key-encryption keys with ids, the active id, and the blind-index key."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

KEY_BYTES = 32
FORMAT = 1


class KeyringError(Exception):
    """The keyring is missing, unreadable or inconsistent; the message says which."""


@dataclass
class Keyring:
    keks: dict[str, bytes]
    active_kek_id: str
    blind_index_key: bytes
    path: Path | None = field(default=None, compare=False)

    @property
    def active_kek(self) -> bytes:
        return self.keks[self.active_kek_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise KeyringError(f"data key is wrapped by unknown KEK {kek_id!r}") from None

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
        )

    def with_new_active_kek(self) -> Keyring:
        kek_id = self.new_kek_id()
        while kek_id in self.keks:
            kek_id = self.new_kek_id()
        keks = dict(self.keks)
        keks[kek_id] = secrets.token_bytes(KEY_BYTES)
        return Keyring(keks, kek_id, self.blind_index_key, self.path)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "active_kek": self.active_kek_id,
                "keks": {k: base64.b64encode(v).decode() for k, v in self.keks.items()},
                "blind_index_key": base64.b64encode(self.blind_index_key).decode(),
            },
            indent=2,
        )

    def save(self, path: Path, *, overwrite: bool = False) -> None:
        """Write atomically with mode 0600; refuse to overwrite unless asked (keys are precious)."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise KeyringError(f"{path} already exists; refusing to overwrite a keyring")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        self.path = path

    @classmethod
    def load(cls, path: Path) -> Keyring:
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyringError(f"keyring file not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise KeyringError(f"keyring file {path} is unreadable: {exc}") from None
        try:
            if raw.get("format") != FORMAT:
                raise KeyringError(f"keyring file {path} has an unknown format")
            keks = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keks"].items()}
            active = str(raw["active_kek"])
            bik = base64.b64decode(raw["blind_index_key"], validate=True)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KeyringError(f"keyring file {path} is malformed: {exc}") from None
        if active not in keks:
            raise KeyringError(f"keyring file {path}: active KEK {active!r} is not in the file")
        if any(len(k) != KEY_BYTES for k in keks.values()) or len(bik) != KEY_BYTES:
            raise KeyringError(f"keyring file {path}: every key must be {KEY_BYTES} bytes")
        return cls(keks, active, bik, path)
