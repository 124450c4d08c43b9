"""What a package gives the partnership report (DOMAIN.md §11 "Evidence for commissioners"):
counts by agency over a period, never a person, a case or a free text. Each package declares
its measures (hub.wiring ``figures``); the learning package's report reads them all, suppresses
small numbers and draws them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Subquery, bindparam, func, select, text
from sqlalchemy.orm import Session

from hub.db import UTCDateTime


@dataclass(frozen=True)
class Period:
    """The report's local days, first to last inclusive, and the instants that bound them."""

    start: date
    end: date
    timezone: str

    @property
    def lower(self) -> datetime:
        return datetime.combine(self.start, time.min, ZoneInfo(self.timezone))

    @property
    def upper(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, ZoneInfo(self.timezone))

    def local(self, moment: datetime) -> date:
        """The local day of an instant."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def day_ends(self) -> Subquery:
        """A table ``(day, ends)`` of every local day of the period and the first instant after it,
        for "done by its due day" in SQL: one join on the day, and one comparison of instants that
        is right across the clock changes. A VALUES list both databases read (its columns are
        column1 and column2 in each)."""
        zone = ZoneInfo(self.timezone)
        days = [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]
        rows = ", ".join(f"(:d{n}, :e{n})" for n in range(len(days)))
        binds = [bind for n, day in enumerate(days) for bind in (
            bindparam(f"d{n}", day, type_=Date),
            bindparam(f"e{n}", datetime.combine(day + timedelta(days=1), time.min, zone), type_=UTCDateTime))]
        return (text(f"SELECT column1 AS day, column2 AS ends FROM (VALUES {rows}) AS day_ends")  # noqa: S608
                .bindparams(*binds).columns(day=Date, ends=UTCDateTime).subquery("day_ends"))


@dataclass(frozen=True)
class Figure:
    """One measure: each agency's count (by agency id; agencies not named count 0). ``part_of``
    names the measure this one is a part of (concerns triaged on time, of those triaged), whose
    rest must not reveal a small number either; ``group`` the heading it is shown under."""

    key: str
    label: str
    group: str
    counts: Mapping[int, int] = field(default_factory=dict)
    part_of: str | None = None


def counted(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    """``(agency_id, count)`` rows as a mapping, summing repeats."""
    found: dict[int, int] = {}
    for agency_id, count in rows:
        found[agency_id] = found.get(agency_id, 0) + int(count)
    return found


def due_and_done_in_time(db: Session, period: Period, action: Any, change: Any,
                         done: str = "done") -> tuple[dict[int, int], dict[int, int]]:
    """For an action table (``agency_id``, ``due``, ``status``, ``id``) and its history
    (``action_id``, ``status``, ``changed_at``): by agency, the actions due in the period, and
    those marked done before their due day's local end (and done still). Probed per action
    through the history's (action, time) index, never the whole history of every action."""
    in_period = (action.due >= period.start) & (action.due <= period.end)
    due = counted(db.execute(select(action.agency_id, func.count()).where(in_period)
                             .group_by(action.agency_id)).all())
    ends = period.day_ends()
    marked_in_time = select(change.id).where(change.action_id == action.id, change.status == done,
                                             change.changed_at < ends.c.ends).exists()
    in_time = counted(db.execute(
        select(action.agency_id, func.count()).join(ends, ends.c.day == action.due)
        .where(in_period, action.status == done, marked_in_time)
        .group_by(action.agency_id)).all())
    return due, in_time
