"""The case pages: open a case (form, check your answers), the case page with its member agencies
(the read is audited), and the lead agency's pages to add and remove members.

Every change goes through hub.cases.services, which checks permission and membership (404 for a
non-member, 403 for a member that is not the lead agency) and audits. A form with problems is shown
again, 422, with the GOV.UK error summary and what was typed; a refusal of the admission checks
(no agreement, no disclosure decision) is shown again, 409, with their reason. Either way nothing
is written: the request rolls back on any answer of 400 or more. No personal data goes in a URL:
the new case's answers travel in the POST body, from the form to the check page and back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import context
from hub.access import Permission, has_permission, requires, visible_case
from hub.agencies.models import Agency
from hub.agencies.services import AGENCY_CODE
from hub.cases import forms, services
from hub.cases.models import Case
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.panels import case_panels

cases = Blueprint("cases", __name__)

# The consent package's page that starts a disclosure decision (POST); linked only when installed.
_DECISION_START = "consent.draft_start"
# What the case page's banner says after a change (the query flag carries no personal data).
_DONE = {"opened": "Case opened", "added": "Agency added", "removed": "Agency removed"}


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, **values)


def _agencies() -> list[Agency]:
    return list(context.db().scalars(select(Agency).order_by(Agency.name)))


def _decision_start_url(case_id: uuid.UUID) -> str | None:
    if _DECISION_START not in current_app.view_functions:
        return None
    return url_for(_DECISION_START, case_id=case_id)


# --- the case page ------------------------------------------------------------------------------

@cases.get("/cases/<uuid:case_id>")
@requires(Permission.CASE_READ)
def case_page(case_id: uuid.UUID) -> ResponseReturnValue:
    case, subject = services.open_case(
        context.db(), context.actor(), case_id, envelope=context.state().envelope,
        now=context.now(),
    )
    user = context.signed_in()
    # The flags the caller may see ("repeat" depends on who asks; case.flags never holds it).
    flags = services.case_flags(context.db(), user, [case])[case.id]
    may_manage = (has_permission(user, Permission.CASE_MEMBERS_MANAGE)
                  and case.lead_agency_id == user.agency_id)
    banner = _DONE.get(request.args.get("done") or "")
    return render_template("cases/case.html", case=case, subject=subject, flags=flags,
                           panels=case_panels(context.db(), user, case), may_manage=may_manage,
                           banner=banner, banner_agency=_agency_named(request.args.get("agency")))


def _agency_named(code: str | None) -> Agency | None:
    """The agency a banner names, from its code in the query (a code that cannot exist, such as
    one with a NUL byte, is never sent to the database)."""
    if not code or not AGENCY_CODE.fullmatch(code):
        return None
    return context.db().scalar(select(Agency).where(Agency.code == code))


# --- opening a case -----------------------------------------------------------------------------

def _partners() -> list[Agency]:
    """Every agency but the caller's, by name: the partners a new case may name."""
    return [a for a in _agencies() if a.id != context.signed_in().agency_id]


def _read_new_case(answers: Mapping[str, Any]) -> tuple[forms.NewCase | None, forms.Problems]:
    partners = {a.code for a in _partners()}
    return forms.new_case_from_answers(answers, partners=partners, today=context.now().date())


def _new_case_form(answers: Mapping[str, Any], problems: forms.Problems,
                   status: int = 200) -> Response:
    return _page("cases/new.html", status, answers=answers, errors=problems,
                 error_list=forms.ordered(problems), agencies=_partners())


def _check_page(new: forms.NewCase, answers: Mapping[str, Any], conflict: str | None = None,
                status: int = 200) -> Response:
    names = {a.code: a.name for a in _partners()}
    return _page("cases/check.html", status, new=new, answers=answers, conflict=conflict,
                 partner_names=[names[c] for c in new.agencies if c in names])


@cases.get("/cases/new")
@requires(Permission.CASE_CREATE)
def new_case() -> ResponseReturnValue:
    return _new_case_form({"agencies": []}, {})


@cases.post("/cases/new")
@requires(Permission.CASE_CREATE)
def check_new_case() -> ResponseReturnValue:
    """The form's answers: shown again to change them, with their problems, or to be checked."""
    answers = forms.new_case_answers(request.form)
    if request.form.get("change") == "1":
        return _new_case_form(answers, {})
    new, problems = _read_new_case(answers)
    if new is None:
        return _new_case_form(answers, problems, 422)
    return _check_page(new, answers)


@cases.post("/cases")
@requires(Permission.CASE_CREATE)
def open_case() -> ResponseReturnValue:
    answers = forms.new_case_answers(request.form)
    new, problems = _read_new_case(answers)
    if new is None:
        return _new_case_form(answers, problems, 422)
    try:
        case = services.create_case(
            context.db(), context.actor(), kind=new.kind,
            subject=services.Subject(new.name, new.date_of_birth), agency_codes=list(new.agencies),
            envelope=context.state().envelope, policy=context.state().settings.policy,
            now=context.now())
    except ValidationFailed as failed:
        found = {forms.service_field(name): message for name, message in failed.errors.items()}
        return _new_case_form(answers, found, 422)
    except Conflict as conflict:
        # Nothing is written (the request rolls back on 409); the answers are still in the form.
        return _check_page(new, answers, conflict.detail, 409)
    return see_other("cases.case_page", case_id=case.id, done="opened")


# --- adding and removing member agencies ----------------------------------------------------------

def _managed_case(case_id: uuid.UUID) -> Case:
    """The case, if the caller's agency leads it (404 for non-members, 403 for other members)."""
    return visible_case(context.db(), context.signed_in(), case_id, Permission.CASE_MEMBERS_MANAGE,
                        members=True)


def _add_member_page(case: Case, chosen: str, problems: forms.Problems, status: int = 200,
                     conflict: bool = False) -> Response:
    members = {m.agency_id for m in case.current_memberships}
    candidates = [a for a in _agencies() if a.id not in members]
    return _page("cases/add_member.html", status, case=case, candidates=candidates,
                 answers={"agency": chosen}, errors=problems, error_list=list(problems.items()),
                 decision_start=_decision_start_url(case.id) if conflict else None)


@cases.get("/cases/<uuid:case_id>/members/new")
@requires(Permission.CASE_MEMBERS_MANAGE)
def add_member_form(case_id: uuid.UUID) -> ResponseReturnValue:
    return _add_member_page(_managed_case(case_id), "", {})


@cases.post("/cases/<uuid:case_id>/members")
@requires(Permission.CASE_MEMBERS_MANAGE)
def add_member(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _managed_case(case_id)
    chosen = str(request.form.get("agency") or "")
    if not chosen:
        return _add_member_page(case, chosen, {"agency": "Select the agency to add"}, 422)
    try:
        services.add_member(context.db(), context.actor(), case.id, chosen,
                            policy=context.state().settings.policy, now=context.now())
    except ValidationFailed:
        return _add_member_page(case, "", {"agency": "Select an agency from the list"}, 422)
    except Conflict as conflict:
        return _add_member_page(case, chosen, {"agency": conflict.detail}, 409, conflict=True)
    return see_other("cases.case_page", case_id=case.id, done="added", agency=chosen)


def _removable(case: Case, code: str) -> Agency:
    """A current member of the case other than its lead agency, or 404."""
    for membership in case.current_memberships:
        if membership.agency.code == code and not membership.is_lead:
            return membership.agency
    raise NotFound("That agency is not a member of this case that can be removed")


@cases.get("/cases/<uuid:case_id>/members/<code>/remove")
@requires(Permission.CASE_MEMBERS_MANAGE)
def remove_member_confirm(case_id: uuid.UUID, code: str) -> ResponseReturnValue:
    case = _managed_case(case_id)
    return _page("cases/remove_member.html", case=case, agency=_removable(case, code))


@cases.post("/cases/<uuid:case_id>/members/<code>/remove")
@requires(Permission.CASE_MEMBERS_MANAGE)
def remove_member(case_id: uuid.UUID, code: str) -> ResponseReturnValue:
    case = _managed_case(case_id)
    agency = _removable(case, code)
    services.remove_member(context.db(), context.actor(), case.id, agency.code, now=context.now())
    return see_other("cases.case_page", case_id=case.id, done="removed", agency=agency.code)
