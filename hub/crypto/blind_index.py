"""Keyed blind index over normalised identities: equality lookups without plaintext (invariant 4)."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

# Apostrophes of every keyboard vanish ("O'Neill" = "ONeill"); other punctuation separates words.
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc\u0060\u00b4\u2032"), None)
# Letters that Unicode does not decompose into a base letter and an accent.
_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "\u0131": "i", "ŧ": "t",
                        "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss"})
INDEX_VERSION = b"hub-identity-v1"


def normalise_name(name: str) -> str:
    """Fold case, accents, apostrophes and spacing so "O'Brien,  Siân" matches "obrien sian".

    Letters of every script are kept (a Cyrillic or Arabic name must not fold to nothing and
    collide with every other such name); anything that is not a letter or digit separates words.
    """
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_APOSTROPHES))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).translate(_FOLDS)
    words = "".join(c if c.isalnum() else " " for c in folded).split()
    return " ".join(words)


def identity_index(key: bytes, name: str, date_of_birth: str) -> str:
    """HMAC-SHA256 under the blind-index key of the normalised name and ISO date of birth, hex.

    Keyed, so that without the keyring nobody can test guesses of a name against the column.
    """
    message = INDEX_VERSION + b"\x1f" + normalise_name(name).encode() + b"\x1f" + date_of_birth.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
