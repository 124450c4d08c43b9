"""The pages of the actions from reviews, for the agency that owns them (DOMAIN.md §9: an action
of a review's plan is tracked like any other action): the list of those the caller's agency owns
in a role of theirs (every one, for a lead), soonest due first, and each action's page with its
history and the form that changes its status, with the evidence or reason it needs.

What the review says stays with its reviewers: the owners see the action, who set it and when it
is due, and the kind of review it came from. Every page goes through learning.services.actions,
which lets only the owners and the review's reviewers see an action (404 for anyone else) and
audits each read. A status change that breaks a rule is shown again, 422, with everything typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from learning import forms
from learning.rules import ReviewKind
from learning.services import actions
from learning.services.actions import OwnedAction

action_pages = Blueprint("learning_actions", __name__)

PAGE_SIZE = 50
# Which of them the list shows (the query flag carries no personal data).
SHOWN = {"open": True, "all": False}
FROM_WORDS: dict[str, str] = {
    ReviewKind.INCIDENT: "From an incident review", ReviewKind.NEAR_MISS: "From a near-miss review",
    ReviewKind.SAR: "From a Safeguarding Adult Review",
    ReviewKind.CSPR: "From a Child Safeguarding Practice Review"}


def _services() -> dict[str, Any]:
    state = context.state()
    return {"envelope": state.envelope, "policy": state.settings.policy, "now": context.now()}


@action_pages.get("/reviews/actions")
@requires(Permission.REVIEW_ACTION_UPDATE)
def owned_actions() -> ResponseReturnValue:
    shown = request.args.get("show") or "open"
    if shown not in SHOWN:
        shown = "open"
    found = actions.owned_actions(context.db(), context.actor(), open_only=SHOWN[shown], limit=PAGE_SIZE + 1,
                                  **_services())
    return page("learning/owned_actions.html", actions=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE,
                shown=shown, forms=forms, long_date=forms.long_date)


def _action_page(found: OwnedAction, answers: Mapping[str, Any], errors: Mapping[str, str],
                 status: int = 200, done: str | None = None) -> Response:
    action = found.action
    return page("learning/action.html", status, action=action, answers=answers, errors=errors,
                error_list=forms.ordered(errors, forms.CHANGE_ORDER), forms=forms, long_date=forms.long_date,
                back=("Back to actions from reviews", url_for("learning_actions.owned_actions")),
                caption=FROM_WORDS.get(found.review_kind, "From a review"),
                post_url=url_for("learning_actions.change_owned_action", action_id=action.id), done=done)


@action_pages.get("/reviews/actions/<uuid:action_id>")
@requires(Permission.REVIEW_ACTION_UPDATE)
def owned_action(action_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("review_action", action_id):
        found = actions.owned_action(context.db(), context.actor(), action_id, **_services())
    done = "Action's status changed" if request.args.get("done") == "changed" else None
    return _action_page(found, {}, {}, done=done)


@action_pages.post("/reviews/actions/<uuid:action_id>")
@requires(Permission.REVIEW_ACTION_UPDATE)
def change_owned_action(action_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.change_answers(request.form)
    db, actor = context.db(), context.actor()
    try:
        with audited_refusal("review_action", action_id):
            actions.change_owned_action(db, actor, action_id, status=answers["status"], note=answers["note"],
                                        evidence=answers["evidence"], **_services())
    except ValidationFailed as failed:
        # Nothing is written (the request rolls back on 422); the form shows what was typed.
        found = actions.owned_action(db, actor, action_id, **_services())
        return _action_page(found, answers, failed.errors, 422)
    return see_other("learning_actions.owned_action", action_id=action_id, done="changed")
