"""Working days in England and Wales: weekends and bank holidays are not counted."""

from __future__ import annotations

from datetime import date

import pytest

from hub.workdays import add_working_days, earliest_not_yet_overdue, is_working_day


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 12, 1), 2, date(2026, 12, 3)),     # Tuesday + 2 = Thursday
    (date(2026, 12, 4), 1, date(2026, 12, 7)),     # Friday + 1 = Monday
    (date(2026, 12, 24), 2, date(2026, 12, 30)),   # Christmas Day and the Boxing Day holiday on the 28th
    (date(2027, 3, 25), 1, date(2027, 3, 30)),     # Good Friday 26 March, Easter Monday 29 March 2027
    (date(2026, 8, 28), 1, date(2026, 9, 1)),      # the summer bank holiday, 31 August 2026
    (date(2026, 12, 1), 0, date(2026, 12, 1)),
])
def test_add_working_days_skips_weekends_and_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


def test_scottish_bank_holidays_are_not_england_and_wales_ones():
    assert is_working_day(date(2027, 1, 4))  # 2 January holiday in Scotland only (observed 4th)
    assert not is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize("today", [date(2026, 12, 30), date(2026, 12, 7), date(2027, 3, 31)])
@pytest.mark.parametrize("grace", [0, 1, 2, 5])
def test_the_cutoff_separates_exactly_the_due_dates_overdue_by_the_grace(today, grace):
    cutoff = earliest_not_yet_overdue(today, grace)
    for offset in range(-40, 5):
        due = date.fromordinal(today.toordinal() + offset)
        assert (due < cutoff) == (add_working_days(due, grace) < today), (due, cutoff)
