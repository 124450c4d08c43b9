"""Pure rules about cases: references, subjects and the MARAC repeat window (no database, no Flask)."""

from __future__ import annotations

from datetime import date, datetime

from hub.crypto.blind_index import normalise_name


def case_reference(kind: str, year: int, number: int) -> str:
    """Human reference such as ``MARAC-2026-00042``: kind, year of referral, running number."""
    return f"{kind.upper()}-{year}-{number:05d}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock instant ``months`` calendar months earlier (clamped to month end)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def is_repeat_referral(previous_referral: datetime | None, now: datetime, window_months: int) -> bool:
    """SafeLives: a further incident within 12 months of the *last* MARAC referral is a repeat."""
    if previous_referral is None:
        return False
    return previous_referral > months_before(now, window_months)


def valid_date_of_birth(value: date, today: date) -> str | None:
    """A date of birth may not be in the future nor absurdly old; returns the problem or None."""
    if value > today:
        return "Date of birth must be in the past"
    if value.year < today.year - 130:
        return "Date of birth is more than 130 years ago"
    return None


def subject_name_problem(name: str) -> str | None:
    """A subject's name needs a letter or digit: the blind index of a name of punctuation only
    would be the same for everyone born that day (invariant 4); returns the problem or None."""
    if not name.strip():
        return "Enter the subject's name"
    if not normalise_name(name):
        return "Enter the subject's name using letters, not only punctuation"
    return None
