"""The pages of professional challenge (DOMAIN.md §8): challenging another agency's action, one
challenge with its stage, deadline and history and, for whoever may, the form that resolves it,
and the challenges raised by or against the caller's agency.

Every page goes through the challenge services, which check membership (404 for anyone else,
403 for a member that may not resolve) and audit each read. A form that breaks a rule is shown
again, 422, with the GOV.UK error summary and what was typed; nothing is written.
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
from sharing import action_forms as forms
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services

challenge_pages = Blueprint("sharing_challenges", __name__)

_DONE = {"raised": "Challenge raised", "resolved": "Challenge resolved",
         "steps": "Steps recorded at this stage"}
_STATUSES = ("open", "resolved")
_NEW_ORDER = ("concern", "evidence", "immediate_risk", "action")
_RESOLVE_ORDER = ("outcome", "agreed_plan")
# The steps form's plan is `step_plan` on the page: the resolve form beside it has its own.
_STEPS_ORDER = ("steps_taken", "step_plan")


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, today=context.today(),
                stage_names=challenge_services.STAGE_NAMES, **values)


def _answers(names: tuple[str, ...]) -> dict[str, str]:
    return {name: (request.form.get(name) or "").strip() for name in names}


# --- raising a challenge --------------------------------------------------------------------------

def _new_page(action: action_services.ActionView, answers: Mapping[str, str],
              problems: Mapping[str, str], status: int = 200) -> Response:
    return _page("sharing/challenges/new.html", status, action=action, answers=answers,
                 errors=problems, error_list=forms.ordered(problems, _NEW_ORDER))


@challenge_pages.get("/actions/<uuid:action_id>/challenge")
@requires(Permission.CHALLENGE_RAISE)
def new_challenge(action_id: uuid.UUID) -> ResponseReturnValue:
    action = action_services.get_action(context.db(), context.actor(), action_id,
                                        envelope=context.state().envelope, now=context.now())
    return _new_page(action, {}, {})


@challenge_pages.post("/actions/<uuid:action_id>/challenge")
@requires(Permission.CHALLENGE_RAISE)
def raise_challenge(action_id: uuid.UUID) -> ResponseReturnValue:
    answers = _answers(("concern", "evidence", "immediate_risk"))
    db, envelope, now = context.db(), context.state().envelope, context.now()
    problems = {**challenge_services.raise_problems(answers["concern"], answers["evidence"]),
                **forms.control_problems(answers, ("concern", "evidence"))}
    if answers["immediate_risk"] not in ("yes", "no"):
        problems["immediate_risk"] = "Say whether there is an immediate risk to the person"
    if not problems:
        try:
            raised = challenge_services.raise_challenge(
                db, context.actor(), action_id, concern=answers["concern"],
                evidence=answers["evidence"], immediate_risk=answers["immediate_risk"] == "yes",
                envelope=envelope, policy=context.state().settings.policy, now=now)
        except ValidationFailed as failed:
            problems = dict(failed.errors)
        except Conflict as conflict:
            action = action_services.get_action(db, context.actor(), action_id, envelope=envelope,
                                                now=now)
            return _new_page(action, answers, {"action": conflict.detail}, 409)
        else:
            return see_other("sharing_challenges.challenge_page", challenge_id=raised.id,
                             done="raised")
    action = action_services.get_action(db, context.actor(), action_id, envelope=envelope, now=now)
    return _new_page(action, answers, problems, 422)


# --- one challenge, and resolving it -------------------------------------------------------------

def _challenge_page(found: challenge_services.ChallengeView, answers: Mapping[str, str],
                    problems: Mapping[str, str], status: int = 200, done: str | None = None) -> Response:
    user, policy = context.signed_in(), context.state().settings.policy
    senior = {policy.stage_role(3), policy.stage_role(4)}
    may_resolve = (found.status == "open" and has_permission(user, Permission.CHALLENGE_RESOLVE)
                   and (user.agency.code == found.raised_by_agency or user.has_role(*senior)))
    may_record_steps = (found.status == "open" and has_permission(user, Permission.CHALLENGE_RAISE)
                        and user.agency.code in (found.raised_by_agency, found.against_agency))
    return _page("sharing/challenges/challenge.html", status, challenge=found, answers=answers,
                 errors=problems, error_list=forms.ordered(problems, _STEPS_ORDER + _RESOLVE_ORDER),
                 may_resolve=may_resolve, may_record_steps=may_record_steps, done=done)


@challenge_pages.get("/challenges/<uuid:challenge_id>")
@requires(Permission.CHALLENGE_READ)
def challenge_page(challenge_id: uuid.UUID) -> ResponseReturnValue:
    found = challenge_services.get_challenge(context.db(), context.actor(), challenge_id,
                                             envelope=context.state().envelope, now=context.now())
    return _challenge_page(found, {}, {}, done=_DONE.get(request.args.get("done") or ""))


@challenge_pages.post("/challenges/<uuid:challenge_id>/steps")
@requires(Permission.CHALLENGE_RAISE)
def record_steps(challenge_id: uuid.UUID) -> ResponseReturnValue:
    answers = _answers(_STEPS_ORDER)
    db, envelope, now = context.db(), context.state().envelope, context.now()
    problems = forms.control_problems(answers, _STEPS_ORDER)
    if not problems:
        try:
            challenge_services.record_steps(db, context.actor(), challenge_id,
                                            steps_taken=answers["steps_taken"],
                                            agreed_plan=answers["step_plan"], envelope=envelope, now=now)
        except ValidationFailed as failed:
            problems = {("step_plan" if name == "agreed_plan" else name): message
                        for name, message in failed.errors.items()}
        else:
            return see_other("sharing_challenges.challenge_page", challenge_id=challenge_id,
                             done="steps")
    found = challenge_services.get_challenge(db, context.actor(), challenge_id, envelope=envelope,
                                             now=now)
    return _challenge_page(found, answers, problems, 422)


@challenge_pages.post("/challenges/<uuid:challenge_id>/resolve")
@requires(Permission.CHALLENGE_RESOLVE)
def resolve_challenge(challenge_id: uuid.UUID) -> ResponseReturnValue:
    answers = _answers(("outcome", "agreed_plan"))
    db, envelope, now = context.db(), context.state().envelope, context.now()
    problems = forms.control_problems(answers, ("outcome", "agreed_plan"))
    if not problems:
        try:
            challenge_services.resolve(db, context.actor(), challenge_id, outcome=answers["outcome"],
                                       agreed_plan=answers["agreed_plan"], envelope=envelope,
                                       policy=context.state().settings.policy, now=now)
        except ValidationFailed as failed:
            problems = dict(failed.errors)
        else:
            return see_other("sharing_challenges.challenge_page", challenge_id=challenge_id,
                             done="resolved")
    found = challenge_services.get_challenge(db, context.actor(), challenge_id, envelope=envelope,
                                             now=now)
    return _challenge_page(found, answers, problems, 422)


# --- my agency's challenges -----------------------------------------------------------------------

@challenge_pages.get("/challenges")
@requires(Permission.CHALLENGE_LIST)
def my_challenges() -> ResponseReturnValue:
    status = request.args.get("status") or "open"
    if status not in (*_STATUSES, "any"):
        problems = {"status": "Choose open, resolved or any"}
        return _page("sharing/challenges/list.html", 422, challenges=[], shown=status,
                     errors=problems, error_list=list(problems.items()))
    found = challenge_services.agency_challenges(
        context.db(), context.actor(), status=None if status == "any" else status,
        envelope=context.state().envelope, now=context.now(), limit=100)
    return _page("sharing/challenges/list.html", challenges=found, shown=status, errors={},
                 error_list=[])
