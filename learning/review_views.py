"""The pages of reviews (DOMAIN.md §9): recording an incident or near miss, or opening a SAR or
CSPR (the form, check your answers, then the review's page); the list of the reviews the caller
may see; a review's page; and for the leads and managers of the agencies involved the
structured review and the feedback to the person who raised it (through check your answers: it
is e-mailed, and cannot be taken back).

Every page goes through the learning services, which check who may do what (404 for a review
the caller may not see, 403 for its raiser on a reviewer's page) and audit each read. A form
that breaks a rule is shown again, 422, with the GOV.UK error summary and everything typed;
nothing is written (the request rolls back on any answer of 400 or more). What a review says
travels in POST bodies only; the URLs carry ids and flags.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, has_permission, requires
from hub.errors import Conflict, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from learning import forms, rules
from learning.rules import ReviewIn
from learning.services import pages as page_services
from learning.services.reviews import (
    check_review,
    get_review,
    give_feedback,
    raise_review,
    record_structured_review,
    reviews_of,
)
from learning.services.views import ReviewView
from meetings.rules import KIND_WORDS as MEETING_KIND_WORDS

review_pages = Blueprint("learning_pages", __name__)

# Rows on one page of the list.
PAGE_SIZE = 25
MAX_PAGE = 10_000
# What the review's page says after a change (the query flag carries no personal data).
DONE = {"raised": "Recorded", "reviewed": "Structured review recorded", "feedback": "Feedback sent",
        "decided": "Decision recorded", "dates": "Dates recorded", "action": "Action added",
        "action_changed": "Action's status changed", "links": "What the findings concern recorded"}


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, rules=rules, long_date=forms.long_date, today=context.today(),
                **values)


def _services() -> dict[str, Any]:
    state = context.state()
    return {"envelope": state.envelope, "policy": state.settings.policy, "now": context.now()}


def found(review_id: uuid.UUID) -> ReviewView:
    """The review in full, for whoever may see it (the read is audited)."""
    with audited_refusal("review", review_id):
        return get_review(context.db(), context.actor(), review_id, **_services())


def conducted(review_id: uuid.UUID) -> ReviewView:
    """The review in full, for a lead or manager of an agency involved (403 for its raiser)."""
    with audited_refusal("review", review_id):
        return get_review(context.db(), context.actor(), review_id, **_services(), conduct=True)


# --- raising a review -------------------------------------------------------------------------------

def _statutory() -> bool:
    return has_permission(context.signed_in(), Permission.REVIEW_CONDUCT)


def _kinds() -> list[str]:
    return [value for value, _text, _hint in forms.kind_options(_statutory())]


def _form(answers: Mapping[str, Any], errors: Mapping[str, str], status: int = 200) -> Response:
    return _page("learning/raise.html", status, answers=answers, errors=errors,
                 error_list=forms.ordered(errors, forms.REVIEW_ORDER), kinds=forms.kind_options(_statutory()),
                 partners=page_services.partner_agencies(context.db(), context.signed_in()))


def _read(answers: Mapping[str, Any]) -> tuple[ReviewIn, dict[str, str]]:
    """The review the answers describe, and every problem raising it would meet: what the form
    could not read, and the services' (nothing is written)."""
    review, problems = forms.review_from_answers(answers, kinds=_kinds())
    state = context.state()
    try:
        check_review(context.db(), context.actor(), review, policy=state.settings.policy, now=context.now())
    except ValidationFailed as failed:
        problems = {**forms.review_problems(failed.errors, answers), **problems}
    return review, problems


@review_pages.get("/reviews/new")
@requires(Permission.REVIEW_RAISE)
def new_review() -> ResponseReturnValue:
    """The form; ``kind`` (a flag from the list's buttons) chooses a kind the person may open."""
    asked = (request.args.get("kind") or "")[:16]
    return _form({"kind": asked if asked in _kinds() else "", "agencies": []}, {})


@review_pages.post("/reviews/new")
@requires(Permission.REVIEW_RAISE)
def check_answers() -> ResponseReturnValue:
    """The form's answers: shown again to change them, with their problems, or to be checked."""
    answers = forms.review_answers(request.form)
    if request.form.get("change") == "1":
        return _form(answers, {})
    review, problems = _read(answers)
    if problems:
        return _form(answers, problems, 422)
    names = dict(page_services.partner_agencies(context.db(), context.signed_in()))
    return _page("learning/check.html", review=review, answers=answers,
                 agency_names=[names.get(code, code) for code in review.agencies])


@review_pages.post("/reviews")
@requires(Permission.REVIEW_RAISE)
def record_review() -> ResponseReturnValue:
    answers = forms.review_answers(request.form)
    review, problems = _read(answers)
    if problems:
        return _form(answers, problems, 422)
    try:
        raised = raise_review(context.db(), context.actor(), review, **_services())
    except ValidationFailed as failed:
        return _form(answers, forms.review_problems(failed.errors, answers), 422)
    return see_other("learning_pages.review_page", review_id=raised.line.id, done="raised")


# --- the list -------------------------------------------------------------------------------------

def _page_number() -> int:
    text = (request.args.get("page") or "1")[:6]
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_PAGE else 1


@review_pages.get("/reviews")
@requires(Permission.REVIEW_READ)
def review_list() -> ResponseReturnValue:
    number = _page_number()
    lines = reviews_of(context.db(), context.actor(), kind=None, status=None,
                       envelope=context.state().envelope, now=context.now(), limit=PAGE_SIZE + 1,
                       offset=(number - 1) * PAGE_SIZE)
    shown = lines[:PAGE_SIZE]
    mine = page_services.raised_by(context.db(), context.signed_in(), [line.id for line in shown])
    return _page("learning/list.html", reviews=shown, mine=mine, statutory=_statutory(), page_number=number,
                 more=len(lines) > PAGE_SIZE)


# --- a review's page ------------------------------------------------------------------------------

@review_pages.get("/reviews/<uuid:review_id>")
@requires(Permission.REVIEW_READ)
def review_page(review_id: uuid.UUID) -> ResponseReturnValue:
    view = found(review_id)
    return _page("learning/review.html", view=view, done=DONE.get(request.args.get("done") or ""),
                 feedback_blocked=feedback_blocked(view), meeting_words=MEETING_KIND_WORDS)


# --- the structured review --------------------------------------------------------------------------

def _structured_form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
                     status: int = 200) -> Response:
    factors = context.state().settings.policy.review_factors
    return _page("learning/structured.html", status, view=view, answers=answers, errors=errors,
                 error_list=forms.ordered(errors, forms.STRUCTURED_ORDER),
                 factor_options=forms.factor_options(factors), rows=forms.timeline_rows(answers))


@review_pages.get("/reviews/<uuid:review_id>/review")
@requires(Permission.REVIEW_CONDUCT)
def structured_review(review_id: uuid.UUID) -> ResponseReturnValue:
    """The form, as the review stands (recorded again, it replaces the earlier one)."""
    view = conducted(review_id)
    return _structured_form(view, forms.structured_answers_of(view.review, view.factors, view.tags), {})


@review_pages.post("/reviews/<uuid:review_id>/review")
@requires(Permission.REVIEW_CONDUCT)
def record_structured(review_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.structured_answers(request.form, factors=context.state().settings.policy.review_factors)
    data, problems = forms.structured_from_answers(answers)
    if problems:
        # What the form could not read, and what the rules say of the rest, all at once.
        policy = context.state().settings.policy
        found_too = rules.structured_review_problems(data, today=context.today(),
                                                     factors=policy.review_factors)
        return _structured_form(conducted(review_id), answers, {**found_too, **problems}, 422)
    try:
        with audited_refusal("review", review_id):
            record_structured_review(context.db(), context.actor(), review_id, data, **_services())
    except ValidationFailed as failed:
        # Nothing is written (the request rolls back on 422); the form shows what was typed.
        return _structured_form(conducted(review_id), answers, failed.errors, 422)
    return see_other("learning_pages.review_page", review_id=review_id, done="reviewed")


# --- feedback to the person who raised it ---------------------------------------------------------

def feedback_blocked(view: ReviewView) -> str | None:
    """Why no feedback can be given yet, or at all (the services refuse it for the same reasons)."""
    if view.line.kind not in rules.RAISED_KINDS:
        return ("A statutory review publishes its findings: feedback goes to the person who raised an "
                "incident or near miss.")
    if view.reviewed_at is None:
        return "Record the structured review first: the feedback says what it found."
    if view.feedback_at is not None:
        return "Feedback has been given on this review."
    return None


def _feedback_form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
                   status: int = 200) -> Response:
    return _page("learning/feedback.html", status, view=view, answers=answers, errors=errors,
                 error_list=forms.ordered(errors, ("feedback",)), blocked=feedback_blocked(view))


@review_pages.get("/reviews/<uuid:review_id>/feedback")
@requires(Permission.REVIEW_CONDUCT)
def feedback(review_id: uuid.UUID) -> ResponseReturnValue:
    return _feedback_form(conducted(review_id), {}, {})


@review_pages.post("/reviews/<uuid:review_id>/feedback/check")
@requires(Permission.REVIEW_CONDUCT)
def check_feedback(review_id: uuid.UUID) -> ResponseReturnValue:
    """The feedback typed: shown again to change it, with its problems, or to be checked."""
    view = conducted(review_id)
    answers = forms.feedback_answers(request.form)
    if request.form.get("change") == "1":
        return _feedback_form(view, answers, {})
    blocked = feedback_blocked(view)
    if blocked is not None:
        return _feedback_form(view, answers, {"feedback": blocked}, 409)
    if problems := rules.feedback_problems(answers["feedback"]):
        return _feedback_form(view, answers, problems, 422)
    return _page("learning/feedback_check.html", view=view, answers=answers)


@review_pages.post("/reviews/<uuid:review_id>/feedback")
@requires(Permission.REVIEW_CONDUCT)
def record_feedback(review_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.feedback_answers(request.form)
    try:
        with audited_refusal("review", review_id):
            give_feedback(context.db(), context.actor(), review_id, answers["feedback"], **_services())
    except ValidationFailed as failed:
        return _feedback_form(conducted(review_id), answers, failed.errors, 422)
    except Conflict as refused:
        return _feedback_form(conducted(review_id), answers, {"feedback": refused.detail}, 409)
    return see_other("learning_pages.review_page", review_id=review_id, done="feedback")
