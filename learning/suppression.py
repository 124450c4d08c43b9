"""Small numbers kept out of the partnership report (DOMAIN.md §11 "Evidence for commissioners").

A count from 1 to ``below - 1`` (1 to 4 by default) is never shown, and nor is anything that would
let a reader work one out, even a reader who knows this rule and every other figure published.
Where any agency's count of a measure is small, every agency's count of it but the zeros is
hidden and the overall alone is shown: beside a total, one hidden figure would be the total less
the others, and a reader who knows how "the next smallest" figures are chosen for hiding can often
tell which values they must have been (the exhaustive tests in tests/learning/test_suppression.py
found such tables). The overall is hidden too when it is small, or when every hidden count could
only be 1. Zeros are shown: nobody is behind them.

A measure that is part of a whole (concerns triaged on time, of the concerns raised) hides the
same way what the whole less the part would reveal: its counts are hidden when any agency's part,
or any agency's rest of the whole, is small, or when the whole's counts are hidden; its overall
when the overall part or the overall rest is small, or when a single count is hidden (the overall
would be that count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

BELOW = 5  # DOMAIN.md §11 (local): counts from 1 to 4 are suppressed


@dataclass(frozen=True)
class Shown:
    """A measure as the report shows it: the overall count and each agency's, None where hidden."""

    overall: int | None
    by_agency: dict[str, int | None]


def _small(value: int, below: int) -> bool:
    return 0 < value < below


def _shown(counts: Mapping[str, int], hide: bool, overall: int | None) -> Shown:
    return Shown(overall, {code: None if hide and value > 0 else value for code, value in counts.items()})


def suppress(counts: Mapping[str, int], *, below: int = BELOW) -> Shown:
    """The agencies' counts of one measure and their total, small numbers hidden."""
    if any(value < 0 for value in counts.values()):
        raise ValueError("counts are never negative")
    overall = sum(counts.values())
    hide = any(_small(value, below) for value in counts.values())
    nonzero = sum(1 for value in counts.values() if value > 0)
    keep = not _small(overall, below) and not (hide and overall <= nonzero)
    return _shown(counts, hide, overall if keep else None)


def suppress_part(parts: Mapping[str, int], wholes: Mapping[str, int], *,
                  below: int = BELOW) -> tuple[Shown, Shown]:
    """A measure that is part of another (``parts[code] <= wholes[code]``, the same agencies): the
    whole as :func:`suppress` shows it, and the part, hidden also where the whole less the part
    would reveal a small number."""
    if set(parts) != set(wholes) or any(not 0 <= parts[c] <= wholes[c] for c in parts):
        raise ValueError("each part is a count within its whole, for the same agencies")
    whole = suppress(wholes, below=below)
    rests = {code: wholes[code] - parts[code] for code in parts}
    hide = any(_small(parts[c], below) or _small(rests[c], below) or whole.by_agency[c] is None
               for c in parts)
    overall, rest = sum(parts.values()), sum(rests.values())
    nonzero = sum(1 for value in parts.values() if value > 0)
    keep = (whole.overall is not None and not _small(overall, below) and not _small(rest, below)
            and not (hide and (nonzero < 2 or overall <= nonzero)))
    return whole, _shown(parts, hide, overall if keep else None)
