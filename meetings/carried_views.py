"""The page on which the chair's agency marks an action carried over to a meeting: what the action
is (to the members of its case), why it was not done, and whether circumstances changed or the
agency did not do it (which escalates). The services check who may, and audit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import ValidationFailed
from hub.web.forms import long_date
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from meetings.services.carried import MARKS, carried_action, mark_carried_over
from sharing.rules import ACTION_STATUS_LABELS, ActionStatus

carried_pages = Blueprint("meetings_carried", __name__)

_HINTS = {
    ActionStatus.NOT_POSSIBLE: "Circumstances changed, so the action could not be done or is no longer "
                               "needed",
    ActionStatus.NOT_DONE: "The agency did not do it: the hub opens a professional challenge of the agency",
}
_OPTIONS = [(str(m), ACTION_STATUS_LABELS[m], _HINTS[m]) for m in MARKS]
_FIELDS = ("status", "note")


def _form(meeting_id: uuid.UUID, action_id: uuid.UUID, answers: Mapping[str, str],
          errors: Mapping[str, str], status: int = 200) -> Response:
    state = context.state()
    with audited_refusal("action", action_id):
        line = carried_action(context.db(), context.actor(), meeting_id, action_id, envelope=state.envelope,
                              policy=state.settings.policy, now=context.now())
    return page("meetings/carried_over.html", status, meeting_id=meeting_id, line=line, options=_OPTIONS,
                answers=answers, errors=errors, long_date=long_date,
                error_list=[(name, errors[name]) for name in _FIELDS if name in errors])


@carried_pages.get("/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>")
@requires(Permission.MEETING_CONVENE)
def carried_over_form(meeting_id: uuid.UUID, action_id: uuid.UUID) -> ResponseReturnValue:
    return _form(meeting_id, action_id, {}, {})


@carried_pages.post("/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>")
@requires(Permission.MEETING_CONVENE)
def mark_carried_over_page(meeting_id: uuid.UUID, action_id: uuid.UUID) -> ResponseReturnValue:
    answers = {name: (request.form.get(name) or "").strip()[:10_001] for name in _FIELDS}
    state = context.state()
    try:
        with audited_refusal("action", action_id):
            mark_carried_over(context.db(), context.actor(), meeting_id, action_id, status=answers["status"],
                              note=answers["note"], envelope=state.envelope, policy=state.settings.policy,
                              now=context.now())
    except ValidationFailed as failed:
        return _form(meeting_id, action_id, answers, dict(failed.errors), 422)
    return see_other("meetings_pages.meeting_page", meeting_id=meeting_id, done="marked")
