"""Pure rules of federated sign-in: where to go next, which agency and role, what a token must say.

No database, no Flask, no network: every function here is given what it judges (invariant 3,
OpenID Connect Core 1.0 §3.1.3.7, Back-Channel Logout 1.0 §2.4 and §2.6).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hub.agencies.models import Role

# Asymmetric signature algorithms only: "none" and the HMAC family (whose key would be our own
# client secret) can never sign an ID token or a logout token we accept.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}
)
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPES = frozenset({"logout+jwt", "application/logout+jwt"})
CLOCK_SKEW_SECONDS = 60
# A logout token is acted on only soon after it was issued (its `jti` is remembered meanwhile).
LOGOUT_TOKEN_MAX_AGE_SECONDS = 600
MAX_AGE_LIMIT_SECONDS = 7 * 24 * 3600
MAX_NEXT_LENGTH = 500
_SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*")


class TokenRejected(Exception):
    """A token failed a check; ``code`` is a short reason for the audit trail (no personal data)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def safe_next_path(value: str | None) -> str | None:
    """A local path to return to after sign-in, or None: never another site (no open redirect)."""
    if not value or len(value) > MAX_NEXT_LENGTH or not _SAFE_PATH.fullmatch(value):
        return None
    return value


def parse_max_age(value: str | None) -> int | None:
    """`max_age` in seconds (0 to a week) as sent by the recent-sign-in check; raises ValueError."""
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) > MAX_AGE_LIMIT_SECONDS:
        raise ValueError(f"max_age must be a whole number of seconds from 0 to {MAX_AGE_LIMIT_SECONDS}")
    return int(value)


def allowed_algorithms(advertised: Sequence[str] | None) -> frozenset[str]:
    """The provider's advertised ID-token algorithms that are asymmetric (RS256 when none given,
    OpenID Connect Discovery 1.0 §3)."""
    offered = set(advertised) if advertised else {"RS256"}
    return frozenset(offered & ASYMMETRIC_ALGORITHMS)


def choose_agency(configured: Sequence[str], claimed: object) -> str | None:
    """The agency a first sign-in joins: the provider's only agency, or among several the one a
    claim names; a claim can never name an agency the provider may not vouch for (invariant 3)."""
    if len(configured) == 1:
        return configured[0]
    if isinstance(claimed, str) and claimed in configured:
        return claimed
    return None


def map_roles(role_claim: str | None, role_map: Mapping[str, str], claims: Mapping[str, Any]) -> list[str]:
    """Hub roles the provider's role claim maps to through `role_map`, in claim order; [] when the
    claim is missing or nothing in it maps to a hub role."""
    values: object = claims.get(role_claim) if role_claim else None
    if isinstance(values, str):
        values = [values]
    roles: list[str] = []
    if isinstance(values, list):
        known = {r.value for r in Role}
        for value in values:
            mapped = role_map.get(value) if isinstance(value, str) else None
            if mapped in known and mapped not in roles:
                roles.append(mapped)
    return roles


def roles_at_sign_in(
    *,
    role_claim: str | None,
    role_map: Mapping[str, str],
    default_role: str | None,
    claims: Mapping[str, Any],
    current: Sequence[str] | None,
) -> list[str] | None:
    """A person's roles after this sign-in (DESIGN.md §3), or None when the sign-in must be refused.

    With `role_claim`, the claim decides at every sign-in (a demotion at the provider takes effect
    at once); when nothing maps, `default_role` if configured, else None: never a silent default.
    Without it, a new person (`current` None) gets `default_role` or practitioner, and an existing
    person keeps the roles the hub has (an operator may have set them).
    """
    if role_claim:
        mapped = map_roles(role_claim, role_map, claims)
        if mapped:
            return mapped
        return [default_role] if default_role else None
    if current is not None:
        return list(current)
    return [default_role or Role.PRACTITIONER.value]


def _number(claims: Mapping[str, Any], name: str, code: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(code, f"the token has no valid `{name}`")
    return float(value)


def _check_audience(claims: Mapping[str, Any], client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise TokenRejected("aud_mismatch", "the token was not issued to this hub")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise TokenRejected("azp_missing", "the token names several audiences but no authorized party")
    if azp is not None and azp != client_id:
        raise TokenRejected("azp_mismatch", "the token was issued to another party")


def _check_subject(claims: Mapping[str, Any]) -> None:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise TokenRejected("sub_invalid", "the token does not name the person")


def check_id_token_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    max_age: int | None,
    now: datetime,
) -> None:
    """Every ID-token claim check of OpenID Connect Core 1.0 §3.1.3.7, each explicit:
    `iss` exact, `aud` (and `azp`), `exp`, `iat`, `nonce`, `sub`, and `auth_time` for `max_age`."""
    if claims.get("iss") != issuer:
        raise TokenRejected("iss_mismatch", "the token was issued by another provider")
    _check_audience(claims, client_id)
    moment = now.timestamp()
    if _number(claims, "exp", "exp_invalid") <= moment - CLOCK_SKEW_SECONDS:
        raise TokenRejected("expired", "the token has expired")
    if _number(claims, "iat", "iat_invalid") > moment + CLOCK_SKEW_SECONDS:
        raise TokenRejected("iat_future", "the token claims to be issued in the future")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise TokenRejected("nonce_mismatch", "the token does not answer this sign-in request")
    _check_subject(claims)
    if max_age is not None:
        auth_time = _number(claims, "auth_time", "auth_time_missing")
        if moment - auth_time > max_age + CLOCK_SKEW_SECONDS:
            raise TokenRejected("max_age_exceeded", "the provider did not ask you to sign in again")


def check_logout_token(
    header: Mapping[str, Any], claims: Mapping[str, Any], *, issuer: str, client_id: str, now: datetime
) -> None:
    """Back-Channel Logout 1.0 §2.6: `typ` when present, `iss`, `aud`, `iat`, `jti`, the
    back-channel `events` member, `sub` or `sid`, and never a `nonce`."""
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in LOGOUT_TOKEN_TYPES):
        raise TokenRejected("typ_invalid", "the token is not a logout token")
    if claims.get("iss") != issuer:
        raise TokenRejected("iss_mismatch", "the token was issued by another provider")
    _check_audience(claims, client_id)
    moment = now.timestamp()
    iat = _number(claims, "iat", "iat_invalid")
    if iat > moment + CLOCK_SKEW_SECONDS or iat < moment - LOGOUT_TOKEN_MAX_AGE_SECONDS:
        raise TokenRejected("iat_invalid", "the token was not issued just now")
    if "exp" in claims and _number(claims, "exp", "exp_invalid") <= moment - CLOCK_SKEW_SECONDS:
        raise TokenRejected("expired", "the token has expired")
    if "nonce" in claims:
        raise TokenRejected("nonce_present", "a logout token must not carry a nonce")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise TokenRejected("events_invalid", "the token does not announce a back-channel logout")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise TokenRejected("jti_invalid", "the token has no valid `jti`")
    sub, sid = claims.get("sub"), claims.get("sid")
    if sub is None and sid is None:
        raise TokenRejected("sub_sid_missing", "the token names neither a person nor a session")
    for name, value in (("sub", sub), ("sid", sid)):
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 255):
            raise TokenRejected(f"{name}_invalid", f"the token has an invalid `{name}`")


def authenticated_at(claims: Mapping[str, Any], now: datetime) -> datetime:
    """When the person last authenticated (`auth_time`), or now when the provider does not say;
    an out-of-range value counts as now (OpenID Connect Core §2)."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, int | float) and not isinstance(auth_time, bool) and 0 < auth_time < 2**32:
        return datetime.fromtimestamp(auth_time, tz=UTC)
    return now


def optional_text(value: object) -> str | None:
    """A short string claim (`sid`, `sub` of a logout token) or None."""
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def check_response_issuer(iss: str | None, *, issuer: str, iss_parameter_supported: bool) -> None:
    """RFC 9207: the `iss` authorization-response parameter, required when the provider advertises
    it, must name the provider the sign-in was started with (mix-up defence)."""
    if iss is None and iss_parameter_supported:
        raise TokenRejected("iss_missing", "The sign-in response did not say which provider sent it.")
    if iss is not None and iss != issuer:
        raise TokenRejected("iss_mismatch", "The sign-in response came from a different provider.")
