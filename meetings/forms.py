"""The convening form's answers read into a meeting to convene (meetings.rules.MeetingIn): the day
and the times are typed in the policy's zone; the people invited are chosen from the agencies on
the case. Pure functions: what was typed in, the meeting or what is wrong with it out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from hub.cases.models import CaseKind
from hub.web.forms import read_date
from meetings.rules import InviteeIn, MeetingIn, MeetingKind
from meetings.services.meetings import Person

Problems = dict[str, str]
TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
# What a case's kind convenes: an adult's or a child's case a strategy meeting (or discussion).
KIND_OF_CASE = {CaseKind.ADULT: MeetingKind.STRATEGY, CaseKind.CHILD: MeetingKind.STRATEGY,
                CaseKind.MARAC: MeetingKind.MARAC, CaseKind.MAPPA: MeetingKind.MAPPA}
SERIES = {"none": ("One meeting", None), "fortnightly": ("Fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
          "monthly": ("Monthly", "FREQ=MONTHLY")}
SINGLE = ("title", "start-day", "start-month", "start-year", "start_time", "end_time", "location",
          "decided-day", "decided-month", "decided-year", "decided_time", "series", "count", "capacity",
          "late_reason")
FORM_ORDER = ("title", "start", "start_time", "end_time", "location", "invitees", "decided",
              "decided_time", "series", "count", "capacity", "late_reason")


def answers_from(form: Any) -> dict[str, Any]:
    """What the form sent, each text bounded; the invitees are a list of ids."""
    found: dict[str, Any] = {name: str(form.get(name) or "").strip()[:2000] for name in SINGLE}
    found["invitees"] = [str(v)[:40] for v in form.getlist("invitees")][:80]
    return found


def _time(text: str, what: str) -> tuple[time | None, str | None]:
    match = TIME.fullmatch(text.strip())
    if not text.strip():
        return None, f"Enter {what}, such as 10:00"
    if match is None:
        return None, f"Enter {what} as hours and minutes on the 24-hour clock, such as 14:30"
    return time(int(match[1]), int(match[2])), None


def _day_and_times(answers: Mapping[str, Any],
                   problems: Problems) -> tuple[date | None, time | None, time | None]:
    """The meeting's day and its start and end times as typed; what is wrong goes into ``problems``."""
    day, wrong = read_date(answers, "start", "The date of the meeting", required=True)
    if wrong:
        problems["start"] = wrong
    starts, wrong = _time(answers.get("start_time", ""), "the start time")
    if wrong:
        problems["start_time"] = wrong
    ends, wrong = _time(answers.get("end_time", ""), "the end time")
    if wrong:
        problems["end_time"] = wrong
    return day, starts, ends


def read_meeting(answers: Mapping[str, Any], case_id: uuid.UUID | None, case_kind: str | None,
                 people: Sequence[Person], zone: ZoneInfo) -> tuple[MeetingIn | None, Problems]:
    """The meeting the form describes, or what is wrong with the form (the rules of convening
    are checked after, by the service, with the same field names). Without a case, a MARAC whose
    cases the coordinator lists later."""
    problems: Problems = {}
    kind = KIND_OF_CASE[CaseKind(case_kind)] if case_kind is not None else MeetingKind.MARAC
    capacity = None
    if kind == MeetingKind.MARAC and answers.get("capacity"):
        text = answers["capacity"]
        if not (text.isdigit() and 1 <= int(text) <= 40):
            problems["capacity"] = "Enter how many cases each meeting takes, from 1 to 40"
        else:
            capacity = int(text)
    day, starts, ends = _day_and_times(answers, problems)
    decided_at: datetime | None = None
    if kind == MeetingKind.STRATEGY:
        decided, wrong = read_date(answers, "decided", "The date of the decision", required=True)
        if wrong:
            problems["decided"] = wrong
        at, wrong = _time(answers.get("decided_time", ""), "the time of the decision")
        if wrong:
            problems["decided_time"] = wrong
        if decided and at:
            decided_at = datetime.combine(decided, at, zone)
    by_id = {str(p.id): p for p in people}
    chosen = [by_id[i] for i in answers.get("invitees", []) if i in by_id]
    if len(chosen) != len(answers.get("invitees", [])):
        problems["invitees"] = "Choose people from the list"
    rrule = None
    if kind != MeetingKind.STRATEGY:
        series = answers.get("series") or ""
        if series not in SERIES:
            problems["series"] = "Choose one meeting, fortnightly or monthly"
        elif SERIES[series][1] is not None:
            count = answers.get("count", "")
            if not (count.isdigit() and 2 <= int(count) <= 52):
                problems["count"] = "Enter how many meetings the series has, from 2 to 52"
            else:
                rrule = f"{SERIES[series][1]};COUNT={int(count)}"
    if problems or day is None or starts is None or ends is None:
        return None, problems
    start = datetime.combine(day, starts, zone)
    end = datetime.combine(day, ends, zone)
    if end <= start:
        return None, {"end_time": "The meeting must end after it starts"}
    return MeetingIn(kind=kind, title=answers.get("title", ""), start=start, end=end,
                     location=answers.get("location", ""), case_ids=(case_id,) if case_id else (),
                     capacity=capacity,
                     invitees=tuple(InviteeIn(p.email, p.name, p.agency) for p in chosen),
                     rrule=rrule, decided_at=decided_at,
                     late_reason=answers.get("late_reason", "")), {}


def field_of(name: str) -> str:
    """The form's field for a rule's problem: the rules speak of `start`, `end`, `decided_at`."""
    return {"end": "end_time", "decided_at": "decided", "rrule": "series",
            "case_ids": "title"}.get(name, name)



CHANGE_FIELDS = ("start-day", "start-month", "start-year", "start_time", "end_time", "location")


def change_answers_from(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip()[:2000] for name in CHANGE_FIELDS}


def change_answers_of(start: datetime, end: datetime, location: str, zone: ZoneInfo) -> dict[str, str]:
    """The change form, filled in with the meeting as it stands."""
    local, until = start.astimezone(zone), end.astimezone(zone)
    return {"start-day": str(local.day), "start-month": str(local.month), "start-year": str(local.year),
            "start_time": f"{local:%H:%M}", "end_time": f"{until:%H:%M}", "location": location}


def read_change(answers: Mapping[str, str],
                zone: ZoneInfo) -> tuple[tuple[datetime, datetime, str] | None, Problems]:
    """The new day, times and place the change form gives, or what is wrong with it (the rules of
    convening are checked after, by the service)."""
    problems: Problems = {}
    day, starts, ends = _day_and_times(answers, problems)
    if problems or day is None or starts is None or ends is None:
        return None, problems
    start, end = datetime.combine(day, starts, zone), datetime.combine(day, ends, zone)
    if end <= start:
        return None, {"end_time": "The meeting must end after it starts"}
    return (start, end, answers.get("location", "")), {}
