"""Keyed blind index over normalised identities: equality lookups without plaintext."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_NON_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Fold case, accents, punctuation and spacing so 'O'Brien, Siân' matches 'obrien sian'."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    ascii_only = ascii_only.replace("'", "").replace("\u2019", "").replace("-", " ")
    letters = _NON_LETTERS.sub(" ", ascii_only)
    return _SPACES.sub(" ", letters).strip()


def identity_index(key: bytes, name: str, date_of_birth: str) -> str:
    """HMAC-SHA256 of the normalised name and ISO date of birth, hex (invariant 4)."""
    message = f"{normalise_name(name)}\x1f{date_of_birth}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
