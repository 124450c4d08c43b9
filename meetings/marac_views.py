"""The MARAC pages: a referral's criteria, recorded by the referring agency from the case's page,
and the coordinator's queue, from which referred cases are listed at the next MARAC.

Both go through the MARAC services, which check who may do what (404 for non-members, 403 for
anyone but the coordinator on the queue) and audit each read. A form that breaks a rule is shown
again, 422, with the GOV.UK error summary and what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires, visible_case
from hub.cases.models import Case, CaseKind
from hub.errors import Conflict, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from meetings.rules import CRITERION_WORDS, ReferralIn
from meetings.services.marac import (
    coordinator_queue,
    decisions_of_agency,
    list_case,
    record_referral,
    record_research,
    upcoming_maracs,
)

marac_pages = Blueprint("meetings_marac", __name__)

_ORDER = ("dash_score", "professional_judgement", "incidents_12_months", "children", "victim_aware",
          "not_aware_reason", "afraid_of")


def _marac_case(case_id: uuid.UUID) -> Case:
    """A MARAC case the caller's agency leads: 404 for a non-member, 403 for another member, 409
    for a case of another kind."""
    case = visible_case(context.db(), context.signed_in(), case_id, Permission.MARAC_REFER)
    if case.kind != CaseKind.MARAC:
        raise Conflict("A MARAC referral belongs to a MARAC case; this case is not one")
    return case


def _referral_form(case_id: uuid.UUID, answers: Mapping[str, str], errors: Mapping[str, str],
                   status: int = 200) -> Response:
    case = _marac_case(case_id)
    return page("meetings/marac_referral.html", status, case=case, answers=answers, errors=errors,
                error_list=[(n, errors[n]) for n in _ORDER if n in errors],
                policy=context.state().settings.policy)


@marac_pages.get("/cases/<uuid:case_id>/marac-referral")
@requires(Permission.MARAC_REFER)
def referral_form(case_id: uuid.UUID) -> ResponseReturnValue:
    return _referral_form(case_id, {}, {})


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 5 else None


@marac_pages.post("/cases/<uuid:case_id>/marac-referral")
@requires(Permission.MARAC_REFER)
def record_referral_page(case_id: uuid.UUID) -> ResponseReturnValue:
    _marac_case(case_id)
    answers = {name: (request.form.get(name) or "").strip()[:2000] for name in _ORDER}
    problems: dict[str, str] = {}
    dash = _number(answers["dash_score"]) if answers["dash_score"] else None
    if answers["dash_score"] and dash is None:
        problems["dash_score"] = "Enter the number of yes answers on the DASH checklist, 0 to 24"
    incidents = _number(answers["incidents_12_months"] or "0")
    if incidents is None:
        problems["incidents_12_months"] = "Enter the number of incidents in the last 12 months, such as 2"
    for name in ("children", "victim_aware"):
        if answers[name] not in ("yes", "no"):
            problems[name] = "Select yes or no"
    if not problems:
        try:
            record_referral(context.db(), context.actor(), case_id, ReferralIn(
                dash_score=dash, professional_judgement=answers["professional_judgement"],
                incidents_12_months=incidents or 0, children=answers["children"] == "yes",
                victim_aware=answers["victim_aware"] == "yes", not_aware_reason=answers["not_aware_reason"],
                afraid_of=answers["afraid_of"]), envelope=context.state().envelope,
                policy=context.state().settings.policy, now=context.now())
        except ValidationFailed as failed:
            problems = dict(failed.errors)
        else:
            return see_other("cases.case_page", case_id=case_id)
    return _referral_form(case_id, answers, problems, 422)


# --- the coordinator's queue ------------------------------------------------------------------------

def _queue_page(error: str | None = None, status: int = 200) -> Response:
    db, actor, now = context.db(), context.actor(), context.now()
    policy = context.state().settings.policy
    with audited_refusal():
        entries = coordinator_queue(db, actor, policy=policy, now=now, limit=500)
    meetings = upcoming_maracs(db, actor, policy=policy, now=now)
    return page("meetings/marac_queue.html", status, entries=entries, criterion_words=CRITERION_WORDS,
                meetings=meetings,
                error=error, done=request.args.get("done") == "listed")


@marac_pages.get("/marac/queue")
@requires(Permission.MEETING_CONVENE)
def queue_page() -> ResponseReturnValue:
    return _queue_page()


@marac_pages.post("/marac/queue/list")
@requires(Permission.MEETING_CONVENE)
def list_from_queue() -> ResponseReturnValue:
    try:
        case_id = uuid.UUID(request.form.get("case_id") or "")
        meeting_id = uuid.UUID(request.form.get("meeting_id") or "")
    except ValueError:
        return _queue_page("Choose a MARAC to list the case at", 422)
    try:
        with audited_refusal():
            list_case(context.db(), context.actor(), meeting_id, case_id,
                      policy=context.state().settings.policy, now=context.now())
    except Conflict as refused:
        return _queue_page(refused.detail, 409)
    except ValidationFailed:
        return _queue_page("Choose a referred case from the queue", 422)
    return see_other("meetings_marac.queue_page", done="listed")


# --- an agency's research for a MARAC ---------------------------------------------------------------

_RESEARCH = ("brought", "withheld", "withheld_reason", "decision_id")


def _research_form(meeting_id: uuid.UUID, case_id: uuid.UUID, answers: Mapping[str, str],
                   errors: Mapping[str, str], status: int = 200) -> Response:
    db, user = context.db(), context.signed_in()
    case = visible_case(db, user, case_id, Permission.CASE_READ)
    decisions = decisions_of_agency(db, case.id, user.agency_id)
    return page("meetings/marac_research.html", status, case=case, meeting_id=meeting_id, answers=answers,
                errors=errors, error_list=[(n, errors[n]) for n in (*_RESEARCH, "case_id") if n in errors],
                decision_options=[("", "None")] + [(str(i), f"{when:%-d %B %Y}: {outcome.replace('_', ' ')}")
                                                   for i, when, outcome in decisions])


@marac_pages.get("/meetings/<uuid:meeting_id>/research/<uuid:case_id>")
@requires(Permission.MEETING_READ)
def research_form(meeting_id: uuid.UUID, case_id: uuid.UUID) -> ResponseReturnValue:
    return _research_form(meeting_id, case_id, {}, {})


@marac_pages.post("/meetings/<uuid:meeting_id>/research/<uuid:case_id>")
@requires(Permission.MEETING_READ)
def record_research_page(meeting_id: uuid.UUID, case_id: uuid.UUID) -> ResponseReturnValue:
    answers = {name: (request.form.get(name) or "").strip()[:10_000] for name in _RESEARCH}
    try:
        decision_id = uuid.UUID(answers["decision_id"]) if answers["decision_id"] else None
    except ValueError:
        return _research_form(meeting_id, case_id, answers,
                              {"decision_id": "Choose a decision from the list"}, 422)
    try:
        record_research(context.db(), context.actor(), meeting_id, case_id, brought=answers["brought"],
                        withheld=answers["withheld"], withheld_reason=answers["withheld_reason"],
                        decision_id=decision_id, envelope=context.state().envelope, now=context.now())
    except ValidationFailed as failed:
        return _research_form(meeting_id, case_id, answers, dict(failed.errors), 422)
    return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="research")
