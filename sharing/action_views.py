"""The pages of cross-agency actions (DOMAIN.md §8): a case's actions, every member agency's; the
form that sets one for a member agency; an action with its history and, for the agency it is
for or the case's lead agency, the form that changes its status; and "my agency's actions".

Every page goes through the action services, which check membership (404 for anyone else, 403
for a member that may not change the status) and audit each read. A form that breaks a rule is
shown again, 422, with the GOV.UK error summary and everything that was typed; nothing is written
(the request rolls back on any answer of 400 or more). What an action says travels in POST
bodies only; the URLs carry ids and flags.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import context
from hub.access import Permission, has_permission, requires, visible_case
from hub.agencies.models import Agency, User
from hub.cases.models import Case
from hub.errors import ValidationFailed
from hub.web.pages import page, see_other
from sharing import action_forms as forms
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services

action_pages = Blueprint("sharing_actions", __name__)

# What a banner says after a change (the query flag carries no personal data).
_DONE = {"set": "Action set", "changed": "Status changed"}
# Rows on one page of "my agency's actions".
PAGE_SIZE = 25
# Roles a person must hold to be named on an action: those who do case work.
_WORKING_ROLES = ("practitioner", "manager", "lead")


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, today=context.today(), **values)


def _case(case_id: uuid.UUID, permission: Permission) -> Case:
    return visible_case(context.db(), context.signed_in(), case_id, permission, members=True)


# --- a case's actions ---------------------------------------------------------------------------

@action_pages.get("/cases/<uuid:case_id>/actions")
@requires(Permission.ACTION_READ)
def case_actions(case_id: uuid.UUID) -> ResponseReturnValue:
    found = action_services.case_actions(context.db(), context.actor(), case_id,
                                         envelope=context.state().envelope, now=context.now())
    return _page("sharing/actions/case_actions.html", case=_case(case_id, Permission.ACTION_READ),
                 actions=found, may_create=has_permission(context.signed_in(), Permission.ACTION_CREATE))


# --- setting an action --------------------------------------------------------------------------

def _members(case: Case) -> list[Agency]:
    return sorted((m.agency for m in case.current_memberships), key=lambda a: a.name)


def _people(members: list[Agency]) -> list[User]:
    """The active people of the case's member agencies who do case work, by agency and name."""
    ids = [a.id for a in members]
    found = context.db().scalars(
        select(User).where(User.agency_id.in_(ids), User.active.is_(True)).order_by(User.name))
    order = {a.id: n for n, a in enumerate(members)}
    return sorted((u for u in found if u.has_role(*_WORKING_ROLES)), key=lambda u: order[u.agency_id])


def _new_action_page(case: Case, answers: Mapping[str, str], problems: Mapping[str, str],
                     status: int = 200) -> Response:
    members = _members(case)
    return _page("sharing/actions/new.html", status, case=case, answers=answers, errors=problems,
                 error_list=forms.ordered(problems, forms.NEW_ORDER), members=members,
                 people=_people(members))


@action_pages.get("/cases/<uuid:case_id>/actions/new")
@requires(Permission.ACTION_CREATE)
def new_action(case_id: uuid.UUID) -> ResponseReturnValue:
    return _new_action_page(_case(case_id, Permission.ACTION_CREATE), {}, {})


@action_pages.post("/cases/<uuid:case_id>/actions/new")
@requires(Permission.ACTION_CREATE)
def create_action(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _case(case_id, Permission.ACTION_CREATE)
    answers = forms.new_action_answers(request.form)
    people = {str(u.id): u.agency.code for u in _people(_members(case))}
    new, problems = forms.new_action_from_answers(answers, people=people)
    try:
        created = action_services.create_action(
            context.db(), context.actor(), case.id, title=new.title, agency_code=new.agency_code,
            due=new.due, assignee_id=new.assignee_id, envelope=context.state().envelope,
            now=context.now(), today=context.today())
    except ValidationFailed as failed:
        # What could not be read is said in the form's words; the rules' say the rest.
        problems = {**failed.errors, **problems}
    else:
        if not problems:
            return see_other("sharing_actions.action_page", action_id=created.id, done="set")
    # Nothing is written: the request rolls back on 422.
    return _new_action_page(case, answers, problems, 422)


# --- one action, and changing its status -----------------------------------------------------------

def _action_page(view: action_services.ActionView, answers: Mapping[str, str],
                 problems: Mapping[str, str], status: int = 200, done: str | None = None) -> Response:
    user = context.signed_in()
    case = _case(view.case_id, Permission.ACTION_READ)
    may_change = (has_permission(user, Permission.ACTION_UPDATE)
                  and (user.agency.code == view.agency_code or case.lead_agency_id == user.agency_id))
    # Who changed it is named by agency: the case's members by name, a former member by code.
    agency_names = {m.agency.code: m.agency.name for m in case.memberships}
    # Another member agency may challenge the action (professional challenge, DOMAIN.md §8).
    challenges = (challenge_services.challenges_of_action(context.db(), view.id)
                  if has_permission(user, Permission.CHALLENGE_READ) else [])
    may_challenge = (has_permission(user, Permission.CHALLENGE_RAISE)
                     and user.agency.code != view.agency_code
                     and not any(c.status == "open" for c in challenges))
    return _page("sharing/actions/action.html", status, case=case, action=view, answers=answers,
                 agency_names=agency_names, errors=problems,
                 error_list=forms.ordered(problems, forms.STATUS_ORDER),
                 may_change=may_change, may_challenge=may_challenge, challenges=challenges,
                 choices=forms.status_choices(view.status), done=done)


@action_pages.get("/actions/<uuid:action_id>")
@requires(Permission.ACTION_READ)
def action_page(action_id: uuid.UUID) -> ResponseReturnValue:
    view = action_services.get_action(context.db(), context.actor(), action_id,
                                      envelope=context.state().envelope, now=context.now())
    return _action_page(view, {}, {}, done=_DONE.get(request.args.get("done") or ""))


@action_pages.post("/actions/<uuid:action_id>/status")
@requires(Permission.ACTION_UPDATE)
def change_status(action_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.status_answers(request.form)
    db, envelope, now = context.db(), context.state().envelope, context.now()
    problems = forms.control_problems(answers, ("note", "evidence"))
    try:
        action_services.change_status(db, context.actor(), action_id, status=answers["status"],
                                      note=answers["note"], evidence=answers["evidence"],
                                      envelope=envelope, now=now)
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
        if "status" in problems and not answers["status"]:
            problems["status"] = "Choose the action's new status"
    if problems:
        # Nothing is written (the request rolls back on 422); the page shows what was typed.
        view = action_services.get_action(db, context.actor(), action_id, envelope=envelope, now=now)
        return _action_page(view, answers, problems, 422)
    return see_other("sharing_actions.action_page", action_id=action_id, done="changed")


# --- my agency's actions --------------------------------------------------------------------------

@action_pages.get("/actions")
@requires(Permission.ACTION_LIST)
def my_actions() -> ResponseReturnValue:
    query, answers, problems = forms.read_list_query(request.args)
    if problems:
        return _page("sharing/actions/my_actions.html", 422, answers=answers, errors=problems,
                     error_list=forms.ordered(problems, ("status", "sort", "page")), actions=[],
                     query=query, more=False)
    found = action_services.agency_actions(
        context.db(), context.actor(), status=query.status, envelope=context.state().envelope,
        now=context.now(), limit=PAGE_SIZE + 1, offset=(query.page - 1) * PAGE_SIZE,
        newest_due_first=query.sort == "-due")
    return _page("sharing/actions/my_actions.html", answers=answers, errors={}, error_list=[],
                 actions=found[:PAGE_SIZE], query=query, more=len(found) > PAGE_SIZE)
