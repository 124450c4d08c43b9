"""Small numbers in the partnership report (DOMAIN.md §11): a count from 1 to 4 is never shown,
directly or by subtraction from a total, even to a reader who knows the rule and every other
figure published. The proof is exhaustive over small tables: every table of three agencies'
counts is published, the tables are grouped by what a reader sees, and within each group no
count, total or difference may be the same small number in every table (else the reader knows it).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import product

import pytest

from learning.suppression import Shown, suppress, suppress_part

AGENCIES = ("A", "B", "C")


def _seen(shown: Shown) -> tuple:
    return shown.overall, tuple(sorted(shown.by_agency.items()))


def _leaks(groups: dict[tuple, list[dict[str, int]]], *, bound: int | None = None) -> list[tuple]:
    """Every quantity that is one small number in all the tables a reader cannot tell apart. With
    ``bound``, the largest count enumerated, a group holding a table at the bound is left out: the
    tables beyond it, which a reader could not rule out, are missing from it."""
    found = []
    for seen, tables in groups.items():
        if bound is not None and any(bound in table.values() for table in tables):
            continue
        for name in tables[0]:
            values = {table[name] for table in tables}
            if len(values) == 1 and 0 < next(iter(values)) < 5:
                found.append((seen, name, values))
    return found


def test_examples_of_what_is_shown_and_hidden():
    assert suppress({"A": 12, "B": 0, "C": 7}) == Shown(19, {"A": 12, "B": 0, "C": 7})
    # One small count: every count but the zeros is hidden, so no subtraction gives it away.
    assert suppress({"A": 12, "B": 3, "C": 7, "D": 0}) == Shown(22, {"A": None, "B": None, "C": None, "D": 0})
    # A small total hides everything that is not zero.
    assert suppress({"A": 3, "B": 0}) == Shown(None, {"A": None, "B": 0})
    assert suppress({"A": 0, "B": 0}) == Shown(0, {"A": 0, "B": 0})
    # Five agencies with one each: the total would say so.
    assert suppress(dict.fromkeys("ABCDE", 1)).overall is None
    assert suppress({"A": 4}) == Shown(None, {"A": None})
    assert suppress({"A": 5}) == Shown(5, {"A": 5})


def test_a_part_is_hidden_where_its_whole_less_it_is_small():
    whole, part = suppress_part({"A": 18, "B": 9}, {"A": 20, "B": 30})
    assert whole == Shown(50, {"A": 20, "B": 30})
    # A's 18 of 20 would say that 2 were not on time.
    assert part == Shown(27, {"A": None, "B": None})
    whole, part = suppress_part({"A": 10, "B": 20}, {"A": 20, "B": 30})
    assert part == Shown(30, {"A": 10, "B": 20})
    # Nearly all on time overall: the total less the part (3) would be small, so it is hidden.
    _whole, part = suppress_part({"A": 17, "B": 30}, {"A": 20, "B": 30})
    assert part.overall is None


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress({"A": -1})
    with pytest.raises(ValueError, match="within its whole"):
        suppress_part({"A": 3}, {"A": 2})
    with pytest.raises(ValueError, match="same agencies"):
        suppress_part({"A": 1}, {"B": 2})


def test_no_count_from_1_to_4_can_be_worked_out_from_any_table_of_one_measure():
    groups: dict[tuple, list[dict[str, int]]] = defaultdict(list)
    for values in product(range(13), repeat=len(AGENCIES)):
        counts = dict(zip(AGENCIES, values, strict=True))
        shown = suppress(counts)
        assert all(v is None or not 0 < v < 5 for v in (shown.overall, *shown.by_agency.values()))
        groups[_seen(shown)].append({**counts, "overall": sum(values)})
    assert _leaks(groups) == []


def test_no_count_from_1_to_4_can_be_worked_out_from_a_part_and_its_whole():
    bound = 10
    pairs = [(part, whole) for whole in range(bound + 1) for part in range(whole + 1)]
    groups: dict[tuple, list[dict[str, int]]] = defaultdict(list)
    for chosen in product(pairs, repeat=len(AGENCIES)):
        parts = {code: p for code, (p, _w) in zip(AGENCIES, chosen, strict=True)}
        wholes = {code: w for code, (_p, w) in zip(AGENCIES, chosen, strict=True)}
        whole, part = suppress_part(parts, wholes)
        shown = [v for v in (whole.overall, part.overall, *whole.by_agency.values(), *part.by_agency.values())
                 if v is not None]
        assert not any(0 < v < 5 for v in shown)
        quantities = {**{f"part {c}": parts[c] for c in AGENCIES},
                      **{f"whole {c}": wholes[c] for c in AGENCIES},
                      **{f"rest {c}": wholes[c] - parts[c] for c in AGENCIES},
                      "part": sum(parts.values()), "whole": sum(wholes.values()),
                      "rest": sum(wholes.values()) - sum(parts.values())}
        groups[(_seen(whole), _seen(part))].append(quantities)
    assert _leaks(groups, bound=bound) == []
