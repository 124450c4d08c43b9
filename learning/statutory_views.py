"""The reviewers' pages of a review beyond the structured review (DOMAIN.md §9): a Safeguarding
Adult Review's decision against the criteria of Care Act 2014 s44 (through check your answers:
once made it stands), a review's start and end and a CSPR's steps, and the action plan (an
action added, its status changed).

Each is for the leads and managers of the agencies involved (404 for anyone who may not see the
review, 403 for its raiser) and goes through the services the API calls. A form that breaks a
rule is shown again, 422, with the error summary and everything typed, and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import NotFound, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from learning import forms, rules
from learning.review_views import conducted
from learning.rules import SarReferral
from learning.services import actions, statutory
from learning.services import pages as page_services
from learning.services.records import ReviewActionView
from learning.services.views import ReviewView

statutory_pages = Blueprint("learning_statutory", __name__)


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, rules=rules, long_date=forms.long_date, today=context.today(),
                **values)


def _services() -> dict[str, Any]:
    state = context.state()
    return {"envelope": state.envelope, "policy": state.settings.policy, "now": context.now()}


def _done(review_id: uuid.UUID, done: str) -> ResponseReturnValue:
    return see_other("learning_pages.review_page", review_id=review_id, done=done)


# --- a SAR's decision -----------------------------------------------------------------------------

def _undecided_sar(review_id: uuid.UUID) -> ReviewView:
    """A SAR the caller conducts whose decision is still to be made (409 otherwise)."""
    view = conducted(review_id)
    statutory.ensure_undecided_sar(view.line.kind, view.sar["decision"] if view.sar else None)
    return view


def _sar_form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
              status: int = 200) -> Response:
    return _page("learning/sar.html", status, view=view, answers=answers, errors=errors,
                 error_list=forms.ordered(errors, forms.SAR_ORDER))


def _sar_problems(view: ReviewView, answers: Mapping[str, Any]) -> tuple[SarReferral, dict[str, str]]:
    """The decision the answers describe and every problem the services would find with it."""
    referral, problems = forms.sar_from_answers(answers)
    found = rules.sar_problems(referral, today=context.today())
    if not found and referral.decided_on is not None and referral.decided_on < view.line.occurred_on:
        found["decided_on"] = "The decision cannot come before what it is about happened"
    return referral, {**forms.sar_problems(found, answers), **problems}


@statutory_pages.get("/reviews/<uuid:review_id>/sar-decision")
@requires(Permission.REVIEW_CONDUCT)
def sar_decision(review_id: uuid.UUID) -> ResponseReturnValue:
    return _sar_form(_undecided_sar(review_id), {}, {})


@statutory_pages.post("/reviews/<uuid:review_id>/sar-decision/check")
@requires(Permission.REVIEW_CONDUCT)
def check_sar_decision(review_id: uuid.UUID) -> ResponseReturnValue:
    """The answers: shown again to change them, with their problems, or to be checked."""
    view = _undecided_sar(review_id)
    answers = forms.sar_answers(request.form)
    if request.form.get("change") == "1":
        return _sar_form(view, answers, {})
    referral, problems = _sar_problems(view, answers)
    if problems:
        return _sar_form(view, answers, problems, 422)
    return _page("learning/sar_check.html", view=view, referral=referral, answers=answers,
                 mandatory=rules.sar_mandatory(referral))


@statutory_pages.post("/reviews/<uuid:review_id>/sar-decision")
@requires(Permission.REVIEW_CONDUCT)
def record_sar_decision(review_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.sar_answers(request.form)
    referral, problems = forms.sar_from_answers(answers)
    if problems:
        view = _undecided_sar(review_id)
        return _sar_form(view, answers, _sar_problems(view, answers)[1], 422)
    try:
        with audited_refusal("review", review_id):
            statutory.record_sar_decision(context.db(), context.actor(), review_id, referral, **_services())
    except ValidationFailed as failed:
        return _sar_form(_undecided_sar(review_id), answers, forms.sar_problems(failed.errors, answers), 422)
    return _done(review_id, "decided")


# --- a review's dates -----------------------------------------------------------------------------

def _dates_form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
                status: int = 200) -> Response:
    fields = forms.date_fields(view.line.kind)
    return _page("learning/dates.html", status, view=view, answers=answers, errors=errors, fields=fields,
                 error_list=forms.ordered(errors, fields))


@statutory_pages.get("/reviews/<uuid:review_id>/dates")
@requires(Permission.REVIEW_CONDUCT)
def review_dates(review_id: uuid.UUID) -> ResponseReturnValue:
    """The form, as the dates stand."""
    view = conducted(review_id)
    recorded = {"started_on": view.started_on, "ended_on": view.ended_on, **(view.cspr or {})}
    return _dates_form(view, forms.dates_answers_of(recorded, view.line.kind), {})


@statutory_pages.post("/reviews/<uuid:review_id>/dates")
@requires(Permission.REVIEW_CONDUCT)
def record_dates(review_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("review", review_id):
        kind = page_services.conducted_kind(context.db(), context.actor(), review_id)
    answers = forms.dates_answers(request.form, kind)
    dates, problems = forms.dates_from_answers(answers, kind)
    if problems:
        return _dates_form(conducted(review_id), answers, problems, 422)
    try:
        statutory.record_dates(context.db(), context.actor(), review_id, dates, **_services())
    except ValidationFailed as failed:
        return _dates_form(conducted(review_id), answers, failed.errors, 422)
    return _done(review_id, "dates")


# --- the action plan ----------------------------------------------------------------------------

def _action_form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
                 status: int = 200) -> Response:
    return _page("learning/action_new.html", status, view=view, answers=answers, errors=errors,
                 error_list=forms.ordered(errors, forms.ACTION_ORDER))


@statutory_pages.get("/reviews/<uuid:review_id>/actions/new")
@requires(Permission.REVIEW_CONDUCT)
def new_action(review_id: uuid.UUID) -> ResponseReturnValue:
    return _action_form(conducted(review_id), {}, {})


@statutory_pages.post("/reviews/<uuid:review_id>/actions")
@requires(Permission.REVIEW_CONDUCT)
def add_action(review_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.action_answers(request.form)
    action, problems = forms.action_from_answers(answers)
    try:
        with audited_refusal("review", review_id):
            actions.add_action(context.db(), context.actor(), review_id, **action, **_services())
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
    if problems:
        # Nothing is written (the request rolls back on 422); the form shows what was typed.
        return _action_form(conducted(review_id), answers, problems, 422)
    return _done(review_id, "action")


def _action_of(view: ReviewView, action_id: uuid.UUID) -> ReviewActionView:
    action = next((a for a in view.actions if a.id == action_id), None)
    if action is None:
        raise NotFound("No such action on this review")
    return action


def _action_page(view: ReviewView, action_id: uuid.UUID, answers: Mapping[str, Any],
                 errors: Mapping[str, str], status: int = 200) -> Response:
    line = view.line
    return _page("learning/action.html", status, action=_action_of(view, action_id), answers=answers,
                 errors=errors, error_list=forms.ordered(errors, forms.CHANGE_ORDER),
                 back=("Back to the review", url_for("learning_pages.review_page", review_id=line.id)),
                 caption=f"{forms.KIND_WORDS.get(line.kind, line.kind)}: {line.summary}",
                 post_url=url_for("learning_statutory.change_action", review_id=line.id, action_id=action_id))


@statutory_pages.get("/reviews/<uuid:review_id>/actions/<uuid:action_id>")
@requires(Permission.REVIEW_CONDUCT)
def action_page(review_id: uuid.UUID, action_id: uuid.UUID) -> ResponseReturnValue:
    return _action_page(conducted(review_id), action_id, {}, {})


@statutory_pages.post("/reviews/<uuid:review_id>/actions/<uuid:action_id>")
@requires(Permission.REVIEW_CONDUCT)
def change_action(review_id: uuid.UUID, action_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.change_answers(request.form)
    try:
        with audited_refusal("review", review_id):
            actions.change_action(context.db(), context.actor(), review_id, action_id,
                                  status=answers["status"], note=answers["note"],
                                  evidence=answers["evidence"], **_services())
    except ValidationFailed as failed:
        return _action_page(conducted(review_id), action_id, answers, failed.errors, 422)
    return _done(review_id, "action_changed")
