"""Small judgements the disclosure and consent rules share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from consent.rules.vocabulary import Outcome

Problems = dict[str, str]

# Kinds of agency rather than agencies (DESIGN.md §4's agency kinds, in words, and the usual
# blanket phrases): consent and sharing name organisations (DOMAIN.md §6; ICO data sharing code,
# "who you are sharing with"). Spelt out here because rules import nothing from the models.
_KINDS_NOT_ORGANISATIONS = frozenset({
    "police", "nhs", "health", "health services", "mental health", "nhs mental health", "nhs acute",
    "hospital", "primary care", "gp", "gps", "council", "council adults", "council children",
    "local authority", "social services", "social care", "adult social care", "children's services",
    "childrens services", "probation", "prison", "idva", "housing", "education", "school", "schools",
    "other", "others", "agencies", "partners", "partner agencies", "professionals", "relevant agencies",
    "relevant professionals", "other agencies", "statutory agencies", "emergency services", "everyone",
    "anyone",
})
_BLANKET_OPENINGS = ("all ", "any ", "every ")


def is_given(text: str | None) -> bool:
    """Free text counts as given only when it holds more than white space."""
    return bool(text and text.strip())


def is_aware(moment: datetime) -> bool:
    """A time the rules can compare: one that says its offset from UTC (invariant 7)."""
    return moment.utcoffset() is not None


def organisation_key(name: str) -> str:
    """How two spellings of one organisation's name or code compare (case and spacing aside)."""
    return " ".join(name.casefold().split())


def names_an_organisation(name: str) -> bool:
    """True for a named organisation or person ("Northshire Police", "POL-NS"); false for blank text,
    a kind of agency ("police", "health") or a blanket ("all agencies")."""
    key = " ".join(organisation_key(name).replace("_", " ").replace("-", " ").split())
    if key.startswith("the "):
        key = key[4:]
    blanket = (key + " ").startswith(_BLANKET_OPENINGS)
    return bool(key) and key not in _KINDS_NOT_ORGANISATIONS and not blanket


def records_a_share(outcome: Outcome) -> bool:
    """Every outcome but ``do_not_share`` sends something somewhere (DOMAIN.md §6 rule 8), so the
    conditions for sharing apply to it; a decision not to share can always be recorded."""
    return outcome != Outcome.DO_NOT_SHARE


def merge_problems(*found: Mapping[str, str]) -> Problems:
    """All problems at once, keyed by field; the first message for a field wins."""
    merged: Problems = {}
    for problems in found:
        for field, message in problems.items():
            merged.setdefault(field, message)
    return merged
