"""Convening a meeting about a case, in GOV.UK question pages: the form (what, when, where, who),
then a check-your-answers page that shows the law's clock and the target date before anything is
written, and asks why when the meeting would be later than the law allows; then the meeting.

The answers travel in the POST body between the pages (never in a URL); the services check
membership (404 for anyone else) and the rules, with the field names the pages show.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.cases.models import CaseKind
from hub.errors import ValidationFailed
from hub.web.pages import page, see_other
from meetings import forms
from meetings.rules import KIND_WORDS, MeetingIn, MeetingKind
from meetings.services.meetings import Person, convene, people_to_invite, preview
from meetings.web import mailing, uid_domain

convene_pages = Blueprint("meetings_convene", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(context.state().settings.policy.timezone)


def _form(case_id: uuid.UUID, answers: Mapping[str, Any], errors: Mapping[str, str],
          status: int = 200) -> Response:
    case, people = people_to_invite(context.db(), context.actor(), case_id)
    kind = forms.KIND_OF_CASE[CaseKind(case.kind)]
    return page("meetings/convene.html", status, case=case, kind=kind, kind_words=KIND_WORDS[kind],
                answers={"series": "none", "count": "12", **answers}, errors=errors,
                error_list=[(n, errors[n]) for n in forms.FORM_ORDER if n in errors],
                people=[(str(p.id), f"{p.name} ({p.agency})") for p in people],
                series_options=[(value, label) for value, (label, _rule) in forms.SERIES.items()],
                strategy=kind == MeetingKind.STRATEGY)


def _read(case_id: uuid.UUID, answers: Mapping[str, Any]) -> tuple[MeetingIn | None, dict[str, str],
                                                                   list[Person]]:
    case, people = people_to_invite(context.db(), context.actor(), case_id)
    meeting, problems = forms.read_meeting(answers, case.id, case.kind, people, _zone())
    return meeting, problems, people


@convene_pages.get("/cases/<uuid:case_id>/meetings/new")
@requires(Permission.MEETING_CONVENE)
def new_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    return _form(case_id, {}, {})


@convene_pages.post("/cases/<uuid:case_id>/meetings/new")
@requires(Permission.MEETING_CONVENE)
def change_answers(case_id: uuid.UUID) -> ResponseReturnValue:
    """Back from the check page to the form, with everything typed."""
    return _form(case_id, forms.answers_from(request.form), {})


def _check_page(case_id: uuid.UUID, answers: Mapping[str, Any], meeting: MeetingIn,
                errors: Mapping[str, str], status: int = 200) -> Response:
    state = context.state()
    found = preview(context.db(), context.actor(), meeting, policy=state.settings.policy, now=context.now())
    case, people = people_to_invite(context.db(), context.actor(), case_id)
    names = {str(p.id): f"{p.name} ({p.agency})" for p in people}
    return page("meetings/convene_check.html", status, case=case, meeting=meeting, answers=answers,
                preview=found, errors=errors, error_list=list(errors.items()),
                kind_words=KIND_WORDS[MeetingKind(meeting.kind)],
                invited=[names[i] for i in answers.get("invitees", []) if i in names],
                series_words=forms.SERIES.get(answers.get("series") or "none", ("", None))[0])


@convene_pages.post("/cases/<uuid:case_id>/meetings/check")
@requires(Permission.MEETING_CONVENE)
def check_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.answers_from(request.form)
    meeting, problems, _people = _read(case_id, answers)
    if meeting is None:
        return _form(case_id, answers, problems, 422)
    try:
        return _check_page(case_id, answers, meeting, {})
    except ValidationFailed as failed:
        return _form(case_id, answers, {forms.field_of(n): m for n, m in failed.errors.items()}, 422)


@convene_pages.post("/cases/<uuid:case_id>/meetings")
@requires(Permission.MEETING_CONVENE)
def convene_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.answers_from(request.form)
    meeting, problems, _people = _read(case_id, answers)
    if meeting is None:
        return _form(case_id, answers, problems, 422)
    state = context.state()
    settings, now = state.settings, context.now()
    try:
        found = preview(context.db(), context.actor(), meeting, policy=settings.policy, now=now)
    except ValidationFailed as failed:
        return _form(case_id, answers, {forms.field_of(n): m for n, m in failed.errors.items()}, 422)
    if found.late and not meeting.late_reason.strip():
        return _check_page(case_id, answers, meeting, {
            "late_reason": "Say why the meeting is after the date the law's clock allows"}, 422)
    made = convene(context.db(), context.actor(), meeting, envelope=state.envelope, policy=settings.policy,
                   now=now, uid_domain=uid_domain(), mailing=mailing())
    return see_other("meetings_pages.meeting_page", meeting_id=made.id, done="convened")
