"""The pages of supervision focused on risk (DOMAIN.md §11): allocating a case to a worker of the
caller's agency (the form is on the case's page); for the agency's managers and leads, what is
due for discussion, by practitioner, overdue first; recording a session through its form, check
your answers and the confirmation, the cases discussed with a note each and an action for the
supervisee into the tracker.

Every page goes through the supervision services, which check who may do what (404 for a case
the agency is not a member of, 403 for anyone but a manager or lead) and audit each record and
list; a refusal is audited as access.denied although the request rolls back. A form that breaks
a rule is shown again, 422, with the GOV.UK error summary and everything typed; nothing is
written. What a session's notes and actions say travels in POST bodies only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask.typing import ResponseReturnValue

from concerns import forms, supervision_forms
from concerns.rules import SessionIn
from concerns.services import supervision
from concerns.services import supervision_pages as page_services
from concerns.services.supervision import DueLine
from hub import context
from hub.access import Permission, has_permission, requires, visible_case
from hub.errors import ValidationFailed
from hub.web.forms import long_date
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal

supervision_pages = Blueprint("concerns_supervision", __name__)

# The sharing package's page of one action; linked only when installed.
_ACTION_PAGE = "sharing_actions.action_page"


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, long_date=long_date, **values)


# --- allocating a case ----------------------------------------------------------------------------

@supervision_pages.post("/cases/<uuid:case_id>/allocation")
@requires(Permission.CASE_ALLOCATE)
def allocate_case(case_id: uuid.UUID) -> ResponseReturnValue:
    """Allocate the case to someone of the caller's agency, or (``allocate_to`` blank) to no one."""
    answers = supervision_forms.allocation_answers(request.form)
    db, user = context.db(), context.signed_in()
    try:
        supervision.allocate(db, context.actor(), case_id, supervision_forms.allocation_from_answers(answers),
                             now=context.now())
    except ValidationFailed as failed:
        # Nothing is written (the request rolls back on 422); the page asks again.
        errors = supervision_forms.allocation_problems(failed.errors)
        return _page("concerns/allocation.html", 422,
                     case=visible_case(db, user, case_id, Permission.CASE_ALLOCATE),
                     people=page_services.allocation_candidates(db, user.agency_id), answers=answers,
                     errors=errors, error_list=forms.ordered(errors, ("allocate_to",)))
    return see_other("cases.case_page", case_id=case_id, _anchor="allocated-worker")


# --- what is due --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Supervisee:
    """One practitioner's allocated cases, as the list of what is due shows them."""

    id: uuid.UUID
    name: str
    lines: tuple[DueLine, ...]
    overdue: int


def by_supervisee(lines: Sequence[DueLine], today: date) -> list[Supervisee]:
    """The lines grouped by practitioner, keeping their order (soonest due first, so overdue
    first); the practitioner with the most overdue discussion first."""
    grouped: dict[uuid.UUID, list[DueLine]] = {}
    for line in lines:
        grouped.setdefault(line.supervisee_id, []).append(line)
    team = [Supervisee(person, found[0].supervisee, tuple(found), sum(line.overdue(today) for line in found))
            for person, found in grouped.items()]
    return sorted(team, key=lambda s: (min(line.due for line in s.lines), s.name))


@supervision_pages.get("/supervision")
@requires(Permission.SUPERVISION_READ)
def supervision_due() -> ResponseReturnValue:
    policy = context.state().settings.policy
    with audited_refusal():
        lines = supervision.supervision_due(context.db(), context.actor(), policy=policy, now=context.now())
    today = context.today()
    team = by_supervisee(lines, today)
    return _page("concerns/supervision_due.html", team=team, today=today,
                 overdue=sum(s.overdue for s in team), cases=len(lines),
                 high_weeks=policy.supervision_high_risk_weeks, other_weeks=policy.supervision_other_weeks,
                 may_record=has_permission(context.signed_in(), Permission.SUPERVISION_RECORD))


# --- recording a session -----------------------------------------------------------------------

def _people() -> list[tuple[uuid.UUID, str]]:
    with audited_refusal():
        return page_services.supervisee_candidates(context.db(), context.actor())


def _caseload(people: Sequence[tuple[uuid.UUID, str]],
              answers: Mapping[str, Any]) -> tuple[str | None, list[tuple[uuid.UUID, str]]]:
    """The supervisee chosen (their name, None when nobody the form offers is chosen) and their
    caseload."""
    chosen = supervision_forms.supervisee_of(answers)
    name = dict(people).get(chosen) if chosen else None
    if chosen is None or name is None:
        return None, []
    return name, supervision.caseload(context.db(), context.actor(), chosen)


def _form(answers: Mapping[str, Any], errors: Mapping[str, str], status: int = 200) -> Response:
    people = _people()
    name, cases = _caseload(people, answers)
    return _page("concerns/supervision_form.html", status, people=people, supervisee=name, cases=cases,
                 answers=answers, errors=errors,
                 error_list=forms.ordered(errors, supervision_forms.session_order(cases)),
                 dates=supervision_forms.session_dates(cases))


@dataclass(frozen=True)
class Checked:
    """A session's answers read and checked: what the check page shows and recording takes."""

    session: SessionIn
    supervisee: str | None
    refs: list[str]
    problems: dict[str, str]


def _read(answers: Mapping[str, Any]) -> Checked:
    """The session the answers describe, and every problem recording it would meet: what the form
    could not read, a case that is not the supervisee's, and the services' (nothing is written)."""
    people = _people()
    name, cases = _caseload(people, answers)
    session_in, discussed, problems = supervision_forms.session_from_answers(answers)
    allocated = {str(case_id) for case_id, _ref in cases}
    if name is not None and any(case not in allocated for case in discussed):
        problems.setdefault("cases", f"Choose from the cases allocated to {name}")
    state = context.state()
    refs: list[str] = []
    try:
        with audited_refusal():
            refs = supervision.check_session(context.db(), context.actor(), session_in,
                                               policy=state.settings.policy, now=context.now())
    except ValidationFailed as failed:
        problems = {**supervision_forms.session_problems(failed.errors, answers, discussed), **problems}
    return Checked(session_in, name, refs, problems)


@supervision_pages.get("/supervision/new")
@requires(Permission.SUPERVISION_RECORD)
def new_session() -> ResponseReturnValue:
    """The session's form, for the supervisee asked for (``supervisee``), held today."""
    supervisee = request.args.get("supervisee") or ""
    return _form(supervision_forms.session_defaults(supervisee, context.today()), {})


@supervision_pages.post("/supervision/new")
@requires(Permission.SUPERVISION_RECORD)
def change_session() -> ResponseReturnValue:
    """The form again with everything typed: back from the check page, or for another supervisee."""
    return _form(supervision_forms.session_answers(request.form), {})


@supervision_pages.post("/supervision/check")
@requires(Permission.SUPERVISION_RECORD)
def check_session() -> ResponseReturnValue:
    answers = supervision_forms.session_answers(request.form)
    checked = _read(answers)
    if checked.problems:
        return _form(answers, checked.problems, 422)
    return _page("concerns/supervision_check.html", checked=checked, answers=answers,
                 discussions=list(zip(checked.refs, checked.session.discussions, strict=True)))


@supervision_pages.post("/supervision")
@requires(Permission.SUPERVISION_RECORD)
def record_session() -> ResponseReturnValue:
    answers = supervision_forms.session_answers(request.form)
    checked = _read(answers)
    if checked.problems:
        return _form(answers, checked.problems, 422)
    state = context.state()
    try:
        with audited_refusal():
            recorded = supervision.record_session(context.db(), context.actor(), checked.session,
                                                  envelope=state.envelope, policy=state.settings.policy,
                                                  now=context.now())
    except ValidationFailed as failed:
        discussed = list(answers.get("cases") or [])
        return _form(answers, supervision_forms.session_problems(failed.errors, answers, discussed), 422)
    return see_other("concerns_supervision.session_recorded", session_id=recorded.id)


@supervision_pages.get("/supervision/<uuid:session_id>/recorded")
@requires(Permission.SUPERVISION_READ)
def session_recorded(session_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("supervision", session_id):
        recorded = page_services.recorded_session(context.db(), context.actor(), session_id)
    links = _ACTION_PAGE in current_app.view_functions
    return _page("concerns/supervision_recorded.html", recorded=recorded,
                 action_urls={a.id: url_for(_ACTION_PAGE, action_id=a.id) if links else None
                              for a in recorded.actions})
