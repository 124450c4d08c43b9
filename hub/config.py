"""Configuration from the environment and the optional HUB_CONFIG TOML file (DESIGN.md §3)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"


class ConfigError(Exception):
    """Raised for a missing or malformed setting; the message names the setting."""


@dataclass(frozen=True)
class ProviderConfig:
    """One OpenID Connect provider and the agencies its issuer may vouch for (invariant 3)."""

    name: str
    title: str
    issuer: str
    client_id: str
    client_secret_env: str
    agencies: tuple[str, ...]
    role_claim: str | None = None
    role_map: dict[str, str] = field(default_factory=dict)

    @property
    def client_secret(self) -> str | None:
        return os.environ.get(self.client_secret_env)


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 1025
    sender: str = "safeguarding-hub@localhost"
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None


@dataclass(frozen=True)
class Policy:
    """Every DOMAIN.md timescale, overridable in [policy]; the defaults are the documented ones."""

    timezone: str = "Europe/London"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    recent_auth_minutes: int = 15
    marac_repeat_months: int = 12
    escalation_grace_working_days: int = 2

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Policy:
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"[policy] has unknown settings: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            expected = type(getattr(cls(), key))
            if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
                raise ConfigError(f"[policy] {key} must be a {expected.__name__}")
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None
    keyring_path: Path | None
    base_url: str
    providers: tuple[ProviderConfig, ...] = ()
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    policy: Policy = field(default_factory=Policy)
    demo: bool = False
    proxy_fix: int = 0
    max_body_bytes: int = 1_000_000

    def provider(self, name: str) -> ProviderConfig | None:
        return next((p for p in self.providers if p.name == name), None)


def _provider(raw: dict[str, Any], index: int) -> ProviderConfig:
    where = f"[[providers]] #{index + 1}"
    required = ("name", "title", "issuer", "client_id", "client_secret_env", "agencies")
    missing = [k for k in required if k not in raw]
    if missing:
        raise ConfigError(f"{where} is missing {', '.join(missing)}")
    agencies = raw["agencies"]
    if not isinstance(agencies, list) or not agencies or not all(isinstance(a, str) for a in agencies):
        raise ConfigError(f"{where} agencies must be a non-empty list of agency codes")
    role_map = raw.get("role_map", {})
    if not isinstance(role_map, dict):
        raise ConfigError(f"{where} role_map must be a table")
    return ProviderConfig(
        name=str(raw["name"]),
        title=str(raw["title"]),
        issuer=str(raw["issuer"]),
        client_id=str(raw["client_id"]),
        client_secret_env=str(raw["client_secret_env"]),
        agencies=tuple(agencies),
        role_claim=raw.get("role_claim"),
        role_map={str(k): str(v) for k, v in role_map.items()},
    )


def load_settings(environ: dict[str, str] | None = None, *, demo: bool = False) -> Settings:
    """Read settings from the environment (and HUB_CONFIG); refuse to run without keys outside demo."""
    env = os.environ if environ is None else environ
    file_data: dict[str, Any] = {}
    if env.get("HUB_CONFIG"):
        path = Path(env["HUB_CONFIG"])
        try:
            file_data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"HUB_CONFIG file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"HUB_CONFIG is not valid TOML: {exc}") from exc

    keyring = env.get("HUB_KEYRING")
    secret = env.get("HUB_SECRET_KEY")
    if demo:
        keyring = keyring or str(DEFAULT_INSTANCE / "keyring.json")
    smtp_raw = file_data.get("smtp", {})
    try:
        smtp = SmtpConfig(**smtp_raw)
    except TypeError as exc:
        raise ConfigError(f"[smtp] {exc}") from exc
    return Settings(
        database_url=env.get("HUB_DATABASE_URL", f"sqlite:///{DEFAULT_INSTANCE / 'hub.db'}"),
        secret_key=secret,
        keyring_path=Path(keyring) if keyring else None,
        base_url=env.get("HUB_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        providers=tuple(_provider(p, i) for i, p in enumerate(file_data.get("providers", []))),
        smtp=smtp,
        policy=Policy.from_mapping(file_data.get("policy", {})),
        demo=demo,
        proxy_fix=int(env.get("HUB_PROXY_FIX", "0") or 0),
    )
