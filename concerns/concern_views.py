"""The pages of safeguarding concerns (DOMAIN.md §11): raising one (the form, check your answers,
the confirmation with the triage deadline), the list (a named lead's queue, soonest deadline
first; for anyone else the concerns they raised), and a concern's page with, for a named lead
while it awaits triage, the triage form.

Every page goes through the concern services, which check who may do what (404 for a case the
agency is not a member of, or a concern of another agency or that the caller may not see; 403
for someone who may see a concern but is not a named lead) and audit each read. A form that
breaks a rule is shown again, 422, with the GOV.UK error summary and everything typed; nothing
is written (the request rolls back on any answer of 400 or more). What a concern says travels in
POST bodies only; the URLs carry ids and flags.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request, url_for
from flask.typing import ResponseReturnValue

from concerns import forms
from concerns.rules import ConcernIn, ConcernStatus, is_child
from concerns.services import pages as page_services
from concerns.services.concerns import ConcernView, concerns_of, get_concern, raise_concern, triage
from concerns.services.leads import is_named_lead
from concerns.services.pages import ConcernPerson
from hub import context
from hub.access import Permission, has_permission, requires
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.web.forms import long_date
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal

concern_pages = Blueprint("concerns_pages", __name__)

# Rows on one page of the list.
PAGE_SIZE = 25
MAX_PAGE = 10_000
# The meetings package's page that convenes a meeting about a case; linked only when installed.
_CONVENE = "meetings_convene.new_meeting"
_DONE = {"triaged": "Decision recorded"}


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, long_date=long_date, **values)


# --- raising a concern ------------------------------------------------------------------------------

def _person(case_text: str | None) -> ConcernPerson:
    """Who the concern is about: the case it was raised from (404 unless the caller's agency is a
    member of it, as raising it would be), or a person the form names."""
    try:
        case_id = forms.case_of(case_text)
    except ValueError:
        raise NotFound("No such case") from None
    if case_id is None:
        return ConcernPerson(None, None, None)
    return page_services.person_of_case(context.db(), context.actor(), case_id,
                                        envelope=context.state().envelope, today=context.today())


def _form(person: ConcernPerson, answers: Mapping[str, Any], errors: Mapping[str, str],
          status: int = 200) -> Response:
    return _page("concerns/raise.html", status, person=person,
                 answers={**answers, "case_id": str(person.case_id or "")}, errors=errors,
                 error_list=forms.ordered(errors, forms.CONCERN_ORDER))


def _categories_field(person: ConcernPerson, concern: ConcernIn) -> str:
    if person.case_id is not None:
        return forms.categories_field(person.child, named=False)
    born = concern.subject_date_of_birth
    return forms.categories_field(born is not None and is_child(born, context.today()), named=True)


def _read(answers: Mapping[str, Any]) -> tuple[ConcernPerson, ConcernIn, dict[str, str]]:
    """The concern the answers describe, and every problem raising it would meet: what the form
    could not read, and the services' (nothing is written)."""
    person = _person(answers.get("case_id"))
    concern, problems = forms.concern_from_answers(answers, case_id=person.case_id, child=person.child,
                                                   today=context.today())
    state = context.state()
    try:
        person = page_services.check_concern(context.db(), context.actor(), concern,
                                             envelope=state.envelope, policy=state.settings.policy,
                                             now=context.now())
    except ValidationFailed as failed:
        found = forms.concern_problems(failed.errors, answers, categories=_categories_field(person, concern))
        problems = {**found, **problems}
    return person, concern, problems


@concern_pages.get("/concerns/new")
@requires(Permission.CONCERN_RAISE)
def new_concern() -> ResponseReturnValue:
    person = _person((request.args.get("case_id") or "")[:40])
    return _form(person, {}, {})


@concern_pages.post("/concerns/new")
@requires(Permission.CONCERN_RAISE)
def change_answers() -> ResponseReturnValue:
    """Back from the check page to the form, with everything typed."""
    answers = forms.concern_answers(request.form)
    return _form(_person(answers["case_id"]), answers, {})


@concern_pages.post("/concerns/check")
@requires(Permission.CONCERN_RAISE)
def check_answers() -> ResponseReturnValue:
    answers = forms.concern_answers(request.form)
    person, concern, problems = _read(answers)
    if problems:
        return _form(person, answers, problems, 422)
    return _page("concerns/check.html", person=person, concern=concern, answers=answers)


@concern_pages.post("/concerns")
@requires(Permission.CONCERN_RAISE)
def record_concern() -> ResponseReturnValue:
    answers = forms.concern_answers(request.form)
    person, concern, problems = _read(answers)
    if problems:
        return _form(person, answers, problems, 422)
    state = context.state()
    try:
        raised = raise_concern(context.db(), context.actor(), concern, envelope=state.envelope,
                               policy=state.settings.policy, now=context.now())
    except ValidationFailed as failed:
        found = forms.concern_problems(failed.errors, answers, categories=_categories_field(person, concern))
        return _form(person, answers, found, 422)
    return see_other("concerns_pages.concern_raised", concern_id=raised.line.id)


@concern_pages.get("/concerns/<uuid:concern_id>/raised")
@requires(Permission.CONCERN_READ)
def concern_raised(concern_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("concern", concern_id):
        line = page_services.raised_line(context.db(), context.actor(), concern_id)
    return _page("concerns/raised.html", line=line)


# --- the list -------------------------------------------------------------------------------------

def _page_number() -> int:
    text = (request.args.get("page") or "1")[:6]
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_PAGE else 1


@concern_pages.get("/concerns")
@requires(Permission.CONCERN_READ)
def concern_list() -> ResponseReturnValue:
    user, now = context.signed_in(), context.now()
    lead = is_named_lead(context.db(), user, today=context.today())
    status: str | None = None
    if lead:
        asked = request.args.get("status")
        status = ConcernStatus.TRIAGED if asked == ConcernStatus.TRIAGED else ConcernStatus.AWAITING_TRIAGE
    number = _page_number()
    found = concerns_of(context.db(), context.actor(), status=status, policy=context.state().settings.policy,
                        now=now, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return _page("concerns/list.html", lead=lead, shown=status, concerns=found[:PAGE_SIZE], now=now,
                 page_number=number, more=len(found) > PAGE_SIZE)


# --- a concern, and its triage ----------------------------------------------------------------------

def _found(concern_id: uuid.UUID) -> ConcernView:
    state = context.state()
    with audited_refusal("concern", concern_id):
        return get_concern(context.db(), context.actor(), concern_id, envelope=state.envelope,
                           policy=state.settings.policy, now=context.now())


def _convene_url(view: ConcernView) -> str | None:
    """The page that convenes the strategy meeting an s42 enquiry or a child's referral proposes."""
    if view.strategy_due is None or view.outcome_case_id is None:
        return None
    if _CONVENE not in current_app.view_functions:
        return None
    if not has_permission(context.signed_in(), Permission.MEETING_CONVENE):
        return None
    decided = view.triaged_at.astimezone(ZoneInfo(context.state().settings.policy.timezone)) \
        if view.triaged_at else None
    prefill: dict[str, Any] = {"decided-day": decided.day, "decided-month": decided.month,
                               "decided-year": decided.year,
                               "decided_time": f"{decided:%H:%M}"} if decided else {}
    return url_for(_CONVENE, case_id=view.outcome_case_id, **prefill)


def _concern_page(view: ConcernView, answers: Mapping[str, str], errors: Mapping[str, str],
                  status: int = 200, done: str | None = None) -> Response:
    user = context.signed_in()
    lead = is_named_lead(context.db(), user, today=context.today())
    return _page("concerns/concern.html", status, view=view, now=context.now(),
                 may_triage=lead and view.line.status == ConcernStatus.AWAITING_TRIAGE,
                 outcome_options=forms.outcome_options(view.child), answers=answers, errors=errors,
                 error_list=forms.ordered(errors, forms.TRIAGE_ORDER), done=done,
                 convene_url=_convene_url(view))


@concern_pages.get("/concerns/<uuid:concern_id>")
@requires(Permission.CONCERN_READ)
def concern_page(concern_id: uuid.UUID) -> ResponseReturnValue:
    return _concern_page(_found(concern_id), {}, {}, done=_DONE.get(request.args.get("done") or ""))


@concern_pages.post("/concerns/<uuid:concern_id>/triage")
@requires(Permission.CONCERN_TRIAGE)
def triage_concern(concern_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.triage_answers(request.form)
    decision, problems = forms.triage_from_answers(answers)
    state = context.state()
    try:
        with audited_refusal("concern", concern_id):
            triage(context.db(), context.actor(), concern_id, decision, envelope=state.envelope,
                   policy=state.settings.policy, now=context.now())
    except ValidationFailed as failed:
        problems = {**forms.triage_problems(failed.errors, decision.outcome), **problems}
    except Conflict as refused:
        return _concern_page(_found(concern_id), {}, {"triage": refused.detail}, 409)
    if problems:
        # Nothing is written (the request rolls back on 422); the page shows what was typed.
        return _concern_page(_found(concern_id), answers, problems, 422)
    return see_other("concerns_pages.concern_page", concern_id=concern_id, done="triaged")
