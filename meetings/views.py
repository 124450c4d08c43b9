"""The meetings package's pages: one meeting (where the invitation's link leads) and my meetings.

Both go through the meeting services, which show a meeting only to the agencies of its cases, its
organiser and the people invited (404 for anyone else) and audit every read.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.web.pages import page
from meetings.rules import KIND_WORDS, MeetingKind
from meetings.services import get_meeting, my_meetings

pages = Blueprint("meetings_pages", __name__)

PARTSTAT_WORDS = {"NEEDS-ACTION": "Not answered", "ACCEPTED": "Accepted", "DECLINED": "Declined",
                  "TENTATIVE": "Maybe"}


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _page(template: str, **values: Any) -> Response:
    return page(template, kind_words={k.value: v for k, v in KIND_WORDS.items()},
                partstat_words=PARTSTAT_WORDS, long_date=long_date, **values)


@pages.get("/meetings/<uuid:meeting_id>")
@requires(Permission.MEETING_READ)
def meeting_page(meeting_id: uuid.UUID) -> ResponseReturnValue:
    state = context.state()
    found = get_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                        policy=state.settings.policy, now=context.now())
    return _page("meetings/meeting.html", meeting=found,
                 strategy=found.kind == MeetingKind.STRATEGY)


@pages.get("/meetings")
@requires(Permission.MEETING_READ)
def my_meetings_page() -> ResponseReturnValue:
    state = context.state()
    found = my_meetings(context.db(), context.actor(), start=None, end=None, envelope=state.envelope,
                        policy=state.settings.policy, now=context.now(), limit=200)
    return _page("meetings/my_meetings.html", meetings=found)
