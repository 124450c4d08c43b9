"""Convening a meeting about a case, in GOV.UK question pages: the form (what, when, where, who),
then a check-your-answers page that shows the law's clock and the target date before anything is
written, and asks why when the meeting would be later than the law allows; then the meeting.

The answers travel in the POST body between the pages (never in a URL); the services check
membership (404 for anyone else) and the rules, with the field names the pages show.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.cases.models import Case, CaseKind
from hub.errors import Forbidden, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from meetings import forms
from meetings.rules import KIND_WORDS, MeetingIn, MeetingKind
from meetings.services.marac import is_coordinator
from meetings.services.meetings import Person, convene, partnership_people, people_to_invite, preview
from meetings.web import mailing, uid_domain

convene_pages = Blueprint("meetings_convene", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(context.state().settings.policy.timezone)


@dataclass(frozen=True)
class _About:
    """What a meeting is convened about: a case (its kind says the meeting's, its agencies whom
    to invite), or nothing yet, for a MARAC the coordinator fills from the queue."""

    case: Case | None
    people: list[Person]
    kind: MeetingKind
    urls: dict[str, str]


def _about(case_id: uuid.UUID | None) -> _About:
    db, actor = context.db(), context.actor()
    if case_id is None:
        with audited_refusal():
            if not is_coordinator(actor, context.state().settings.policy):
                raise Forbidden("A MARAC is convened from the queue by the coordinating agency's leads "
                                "and managers")
        return _About(None, partnership_people(db, actor), MeetingKind.MARAC, {
            "check": url_for("meetings_convene.check_marac"),
            "change": url_for("meetings_convene.change_marac"),
            "convene": url_for("meetings_convene.convene_marac"),
            "back": url_for("meetings_marac.queue_page")})
    case, people = people_to_invite(db, actor, case_id)
    return _About(case, people, forms.KIND_OF_CASE[CaseKind(case.kind)], {
        "check": url_for("meetings_convene.check_meeting", case_id=case.id),
        "change": url_for("meetings_convene.change_answers", case_id=case.id),
        "convene": url_for("meetings_convene.convene_meeting", case_id=case.id),
        "back": url_for("cases.case_page", case_id=case.id)})


def _form(about: _About, answers: Mapping[str, Any], errors: Mapping[str, str],
          status: int = 200) -> Response:
    return page("meetings/convene.html", status, case=about.case, kind=about.kind, urls=about.urls,
                kind_words=KIND_WORDS[about.kind],
                answers={"series": "none", "count": "12", **answers}, errors=errors,
                error_list=[(n, errors[n]) for n in forms.FORM_ORDER if n in errors],
                people=[(str(p.id), f"{p.name} ({p.agency})") for p in about.people],
                series_options=[(value, label) for value, (label, _rule) in forms.SERIES.items()],
                strategy=about.kind == MeetingKind.STRATEGY, marac=about.kind == MeetingKind.MARAC)


def _read(about: _About, answers: Mapping[str, Any]) -> tuple[MeetingIn | None, dict[str, str]]:
    return forms.read_meeting(answers, about.case.id if about.case else None,
                              about.case.kind if about.case else None, about.people, _zone())


def _check_page(about: _About, answers: Mapping[str, Any], meeting: MeetingIn,
                errors: Mapping[str, str], status: int = 200) -> Response:
    state = context.state()
    found = preview(context.db(), context.actor(), meeting, policy=state.settings.policy, now=context.now())
    names = {str(p.id): f"{p.name} ({p.agency})" for p in about.people}
    return page("meetings/convene_check.html", status, case=about.case, urls=about.urls, meeting=meeting,
                answers=answers, preview=found, errors=errors, error_list=list(errors.items()),
                kind_words=KIND_WORDS[MeetingKind(meeting.kind)],
                invited=[names[i] for i in answers.get("invitees", []) if i in names],
                series_words=forms.SERIES.get(answers.get("series") or "none", ("", None))[0])


def _check(about: _About) -> Response:
    answers = forms.answers_from(request.form)
    meeting, problems = _read(about, answers)
    if meeting is None:
        return _form(about, answers, problems, 422)
    try:
        return _check_page(about, answers, meeting, {})
    except ValidationFailed as failed:
        return _form(about, answers, {forms.field_of(n): m for n, m in failed.errors.items()}, 422)


def _convene(about: _About) -> ResponseReturnValue:
    answers = forms.answers_from(request.form)
    meeting, problems = _read(about, answers)
    if meeting is None:
        return _form(about, answers, problems, 422)
    state = context.state()
    settings, now = state.settings, context.now()
    try:
        found = preview(context.db(), context.actor(), meeting, policy=settings.policy, now=now)
    except ValidationFailed as failed:
        return _form(about, answers, {forms.field_of(n): m for n, m in failed.errors.items()}, 422)
    if found.late and not meeting.late_reason.strip():
        return _check_page(about, answers, meeting, {
            "late_reason": "Say why the meeting is after the date the law's clock allows"}, 422)
    made = convene(context.db(), context.actor(), meeting, envelope=state.envelope, policy=settings.policy,
                   now=now, uid_domain=uid_domain(), mailing=mailing())
    return see_other("meetings_pages.meeting_page", meeting_id=made.id, done="convened")


# What a link to the form may fill in (DESIGN.md §2: never personal data in a URL).
DECISION_FIELDS = ("decided-day", "decided-month", "decided-year", "decided_time")


@convene_pages.get("/cases/<uuid:case_id>/meetings/new")
@requires(Permission.MEETING_CONVENE)
def new_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    """The form, with the decision the clock runs from filled in when the link gave it (a
    concern's triage proposes the meeting from its decision): a date and a time, nothing else."""
    prefilled = {key: value for key in DECISION_FIELDS if (value := request.args.get(key, ""))
                 and len(value) <= 5 and value.replace(":", "").isdigit()}
    return _form(_about(case_id), prefilled, {})


@convene_pages.post("/cases/<uuid:case_id>/meetings/new")
@requires(Permission.MEETING_CONVENE)
def change_answers(case_id: uuid.UUID) -> ResponseReturnValue:
    """Back from the check page to the form, with everything typed."""
    return _form(_about(case_id), forms.answers_from(request.form), {})


@convene_pages.post("/cases/<uuid:case_id>/meetings/check")
@requires(Permission.MEETING_CONVENE)
def check_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    return _check(_about(case_id))


@convene_pages.post("/cases/<uuid:case_id>/meetings")
@requires(Permission.MEETING_CONVENE)
def convene_meeting(case_id: uuid.UUID) -> ResponseReturnValue:
    return _convene(_about(case_id))


# --- a MARAC, convened by the coordinator before its cases are listed --------------------------------

@convene_pages.get("/marac/meetings/new")
@requires(Permission.MEETING_CONVENE)
def new_marac() -> ResponseReturnValue:
    return _form(_about(None), {}, {})


@convene_pages.post("/marac/meetings/new")
@requires(Permission.MEETING_CONVENE)
def change_marac() -> ResponseReturnValue:
    return _form(_about(None), forms.answers_from(request.form), {})


@convene_pages.post("/marac/meetings/check")
@requires(Permission.MEETING_CONVENE)
def check_marac() -> ResponseReturnValue:
    return _check(_about(None))


@convene_pages.post("/marac/meetings")
@requires(Permission.MEETING_CONVENE)
def convene_marac() -> ResponseReturnValue:
    return _convene(_about(None))
