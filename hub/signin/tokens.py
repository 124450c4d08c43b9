"""Reading and verifying signed tokens from a provider (JWS compact serialization, joserfc).

Verification is explicit: the header's ``alg`` must be one of the provider's advertised asymmetric
algorithms (never ``none``, never HS256 keyed with our client secret), the key is looked up by
``kid`` in the provider's published key set, then the signature is checked with exactly that
algorithm. Claims are judged afterwards by :mod:`hub.signin.rules`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key

from hub.signin.rules import TokenRejected

MAX_TOKEN_LENGTH = 16_000


@dataclass(frozen=True)
class VerifiedToken:
    header: dict[str, Any]
    claims: dict[str, Any]


def verify_signed_token(
    token: object, *, algorithms: frozenset[str], key_for: Callable[[str | None], Key | None]
) -> VerifiedToken:
    """Check the token's algorithm and signature; return its header and claims or raise
    TokenRejected. ``key_for(kid)`` finds the provider's key (and may refresh the key set once)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenRejected("malformed", "the token is not a signed JWT")
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        header = dict(compact.headers())
    except (JoseError, ValueError, TypeError, UnicodeError) as exc:
        raise TokenRejected("malformed", "the token is not a signed JWT") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise TokenRejected("alg_not_allowed", "the token is signed with an algorithm the hub refuses")
    if "crit" in header:
        raise TokenRejected("crit_unsupported", "the token needs extensions the hub does not support")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected("kid_invalid", "the token names its key wrongly")
    key = key_for(kid)
    if key is None:
        raise TokenRejected("unknown_kid", "the token is signed with a key the provider does not publish")
    try:
        valid = jws.validate_compact(compact, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError) as exc:
        raise TokenRejected("bad_signature", "the token's signature is not valid") from exc
    if not valid:
        raise TokenRejected("bad_signature", "the token's signature is not valid")
    try:
        claims = json.loads(compact.payload)
    except (ValueError, UnicodeError) as exc:
        raise TokenRejected("malformed", "the token's claims are not JSON") from exc
    if not isinstance(claims, dict):
        raise TokenRejected("malformed", "the token's claims are not a JSON object")
    return VerifiedToken(header, claims)
