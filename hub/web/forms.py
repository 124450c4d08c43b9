"""Reading the answers of GOV.UK form components, shared by every package's forms.

Each reader returns the value and, when the answer cannot be read, the page's wording of what is
wrong with it; the rules of the package that asked judge the value itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

__all__ = ["date_parts", "read_date"]

_EARLIEST_YEAR = 1900


def date_parts(answers: Mapping[str, Any], name: str) -> tuple[str, str, str]:
    """The day, month and year typed into the GOV.UK date input `name`, stripped."""
    day, month, year = (str(answers.get(f"{name}-{part}") or "").strip()
                        for part in ("day", "month", "year"))
    return day, month, year


def read_date(answers: Mapping[str, Any], name: str, what: str, *,
              required: bool = False) -> tuple[date | None, str | None]:
    """A GOV.UK date input's date: (the date, None), (None, what is wrong), or (None, None) when
    left blank and not `required`. `what` names the date in a sentence ("The date ... is due")."""
    day, month, year = date_parts(answers, name)
    if not (day or month or year):
        return None, (f"Enter {what[:1].lower()}{what[1:]}" if required else None)
    if not (day and month and year):
        return None, f"{what} must include a day, month and year"
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return None, f"{what} must be a real date"
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None, f"{what} must be a real date"
    if found.year < _EARLIEST_YEAR:
        return None, f"{what} must be a real date"
    return found, None


def long_date(value: date | None) -> str:
    """A date as the pages write it: "7 March 2027" ("" for none)."""
    return f"{value.day} {value:%B %Y}" if value else ""


def read_period(args: Mapping[str, Any], *, today: date, default_days: int = 30
                ) -> tuple[dict[str, str], date | None, date | None, dict[str, str]]:
    """A report's period from a query string: ``from`` and ``to`` as dates (YYYY-MM-DD), or each
    as the GOV.UK date input's three parts; the last ``default_days`` days when nothing is asked.
    Returns the answers to show again, the two days, and what is wrong with them by field."""
    answers: dict[str, str] = {}
    found: dict[str, date | None] = {}
    problems: dict[str, str] = {}
    asked = any(key in args for key in ("from", "to", "from-day", "to-day"))
    defaults = {"from": today - timedelta(days=default_days - 1), "to": today}
    for name, what in (("from", "The first day"), ("to", "The last day")):
        if any(f"{name}-{part}" in args for part in ("day", "month", "year")):
            parts = {f"{name}-{part}": str(args.get(f"{name}-{part}", ""))[:10]
                     for part in ("day", "month", "year")}
            answers.update(parts)
            day, wrong = read_date(parts, name, what)
        elif args.get(name):
            day, wrong = _iso_date(args.get(name, ""), what)
        else:
            day, wrong = (None, None) if asked else (defaults[name], None)
        if day is not None:
            answers.update({f"{name}-day": str(day.day), f"{name}-month": str(day.month),
                            f"{name}-year": str(day.year)})
        if wrong:
            problems[name] = wrong
        found[name] = day
    return answers, found["from"], found["to"], problems


def _iso_date(value: str, what: str) -> tuple[date | None, str | None]:
    try:
        day = date.fromisoformat(value[:10]) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        return None, f"{what} must be a real date, such as 2026-03-27"
    return day, None
