"""Keyed blind index over normalised identities: equality lookups without plaintext (invariant 4).

The index is exact matching after normalisation: typography, case, accents and spacing are
folded away, spellings are not (``Rhys`` is not ``Rees``, ``Abdul`` is not ``Abd al``). A keyed
index cannot be searched fuzzily without leaking, and a false match links two people's cases.
Changing :func:`normalise_name` changes every index: bump :data:`INDEX_VERSION` and run
``hub keys reindex``.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

INDEX_VERSION = b"hub-identity-v2"

# Marks that sit inside a word and vanish ("O'Neill" = "ONeill", "Saʿid" = "Said",
# "Col·lell" = "Collell"): apostrophes of every keyboard and font, the transliteration signs for
# ayn and hamza, the saltillo, the Catalan middle dot. Compatibility forms such as the
# fullwidth apostrophe (U+FF07) become one of these under NFKC.
_WORD_INTERNAL = (
    "'\u2019\u2018\u201b\u02bc\u02bb\u02bd\u02be\u02bf\u02b9\u02c8\u0060\u00b4\u2032\u2035"
    "\ua78b\ua78c\u055a\u00b7\u0387\u2027"
)
# Hyphens and dashes separate words ("Smith-Jones" = "Smith Jones"): U+2010-2015, the minus
# sign, the small and fullwidth forms, the Armenian, Hebrew and Mongolian hyphens. Listed, not
# left to the catch-all, so that they stay separators whatever else changes.
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u058a\u05be\u1806"
_PUNCTUATION = str.maketrans({**dict.fromkeys(map(ord, _WORD_INTERNAL), None),
                              **dict.fromkeys(map(ord, _HYPHENS), " ")})
# Letters that Unicode does not decompose into a base letter and an accent (after casefold).
_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "\u0131": "i", "ŧ": "t",
                        "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss", "ŀ": "l"})


# Canonical combining classes that are not accents: 0 (base characters, and spacing marks such
# as Indic vowel signs), 8 the kana voicing marks (か/が are different syllables), 9 the viramas
# of Indic scripts (they make a conjunct: क्ष is not कष). Every other combining mark goes.
_NOT_ACCENTS = frozenset({0, 8, 9})


def _is_accent(c: str) -> bool:
    return unicodedata.combining(c) not in _NOT_ACCENTS


def _is_word_character(c: str) -> bool:
    # Letters and digits of every script, and the marks left after accents are dropped: the vowel
    # signs of Indic scripts are letters of the name, not separators.
    return unicodedata.category(c)[0] in "LNM"


def normalise_name(name: str) -> str:
    """Fold a name so that spellings a person would call the same match: "O'Brien,  Siân" with a
    typographic apostrophe and "obrien sian"; "Harry" in fullwidth or mathematical letters and
    "harry". Returns "" for a name with no letters or digits.

    Compatibility forms first (NFKC: fullwidth and mathematical letters, ligatures, the
    fullwidth apostrophe), then case (casefold), then accents (NFKD, combining marks dropped but
    for the few that make a different letter),
    then in-word marks vanish and hyphens, dashes and other punctuation separate words; invisible
    format characters (zero-width space, soft hyphen) vanish. Letters of every script are kept
    (a Cyrillic or Arabic name must not fold to nothing and collide with every other such name).
    """
    # Marks translated before NFKC as well as after: NFKC makes U+00B4 a space and an accent.
    folded = unicodedata.normalize("NFKC", name.translate(_PUNCTUATION)).casefold()
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(c for c in folded if not _is_accent(c))
    folded = folded.translate(_PUNCTUATION).translate(_FOLDS)
    folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join("".join(c if _is_word_character(c) else " " for c in folded).split())


def identity_index(key: bytes, name: str, date_of_birth: str) -> str:
    """HMAC-SHA256 under the blind-index key of the normalised name and ISO date of birth, hex.

    Keyed, so that without the keyring nobody can test guesses of a name against the column. A
    name that normalises to nothing is refused (ValueError): it would match every other such name.
    """
    normalised = normalise_name(name)
    if not normalised:
        raise ValueError("a name with no letters or digits cannot be indexed")
    message = INDEX_VERSION + b"\x1f" + normalised.encode() + b"\x1f" + date_of_birth.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def unmatchable_index(key: bytes, row_id: str) -> str:
    """An index that matches no identity and no other row: for a stored name that normalises to
    nothing (written before such names were refused), so it no longer collides with the others."""
    message = INDEX_VERSION + b"-unmatchable\x1f" + row_id.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


TEXT_INDEX_VERSION = b"hub-text-v1"


def text_index(key: bytes, text: str) -> str | None:
    """HMAC-SHA256 of a free text folded as names are (:func:`normalise_name`: case, accents,
    punctuation and spacing), for noticing the same words in two places without storing them;
    None for a text with no letters or digits, which matches nothing."""
    normalised = normalise_name(text)
    if not normalised:
        return None
    return hmac.new(key, TEXT_INDEX_VERSION + b"\x1f" + normalised.encode(), hashlib.sha256).hexdigest()
