"""What counts as text in the hub: tabs and line breaks are text; other control characters are
not (no keyboard types them, and PostgreSQL refuses a NUL in a text column, a 500 had one reached
it). Every check of typed or posted text in the packages asks here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_PROBLEM = "Remove the control characters (such as NUL) from this text"


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str) -> str:
    """What a form reader keeps of a typed answer."""
    return CONTROL_CHARACTERS.sub("", text)


def text_problem(text: str, limit: int) -> str | None:
    """What is wrong with a typed answer: too long, or holding control characters."""
    if len(text) > limit:
        return f"Keep it to {limit:,} characters"
    if has_control_characters(text):
        return CONTROL_PROBLEM
    return None


Stored = Iterable[str | None] | str | None


def stored_text_problems(limits: Mapping[str, tuple[Stored, int]]) -> dict[str, str]:
    """What a service refuses before it writes text to a plain (unencrypted) column: each field
    names its value, or its list of values, and the column's length. A service checks even where
    its API and forms already do, because it is also called by jobs, the demo and tests."""
    problems: dict[str, str] = {}
    for name, (given, limit) in limits.items():
        values = [given] if given is None or isinstance(given, str) else list(given)
        for value in values:
            if value is not None and (problem := text_problem(value, limit)) is not None:
                problems[name] = problem
                break
    return problems


def spreadsheet_safe(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
