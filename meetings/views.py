"""The meetings package's pages: one meeting (where the invitation's link leads) and my meetings.

Both go through the meeting services, which show a meeting only to the agencies of its cases, its
organiser and the people invited (404 for anyone else) and audit every read.
"""

from __future__ import annotations

import calendar as calendar_module
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires, visible_case
from hub.errors import NotFound, ValidationFailed
from hub.web.forms import long_date
from hub.web.pages import page, see_other
from meetings.calendar import feed
from meetings.rules import (
    ATTENDANCE_WORDS,
    CANCELLED,
    CONFIDENTIALITY_STATEMENT,
    CRITERION_WORDS,
    KIND_WORDS,
    MAPPA_CATEGORIES,
    MAPPA_LEVELS,
    MeetingKind,
    series_words,
)
from meetings.services.carried import carried_over
from meetings.services.feeds import feed_entries, feed_url, month_entries, revoke_feed
from meetings.services.mappa import get_mappa, set_mappa
from meetings.services.marac import agenda
from meetings.services.meetings import (
    MeetingView,
    agencies_of,
    get_meeting,
    keeps_the_meeting,
    may_change,
    my_meetings,
    seen,
)
from meetings.services.register import acknowledge, record_attendance, register_of
from meetings.services.rsvp import ANSWERS, answer, invitation_for

pages = Blueprint("meetings_pages", __name__)

PARTSTAT_WORDS = {"NEEDS-ACTION": "Not answered", "ACCEPTED": "Accepted", "DECLINED": "Declined",
                  "TENTATIVE": "Maybe"}


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, kind_words={k.value: v for k, v in KIND_WORDS.items()},
                partstat_words=PARTSTAT_WORDS, long_date=long_date,
                attendance_words={k.value: v for k, v in ATTENDANCE_WORDS.items()}, **values)


_DONE = {"convened": "Meeting convened: the people invited have been sent an invitation",
         "acknowledged": "You have acknowledged the confidentiality statement",
         "attendance": "Attendance recorded",
         "research": "Your agency's research has been recorded",
         "marked": "Action marked: it is no longer carried over",
         "changed": "Meeting changed: the people invited have been sent the changed invitation",
         "cancelled": "Cancelled: the people invited have been sent the cancellation"}


def _meeting_page(found: MeetingView, *, answers: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    db, actor = context.db(), context.actor()
    assert actor.user is not None
    keeps_register = keeps_the_meeting(actor, found) and found.status != CANCELLED
    errors = errors or {}
    register = register_of(db, actor, found.id)
    shown_agenda = (agenda(db, actor, found.id, envelope=context.state().envelope, today=context.today(),
                           now=context.now())
                    if found.kind == MeetingKind.MARAC and register.acknowledged else None)
    carried = (carried_over(db, actor, found.id, envelope=context.state().envelope,
                            policy=context.state().settings.policy, now=context.now())
               if register.acknowledged and found.status != CANCELLED else [])
    return _page("meetings/meeting.html", status, meeting=found, register=register, agenda=shown_agenda,
                 criterion_words={k.value: v for k, v in CRITERION_WORDS.items()},
                 statement=CONFIDENTIALITY_STATEMENT, strategy=found.kind == MeetingKind.STRATEGY,
                 keeps_register=keeps_register, carried=carried,
                 may_mark=keeps_register and found.start <= context.now(),
                 may_change=may_change(actor, found, context.now()),
                 agency_options=[(code, code) for code in sorted(agencies_of(db, seen(db, actor, found.id)))]
                 if keeps_register else [],
                 attendance_options=[(k.value, v) for k, v in ATTENDANCE_WORDS.items()],
                 answers=answers or {}, errors=errors,
                 error_list=[(name, errors[name]) for name in ("agency", "status") if name in errors],
                 done=_DONE.get(request.args.get("done") or ""), today=context.today(),
                 now=context.now(), series_words=series_words)


def _found(meeting_id: uuid.UUID) -> MeetingView:
    state = context.state()
    return get_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                       policy=state.settings.policy, now=context.now())


@pages.get("/meetings/<uuid:meeting_id>")
@requires(Permission.MEETING_READ)
def meeting_page(meeting_id: uuid.UUID) -> ResponseReturnValue:
    return _meeting_page(_found(meeting_id))


@pages.post("/meetings/<uuid:meeting_id>/acknowledge")
@requires(Permission.MEETING_READ)
def acknowledge_statement(meeting_id: uuid.UUID) -> ResponseReturnValue:
    acknowledge(context.db(), context.actor(), meeting_id, now=context.now())
    return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="acknowledged")


@pages.post("/meetings/<uuid:meeting_id>/attendance")
@requires(Permission.MEETING_CONVENE)
def record_attendance_page(meeting_id: uuid.UUID) -> ResponseReturnValue:
    answers = {name: (request.form.get(name) or "").strip()[:40] for name in ("agency", "status")}
    try:
        record_attendance(context.db(), context.actor(), meeting_id, agency=answers["agency"],
                          status=answers["status"], now=context.now())
    except ValidationFailed as failed:
        return _meeting_page(_found(meeting_id), answers=answers, errors=dict(failed.errors), status=422)
    return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="attendance")


@pages.get("/meetings")
@requires(Permission.MEETING_READ)
def my_meetings_page() -> ResponseReturnValue:
    state = context.state()
    found = my_meetings(context.db(), context.actor(), start=None, end=None, envelope=state.envelope,
                        policy=state.settings.policy, now=context.now(), limit=200)
    return _page("meetings/my_meetings.html", meetings=found)


# --- the private calendar feed ---------------------------------------------------------------------

@pages.get("/meetings/calendar-feed")
@requires(Permission.MEETING_READ)
def calendar_feed_page() -> ResponseReturnValue:
    settings = context.state().settings
    assert settings.secret_key is not None
    url = feed_url(context.db(), context.actor(), secret=settings.secret_key, base_url=settings.base_url,
                   now=context.now())
    return _page("meetings/calendar_feed.html", url=url,
                 done="A new link has been made; the old one no longer works"
                 if request.args.get("done") == "revoked" else None)


@pages.post("/meetings/calendar-feed/revoke")
@requires(Permission.MEETING_READ)
def revoke_calendar_feed_page() -> ResponseReturnValue:
    revoke_feed(context.db(), context.actor(), now=context.now())
    return see_other("meetings_pages.calendar_feed_page", done="revoked")


@pages.get("/calendar/<uuid:feed_id>/<string:mac>.ics")
@requires(Permission.PUBLIC)
def calendar_feed_ics(feed_id: uuid.UUID, mac: str) -> ResponseReturnValue:
    """A calendar program's read of a person's feed: the URL is the credential (404 if it is not
    one, or has been revoked)."""
    state = context.state()
    settings = state.settings
    assert settings.secret_key is not None
    now = context.now()
    with _audited_link():
        entries = feed_entries(context.db(), feed_id, mac[:100], secret=settings.secret_key, now=now,
                               request_id=context.request_id())
    body = feed(entries, organiser=settings.smtp.sender, base_url=settings.base_url, policy=settings.policy)
    return Response(body, content_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


# --- a MAPPA case's category and level -------------------------------------------------------------

def _mappa_form(case_id: uuid.UUID, answers: dict[str, str], errors: dict[str, str],
                status: int = 200) -> Response:
    user = context.actor().user
    assert user is not None
    case = visible_case(context.db(), user, case_id, Permission.MAPPA_MANAGE)
    return _page("meetings/mappa_form.html", status, case=case, answers=answers, errors=errors,
                 policy=context.state().settings.policy,
                 error_list=[(name, errors[name]) for name in ("category", "level") if name in errors],
                 categories=[(str(k), v) for k, v in MAPPA_CATEGORIES.items()],
                 levels=[(str(k), v) for k, v in MAPPA_LEVELS.items()])


@pages.get("/cases/<uuid:case_id>/mappa")
@requires(Permission.MAPPA_MANAGE)
def mappa_form(case_id: uuid.UUID) -> ResponseReturnValue:
    user = context.actor().user
    assert user is not None
    visible_case(context.db(), user, case_id, Permission.MAPPA_MANAGE)  # another member: 403
    found = get_mappa(context.db(), context.actor(), case_id, now=context.now())
    answers = {"category": str(found.category), "level": str(found.level)} if found else {}
    return _mappa_form(case_id, answers, {})


@pages.post("/cases/<uuid:case_id>/mappa")
@requires(Permission.MAPPA_MANAGE)
def set_mappa_page(case_id: uuid.UUID) -> ResponseReturnValue:
    answers = {name: (request.form.get(name) or "").strip()[:4] for name in ("category", "level")}
    chosen = {name: int(value) if value.isdigit() else 0 for name, value in answers.items()}
    try:
        set_mappa(context.db(), context.actor(), case_id, category=chosen["category"], level=chosen["level"],
                  policy=context.state().settings.policy, now=context.now())
    except ValidationFailed as failed:
        return _mappa_form(case_id, answers, dict(failed.errors), 422)
    return see_other("cases.case_page", case_id=case_id)


# --- answering an invitation from its e-mail ---------------------------------------------------------

@contextmanager
def _audited_link() -> Iterator[None]:
    """A link that is not one the hub signed leaves a trace, although nothing else is written."""
    try:
        yield
    except NotFound:
        context.defer_audit(action="access.denied", object_type="meeting_invitation",
                            details={"endpoint": request.endpoint})
        raise


def _rsvp_page(token: str, errors: dict[str, str] | None = None, status: int = 200,
               done: bool = False) -> Response:
    settings = context.state().settings
    assert settings.secret_key is not None
    with _audited_link():
        found = invitation_for(context.db(), settings.secret_key, token)
    return _page("meetings/rsvp.html", status, invitation=found, token=token, errors=errors or {},
                 error_list=list((errors or {}).items()), options=list(ANSWERS.items()), done=done,
                 answers={"partstat": found.partstat if found.partstat in ANSWERS else ""})


@pages.get("/rsvp/<string:token>")
@requires(Permission.PUBLIC)
def rsvp_page(token: str) -> ResponseReturnValue:
    """The link in an invitation: the meeting (kind, case references, time, place) and the answer."""
    return _rsvp_page(token, done=request.args.get("done") == "1")


@pages.post("/rsvp/<string:token>")
@requires(Permission.PUBLIC)
def rsvp_answer(token: str) -> ResponseReturnValue:
    settings = context.state().settings
    assert settings.secret_key is not None
    try:
        with _audited_link():
            answer(context.db(), settings.secret_key, token, (request.form.get("partstat") or "")[:20],
                   now=context.now(), request_id=context.request_id())
    except ValidationFailed as failed:
        return _rsvp_page(token, dict(failed.errors), 422)
    return see_other("meetings_pages.rsvp_page", token=token, done="1")


# --- the calendar view of my meetings ----------------------------------------------------------------

MONTH = re.compile(r"(\d{4})-(\d{2})")


@pages.get("/meetings/calendar")
@requires(Permission.MEETING_READ)
def calendar_page() -> ResponseReturnValue:
    """My meetings as a month, week by week (Monday first), with the same meetings as a list."""
    policy = context.state().settings.policy
    zone = ZoneInfo(policy.timezone)
    today = context.today()
    asked = MONTH.fullmatch((request.args.get("month") or "")[:7])
    first = date(today.year, today.month, 1)
    if asked and 1900 <= int(asked[1]) <= 9000 and 1 <= int(asked[2]) <= 12:
        first = date(int(asked[1]), int(asked[2]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    found = month_entries(context.db(), context.actor(), start=datetime.combine(first, time(0), zone),
                          end=datetime.combine(following, time(0), zone), now=context.now())
    by_day: dict[date, list[tuple[datetime, Any]]] = {}
    for moment, entry in found:
        by_day.setdefault(moment.astimezone(zone).date(), []).append((moment, entry))
    weeks = calendar_module.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    return _page("meetings/calendar.html", first=first, weeks=weeks, by_day=by_day, entries=found,
                 today=today, previous=f"{previous:%Y-%m}", following=f"{following:%Y-%m}")
