"""Moving a meeting, changing its place, or cancelling it, from its page (the convening agency):
the form filled in with the meeting as it stands, its errors in the GOV.UK error summary, and a
page that asks before cancelling. Both go through the services the API calls
(meetings.services.meetings), which send the changed or cancelled invitation to everyone invited.
The first meeting of a series moves or cancels the series, until it has begun; a later one itself.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import ValidationFailed
from hub.web.pages import page, see_other
from meetings.forms import change_answers_from, change_answers_of, field_of, read_change
from meetings.rules import KIND_WORDS
from meetings.services.meetings import (
    MeetingView,
    cancel_meeting,
    change_meeting,
    changeable,
    get_meeting,
)
from meetings.web import mailing

changes = Blueprint("meetings_change", __name__)

_ORDER = ("start", "start_time", "end_time", "location")


def _meeting(meeting_id: uuid.UUID) -> MeetingView:
    state = context.state()
    changeable(context.db(), context.actor(), meeting_id, now=context.now())
    return get_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                       policy=state.settings.policy, now=context.now())


def _page(template: str, found: MeetingView, status: int = 200, **values: Any) -> Response:
    return page(template, status, meeting=found, kind_words={k.value: v for k, v in KIND_WORDS.items()},
                series_meetings=len(found.occurrences) if found.rrule else 0, **values)


def _form(found: MeetingView, answers: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return _page("meetings/change.html", found, status, answers=answers, errors=errors,
                 error_list=[(name, errors[name]) for name in _ORDER if name in errors])


@changes.get("/meetings/<uuid:meeting_id>/change")
@requires(Permission.MEETING_CONVENE)
def change_form(meeting_id: uuid.UUID) -> ResponseReturnValue:
    found = _meeting(meeting_id)
    zone = ZoneInfo(context.state().settings.policy.timezone)
    return _form(found, change_answers_of(found.start, found.end, found.location, zone), {})


@changes.post("/meetings/<uuid:meeting_id>/change")
@requires(Permission.MEETING_CONVENE)
def change(meeting_id: uuid.UUID) -> ResponseReturnValue:
    state = context.state()
    answers = change_answers_from(request.form)
    changed, problems = read_change(answers, ZoneInfo(state.settings.policy.timezone))
    if changed is not None:
        start, end, location = changed
        try:
            change_meeting(context.db(), context.actor(), meeting_id, start=start, end=end, location=location,
                           envelope=state.envelope, policy=state.settings.policy, now=context.now(),
                           mailing=mailing())
        except ValidationFailed as failed:
            problems = {field_of(name): message for name, message in failed.errors.items()}
        else:
            return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="changed")
    return _form(_meeting(meeting_id), answers, problems, status=422)


@changes.get("/meetings/<uuid:meeting_id>/cancel")
@requires(Permission.MEETING_CONVENE)
def cancel_form(meeting_id: uuid.UUID) -> ResponseReturnValue:
    return _page("meetings/cancel.html", _meeting(meeting_id))


@changes.post("/meetings/<uuid:meeting_id>/cancel")
@requires(Permission.MEETING_CONVENE)
def cancel(meeting_id: uuid.UUID) -> ResponseReturnValue:
    state = context.state()
    cancel_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                   policy=state.settings.policy, now=context.now(), mailing=mailing())
    return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="cancelled")
