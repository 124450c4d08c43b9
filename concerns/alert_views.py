"""The pages of observation alerts (DOMAIN.md §11): the agency's alerts for its named leads and
managers, by status (open, escalated, acknowledged), and one alert with the form that acknowledges
it with the action taken.

Every page goes through the alert services, which refuse anyone but the agency's named leads and
managers (403) and an alert of another agency (404), and audit each list and read; a refusal is
audited as access.denied although the request rolls back. A form that breaks a rule is shown
again, 422, with the GOV.UK error summary and what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from concerns import forms
from concerns.rules import AlertStatus
from concerns.services import alerts
from hub import context
from hub.access import Permission, requires
from hub.errors import Conflict, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal

alert_pages = Blueprint("concerns_alerts", __name__)

PAGE_SIZE = 50
_ORDER = ("action_taken", "note")
_DONE = {"acknowledged": "Alert acknowledged"}


@alert_pages.get("/alerts")
@requires(Permission.ALERT_READ)
def alert_list() -> ResponseReturnValue:
    asked = request.args.get("status") or ""
    status = asked if asked in set(AlertStatus) else AlertStatus.OPEN
    state = context.state()
    with audited_refusal():
        found = alerts.agency_alerts(context.db(), context.actor(), status=status,
                                     policy=state.settings.policy, now=context.now(), limit=PAGE_SIZE + 1)
    return page("concerns/alerts.html", forms=forms, shown=str(status), alerts=found[:PAGE_SIZE],
                more=len(found) > PAGE_SIZE, statuses=list(forms.ALERT_STATUS_WORDS.items()))


def _found(alert_id: uuid.UUID) -> alerts.AlertView:
    state = context.state()
    with audited_refusal("alert", alert_id):
        return alerts.get_alert(context.db(), context.actor(), alert_id, envelope=state.envelope,
                                policy=state.settings.policy, now=context.now())


def _alert_page(found: alerts.AlertView, answers: Mapping[str, str], errors: Mapping[str, str],
                status: int = 200, done: str | None = None) -> Response:
    return page("concerns/alert.html", status, forms=forms, alert=found, answers=answers, errors=errors,
                error_list=forms.ordered(errors, _ORDER), done=done)


@alert_pages.get("/alerts/<uuid:alert_id>")
@requires(Permission.ALERT_READ)
def alert_page(alert_id: uuid.UUID) -> ResponseReturnValue:
    return _alert_page(_found(alert_id), {}, {}, done=_DONE.get(request.args.get("done") or ""))


@alert_pages.post("/alerts/<uuid:alert_id>/acknowledge")
@requires(Permission.ALERT_ACKNOWLEDGE)
def acknowledge_alert(alert_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.acknowledge_answers(request.form)
    state = context.state()
    try:
        with audited_refusal("alert", alert_id):
            alerts.acknowledge(context.db(), context.actor(), alert_id, action_taken=answers["action_taken"],
                               note=answers["note"], envelope=state.envelope, policy=state.settings.policy,
                               now=context.now())
    except ValidationFailed as failed:
        problems = dict(failed.errors)
        if "action_taken" in problems and not answers["action_taken"]:
            problems["action_taken"] = "Choose the action taken"
        return _alert_page(_found(alert_id), answers, problems, 422)
    except Conflict as refused:
        return _alert_page(_found(alert_id), {}, {"acknowledge": refused.detail}, 409)
    return see_other("concerns_alerts.alert_page", alert_id=alert_id, done="acknowledged")
