"""Working days in England and Wales (invariant 7): weekdays that are not bank holidays, from the
`holidays` package's calendar (no network at run time)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales share their bank holidays (Scotland's and Northern Ireland's differ)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted): two
    working days after Thursday 24 December 2026 is Wednesday 30 December (Christmas Day, the
    weekend and Monday 28th, the Boxing Day holiday, are not working days)."""
    if days < 0:
        raise ValueError("add_working_days counts forwards; days must not be negative")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def earliest_not_yet_overdue(today: date, grace: int) -> date:
    """The first due date that is *not* overdue by ``grace`` working days on ``today``: an
    action due before it is (its due date plus the grace is before today). A due date ``d`` is
    overdue by the grace exactly when ``d`` is earlier than this date, so one indexed range
    query finds every such action."""
    day = today
    # Walk back while the day before would still not be overdue; bounded by grace + holidays.
    while add_working_days(day - timedelta(days=1), grace) >= today:
        day -= timedelta(days=1)
    return day
