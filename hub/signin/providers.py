"""The configured OpenID providers: discovery, metadata cache and JWKS cache, per worker process.

Discovery is read from issuer + ``/.well-known/openid-configuration`` and its ``issuer`` must equal
the configured one exactly (OpenID Connect Discovery 1.0 §4.3). Signing keys are cached; a token
signed with an unknown ``kid`` triggers one refresh, and such refreshes happen at most once a
minute per provider, so forged tokens cannot make the hub hammer a provider.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from hub.config import ProviderConfig
from hub.signin.rules import allowed_algorithms

HTTP_TIMEOUT_SECONDS = 5.0
METADATA_TTL = timedelta(hours=1)
JWKS_TTL = timedelta(hours=1)
UNKNOWN_KID_REFRESH_INTERVAL = timedelta(minutes=1)
MAX_DOCUMENT_BYTES = 256_000


class ProviderUnavailable(Exception):
    """The provider is down or answered something unusable; ``code`` goes to the audit trail."""

    def __init__(self, provider: ProviderConfig, code: str) -> None:
        super().__init__(f"{provider.name}: {code}")
        self.provider = provider
        self.code = code


@dataclass(frozen=True)
class ProviderMetadata:
    """What the hub uses of a provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    id_token_algorithms: frozenset[str]
    iss_parameter_supported: bool


@dataclass
class _Keys:
    keys: KeySet | None = None
    fetched_at: datetime | None = None
    unknown_kid_refresh_at: datetime | None = None
    fetch_count: int = 0


@dataclass
class _Cached:
    metadata: ProviderMetadata
    fetched_at: datetime
    keys: _Keys = field(default_factory=_Keys)


def _is_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def parse_metadata(provider: ProviderConfig, document: object) -> ProviderMetadata:
    """Validate a discovery document against the configuration; raise ProviderUnavailable."""
    if not isinstance(document, dict):
        raise ProviderUnavailable(provider, "discovery_not_object")
    if document.get("issuer") != provider.issuer:
        raise ProviderUnavailable(provider, "discovery_issuer_mismatch")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _is_url(document.get(name)):
            raise ProviderUnavailable(provider, f"discovery_{name}_invalid")
    end_session = document.get("end_session_endpoint")
    advertised = document.get("id_token_signing_alg_values_supported")
    if advertised is not None and (
        not isinstance(advertised, list) or not all(isinstance(a, str) for a in advertised)
    ):
        raise ProviderUnavailable(provider, "discovery_algorithms_invalid")
    algorithms = allowed_algorithms(advertised)
    if not algorithms:
        raise ProviderUnavailable(provider, "discovery_no_asymmetric_algorithm")
    return ProviderMetadata(
        issuer=provider.issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        end_session_endpoint=end_session if _is_url(end_session) else None,
        id_token_algorithms=algorithms,
        iss_parameter_supported=document.get("authorization_response_iss_parameter_supported") is True,
    )


class ProviderRegistry:
    """Looks providers up by name and keeps their metadata and keys; safe across threads."""

    def __init__(
        self, providers: tuple[ProviderConfig, ...], *, http: requests.Session | None = None
    ) -> None:
        self._providers = {p.name: p for p in providers}
        self._http = http or requests.Session()
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> ProviderConfig | None:
        return self._providers.get(name)

    def _fetch_json(self, provider: ProviderConfig, url: str, what: str) -> Any:
        try:
            response = self._http.get(url, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False,
                                      headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise ProviderUnavailable(provider, f"{what}_unreachable") from exc
        if response.status_code != 200 or len(response.content) > MAX_DOCUMENT_BYTES:
            raise ProviderUnavailable(provider, f"{what}_http_{response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderUnavailable(provider, f"{what}_not_json") from exc

    def metadata(self, provider: ProviderConfig, *, now: datetime) -> ProviderMetadata:
        """The provider's validated discovery metadata, fetched at most once an hour."""
        with self._lock:
            cached = self._cache.get(provider.name)
            if cached is not None and now - cached.fetched_at < METADATA_TTL:
                return cached.metadata
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = parse_metadata(provider, self._fetch_json(provider, url, "discovery"))
        with self._lock:
            previous = self._cache.get(provider.name)
            keys = previous.keys if previous and previous.metadata.jwks_uri == metadata.jwks_uri else _Keys()
            self._cache[provider.name] = _Cached(metadata, now, keys)
        return metadata

    def _load_keys(self, provider: ProviderConfig, metadata: ProviderMetadata) -> KeySet:
        document = self._fetch_json(provider, metadata.jwks_uri, "jwks")
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ProviderUnavailable(provider, "jwks_invalid")
        usable = [k for k in document["keys"] if isinstance(k, dict) and k.get("use", "sig") == "sig"
                  and k.get("kty") in ("RSA", "EC", "OKP")]
        try:
            return KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(provider, "jwks_invalid") from exc

    def signing_key(self, provider: ProviderConfig, kid: str | None, *, now: datetime) -> Key | None:
        """The provider's public key with this `kid` (the only key when the token names none),
        refreshing the key set once for an unknown `kid`, at most once a minute."""
        metadata = self.metadata(provider, now=now)
        with self._lock:
            keys = self._cache[provider.name].keys
            stale = keys.keys is None or keys.fetched_at is None or now - keys.fetched_at >= JWKS_TTL
        if stale:
            self._refresh(provider, metadata, keys, now=now)
        found = self._find(keys, kid)
        if found is not None:
            return found
        with self._lock:
            recently = (keys.unknown_kid_refresh_at is not None
                        and now - keys.unknown_kid_refresh_at < UNKNOWN_KID_REFRESH_INTERVAL)
            if not recently:
                keys.unknown_kid_refresh_at = now
        if recently:
            return None
        self._refresh(provider, metadata, keys, now=now)
        return self._find(keys, kid)

    def _refresh(self, provider: ProviderConfig, metadata: ProviderMetadata, keys: _Keys, *,
                 now: datetime) -> None:
        loaded = self._load_keys(provider, metadata)
        with self._lock:
            keys.keys, keys.fetched_at = loaded, now
            keys.fetch_count += 1

    @staticmethod
    def _find(keys: _Keys, kid: str | None) -> Key | None:
        if keys.keys is None:
            return None
        candidates = [k for k in keys.keys if k.kid == kid] if kid is not None else list(keys.keys)
        return candidates[0] if len(candidates) == 1 or (kid is not None and candidates) else None

    def jwks_fetches(self, name: str) -> int:
        """How many times this provider's key set was downloaded (operators' diagnostics, tests)."""
        cached = self._cache.get(name)
        return cached.keys.fetch_count if cached else 0
