"""The pages of daily wellbeing observations on a case (DOMAIN.md §11): agreeing (or ending) daily
observation by the caller's agency, recording one (the policy's indicators scored 0 to the scale's
top, a short note, the time it was made; quick to use on a phone), the confirmation of which
thresholds it crossed, and the last 28 days as a chart per indicator with the same figures as a
table.

Every page goes through the observation services, which check membership (404 for an agency that
is not a member of the case) and audit each record and read. A form that breaks a rule is shown
again, 422, with the GOV.UK error summary and everything typed; nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from concerns import chart, forms
from concerns.rules import describe_threshold
from concerns.services import observations
from concerns.services import pages as page_services
from hub import context
from hub.access import Permission, requires, visible_case
from hub.cases.models import Case
from hub.errors import Conflict, ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal

observation_pages = Blueprint("concerns_observations", __name__)


def _case(case_id: uuid.UUID, permission: Permission) -> Case:
    return visible_case(context.db(), context.signed_in(), case_id, permission)


def _names() -> dict[str, str]:
    return {i: forms.indicator_name(i) for i in context.state().settings.policy.observations.indicators}


def _zone() -> ZoneInfo:
    return ZoneInfo(context.state().settings.policy.timezone)


# --- agreeing daily observation ------------------------------------------------------------------------

@observation_pages.post("/cases/<uuid:case_id>/observation-plan")
@requires(Permission.OBSERVATION_PLAN)
def set_plan(case_id: uuid.UUID) -> ResponseReturnValue:
    """Agree daily observation (``daily=yes``) or end it (anything else) for the caller's agency."""
    observations.set_daily_observation(context.db(), context.actor(), case_id,
                                       agreed=request.form.get("daily") == "yes",
                                       policy=context.state().settings.policy, now=context.now())
    return see_other("cases.case_page", case_id=case_id, _anchor="daily-observation")


# --- recording one ----------------------------------------------------------------------------------

def _form(case: Case, answers: Mapping[str, Any], errors: Mapping[str, str], status: int = 200) -> Response:
    policy = context.state().settings.policy
    plan = observations.plan_of(context.db(), context.actor(), case.id)
    names = _names()
    first = next(iter(names), "")
    return page("concerns/observation_form.html", status, case=case, plan=plan, names=names,
                levels=[(str(n), str(n)) for n in range(policy.observations.scale_max + 1)],
                scale_max=policy.observations.scale_max, answers=answers, errors=errors,
                error_list=forms.ordered(errors, (*(f"scores.{i}" for i in names), "scores", "note",
                                                   "observed_at", "observed_time")),
                anchors={"scores": f"scores.{first}"})


@observation_pages.get("/cases/<uuid:case_id>/observations/new")
@requires(Permission.OBSERVATION_RECORD)
def new_observation(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _case(case_id, Permission.OBSERVATION_RECORD)
    return _form(case, forms.observation_defaults(context.now(), _zone()), {})


@observation_pages.post("/cases/<uuid:case_id>/observations/new")
@requires(Permission.OBSERVATION_RECORD)
def record_observation(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _case(case_id, Permission.OBSERVATION_RECORD)
    indicators = tuple(_names())
    answers = forms.observation_answers(request.form, indicators)
    now = context.now()
    observation, problems = forms.observation_from_answers(answers, indicators, zone=_zone(), now=now)
    state = context.state()
    try:
        recorded = observations.record_observation(context.db(), context.actor(), case.id, observation,
                                                   envelope=state.envelope, policy=state.settings.policy,
                                                   now=now)
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
    except Conflict as refused:
        return _form(case, answers, {"plan": refused.detail}, 409)
    if problems:
        # Nothing is written (the request rolls back on 422); the page shows what was typed.
        return _form(case, answers, problems, 422)
    return see_other("concerns_observations.observation_recorded", case_id=case.id,
                     observation_id=recorded.id)


@observation_pages.get("/cases/<uuid:case_id>/observations/<uuid:observation_id>/recorded")
@requires(Permission.OBSERVATION_RECORD)
def observation_recorded(case_id: uuid.UUID, observation_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("observation", observation_id):
        crossed = page_services.thresholds_crossed(context.db(), context.actor(), case_id, observation_id)
    return page("concerns/observation_recorded.html", case=_case(case_id, Permission.OBSERVATION_RECORD),
                crossed=[describe_threshold(t) for t in crossed])


# --- the chart and its table ------------------------------------------------------------------------

@observation_pages.get("/cases/<uuid:case_id>/observations")
@requires(Permission.OBSERVATION_READ)
def observation_chart(case_id: uuid.UUID) -> ResponseReturnValue:
    state = context.state()
    policy = state.settings.policy
    found = observations.case_observations(context.db(), context.actor(), case_id, envelope=state.envelope,
                                           policy=policy, now=context.now())
    days = observations.chart_days(found, policy=policy, today=context.today())
    names = _names()
    return page("concerns/observation_chart.html", case=_case(case_id, Permission.OBSERVATION_READ),
                charts=chart.charts(days, policy.observations, names), days=days, names=names,
                scale_max=policy.observations.scale_max, count=len(found),
                plan=observations.plan_of(context.db(), context.actor(), case_id))
