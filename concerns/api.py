"""JSON endpoints of the concerns package (DESIGN.md §4): concerns and their triage, daily
observation and its alerts."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from concerns.rules import ActionIn, ConcernIn, DiscussionIn, ObservationIn, S42Answer, SessionIn, TriageIn
from concerns.schemas import (
    AcknowledgeIn,
    AlertList,
    AlertOut,
    AlertQuery,
    AllocationIn,
    AllocationOut,
    ConcernCreate,
    ConcernCreated,
    ConcernLineOut,
    ConcernList,
    ConcernQuery,
    DueList,
    DueOut,
    ObservationCreate,
    ObservationCreated,
    ObservationList,
    ObservationOut,
    ObservationQuery,
    PlanIn,
    PlanOut,
    SupervisionCreate,
    SupervisionCreated,
    SupervisionDueQuery,
    TriageCreate,
    TriageOut,
)
from concerns.services import alerts, observations, supervision
from concerns.services.concerns import ConcernLine, concerns_of, raise_concern, triage
from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.paging import envelope
from hub.web.refusals import audited_refusal

api = api_blueprint("concerns", __name__)


def concern_input(body: ConcernCreate) -> ConcernIn:
    return ConcernIn(
        case_id=body.case_id, subject_name=body.subject.name if body.subject else "",
        subject_date_of_birth=body.subject.date_of_birth if body.subject else None,
        categories=tuple(body.categories), account=body.account, opinion=body.opinion,
        immediate_risk=body.immediate_risk, immediate_action=body.immediate_action, views=body.views,
        desired_outcomes=body.desired_outcomes, person_aware=body.person_aware,
        consent_status=body.consent_status)


@endpoint(api, "POST", "/concerns",
          summary="Raise a safeguarding concern for your agency's named leads, about a case of your "
                  "agency or a person by name and date of birth; immediate risk e-mails the leads "
                  "(audited)",
          permission=Permission.CONCERN_RAISE, body=ConcernCreate, response=ConcernCreated, status=201,
          extra_responses={404: "No such case, or not one of your agency's",
                           422: "What is wrong, keyed by field"})
def create_concern(body: ConcernCreate) -> tuple[dict, int]:
    state = context.state()
    found = raise_concern(context.db(), context.actor(), concern_input(body), envelope=state.envelope,
                          policy=state.settings.policy, now=context.now())
    return ConcernCreated.model_validate({
        "id": found.line.id, "status": found.line.status, "triage_due": _local(found.line.triage_due),
        "case_id": found.line.case_id}).model_dump(mode="json"), 201


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(context.state().settings.policy.timezone))


def line_out(line: ConcernLine) -> dict:
    out = asdict(line)
    out["triage_due"] = _local(line.triage_due)
    out["overdue"] = line.overdue(context.now())
    return ConcernLineOut.model_validate(out).model_dump(mode="json")


@endpoint(api, "GET", "/concerns",
          summary="Your agency's concerns for a named lead (awaiting triage: soonest deadline "
                  "first); the ones you raised for anyone else (audited)",
          permission=Permission.CONCERN_READ, query=ConcernQuery, response=ConcernList)
def list_concerns(query: ConcernQuery) -> dict:
    found = concerns_of(context.db(), context.actor(), status=query.status,
                        policy=context.state().settings.policy, now=context.now(),
                        limit=query.limit + 1, offset=query.offset)
    return envelope("concerns", found, line_out, limit=query.limit, offset=query.offset)


@endpoint(api, "POST", "/concerns/<uuid:concern_id>/triage",
          summary="A named lead of the concern's agency decides on it with the reasons; s42_enquiry "
                  "records the three-part test and opens or links the adult case, marac_referral "
                  "carries the DASH count into a MARAC referral (audited)",
          permission=Permission.CONCERN_TRIAGE, body=TriageCreate, response=TriageOut,
          extra_responses={403: "Not a named lead of the agency",
                           404: "No such concern, or not your agency's", 409: "Triaged already",
                           422: "What is wrong, keyed by field"})
def triage_concern(concern_id: uuid.UUID, body: TriageCreate) -> dict:
    state = context.state()
    s42 = None
    if body.s42 is not None:
        s42 = {name: S42Answer(answer.answer, answer.evidence)
               for name, answer in body.s42 if answer is not None}
    with audited_refusal("concern", concern_id):
        found = triage(context.db(), context.actor(), concern_id, TriageIn(
            outcome=body.outcome, rationale=body.rationale, s42=s42, dash_score=body.dash_score,
            referred_to=body.referred_to), envelope=state.envelope, policy=state.settings.policy,
            now=context.now())
    return TriageOut.model_validate({
        "id": found.line.id, "status": found.line.status, "outcome": found.line.outcome,
        "case_id": found.outcome_case_id, "strategy_due": found.strategy_due}).model_dump(mode="json")


@endpoint(api, "PUT", "/cases/<uuid:case_id>/observation-plan",
          summary="Agree (or end) daily wellbeing observation of a case by your agency (audited)",
          permission=Permission.OBSERVATION_PLAN, body=PlanIn, response=PlanOut,
          extra_responses={404: "No such case, or not one of your agency's"})
def put_plan(case_id: uuid.UUID, body: PlanIn) -> dict:
    plan = observations.set_daily_observation(context.db(), context.actor(), case_id, agreed=body.daily,
                                              policy=context.state().settings.policy, now=context.now())
    return PlanOut.model_validate({
        "daily": plan is not None, "agreed_at": plan.agreed_at if plan else None,
        "last_observed_at": plan.last_observed_at if plan else None}).model_dump(mode="json")


@endpoint(api, "POST", "/cases/<uuid:case_id>/observations",
          summary="Record a daily wellbeing observation (the policy's indicators scored 0-3, a note); "
                  "every threshold it crosses raises an alert to your agency's named leads (audited)",
          permission=Permission.OBSERVATION_RECORD, body=ObservationCreate, response=ObservationCreated,
          status=201,
          extra_responses={404: "No such case, or not one of your agency's",
                           409: "Daily observation not agreed by your agency",
                           422: "What is wrong, keyed by field"})
def create_observation(case_id: uuid.UUID, body: ObservationCreate) -> tuple[dict, int]:
    state = context.state()
    now = context.now()
    found = observations.record_observation(
        context.db(), context.actor(), case_id,
        ObservationIn(scores=body.scores, note=body.note, observed_at=body.observed_at or now),
        envelope=state.envelope, policy=state.settings.policy, now=now)
    return ObservationCreated.model_validate({
        "id": found.id, "alerts": [asdict(a) for a in found.alerts]}).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/observations",
          summary="The case's daily observations of the last days (default 28), oldest first (audited)",
          permission=Permission.OBSERVATION_READ, query=ObservationQuery, response=ObservationList,
          extra_responses={404: "No such case, or not one of your agency's"})
def list_observations(case_id: uuid.UUID, query: ObservationQuery) -> dict:
    state = context.state()
    found = observations.case_observations(context.db(), context.actor(), case_id, envelope=state.envelope,
                                           policy=state.settings.policy, now=context.now(), days=query.days,
                                           limit=query.limit + 1, offset=query.offset)
    return envelope("observations", found, lambda o: ObservationOut.model_validate({
        "id": o.id, "agency": o.agency_code, "observed_by": o.observed_by, "observed_at": o.observed_at,
        "scores": o.scores, "total": o.total, "note": o.note}).model_dump(mode="json"),
        limit=query.limit, offset=query.offset)


def alert_out(found: alerts.AlertView) -> dict:
    out = {**asdict(found), "description": found.description}
    return AlertOut.model_validate(out).model_dump(mode="json")


@endpoint(api, "GET", "/alerts",
          summary="Your agency's observation alerts, for its named leads and managers (audited)",
          permission=Permission.ALERT_READ, query=AlertQuery, response=AlertList,
          extra_responses={403: "Not a named lead or manager"})
def list_alerts(query: AlertQuery) -> dict:
    with audited_refusal():
        found = alerts.agency_alerts(context.db(), context.actor(), status=query.status,
                                     policy=context.state().settings.policy, now=context.now(),
                                     limit=query.limit + 1, offset=query.offset)
    return envelope("alerts", found, alert_out, limit=query.limit, offset=query.offset)


@endpoint(api, "POST", "/alerts/<uuid:alert_id>/acknowledge",
          summary="Acknowledge an alert with the action taken (a named lead, or a manager) (audited)",
          permission=Permission.ALERT_ACKNOWLEDGE, body=AcknowledgeIn, response=AlertOut,
          extra_responses={403: "Not a named lead or manager", 404: "No such alert of your agency",
                           409: "Acknowledged already", 422: "What is wrong, keyed by field"})
def acknowledge_alert(alert_id: uuid.UUID, body: AcknowledgeIn) -> dict:
    state = context.state()
    with audited_refusal("alert", alert_id):
        found = alerts.acknowledge(context.db(), context.actor(), alert_id, action_taken=body.action_taken,
                                   note=body.note, envelope=state.envelope, policy=state.settings.policy,
                                   now=context.now())
    return alert_out(found)


@endpoint(api, "PUT", "/cases/<uuid:case_id>/allocation",
          summary="Allocate the case to a practitioner of your agency, whose caseload supervision "
                  "covers (null ends it; audited)",
          permission=Permission.CASE_ALLOCATE, body=AllocationIn, response=AllocationOut,
          extra_responses={404: "No such case, or not one of your agency's",
                           422: "Not an active practitioner of your agency"})
def put_allocation(case_id: uuid.UUID, body: AllocationIn) -> dict:
    found = supervision.allocate(context.db(), context.actor(), case_id, body.user_id, now=context.now())
    return AllocationOut.model_validate({
        "allocated": found is not None, "user_id": found.user_id if found else None,
        "name": found.name if found else None,
        "allocated_at": found.allocated_at if found else None}).model_dump(mode="json")


@endpoint(api, "POST", "/supervision",
          summary="Record a supervision session with a practitioner of your agency: the cases "
                  "discussed with a short note each, and actions into the tracker (managers and "
                  "leads; audited)",
          permission=Permission.SUPERVISION_RECORD, body=SupervisionCreate, response=SupervisionCreated,
          status=201, extra_responses={403: "Not a manager or lead", 422: "What is wrong, keyed by field"})
def create_supervision(body: SupervisionCreate) -> tuple[dict, int]:
    state = context.state()
    with audited_refusal():
        found = supervision.record_session(context.db(), context.actor(), SessionIn(
            body.supervisee_id, body.held_on, tuple(DiscussionIn(
                d.case_id, d.note, tuple(ActionIn(a.title, a.due) for a in d.actions))
                for d in body.discussions)), envelope=state.envelope, policy=state.settings.policy,
            now=context.now())
    return SupervisionCreated.model_validate(asdict(found)).model_dump(mode="json"), 201


@endpoint(api, "GET", "/supervision/due",
          summary="When each allocated case of your agency's practitioners is next due for "
                  "discussion in supervision (high and very high risk every 4 weeks, others every "
                  "12, by policy), soonest first (managers and leads; audited)",
          permission=Permission.SUPERVISION_READ, query=SupervisionDueQuery, response=DueList,
          extra_responses={403: "Not a manager or lead"})
def supervision_due(query: SupervisionDueQuery) -> dict:
    with audited_refusal():
        found = supervision.supervision_due(context.db(), context.actor(),
                                            policy=context.state().settings.policy, now=context.now(),
                                            overdue_only=query.overdue)
    today = context.today()
    page = found[query.offset:query.offset + query.limit + 1]
    return envelope("due", page, lambda line: DueOut.model_validate(
        {**asdict(line), "overdue": line.overdue(today)}).model_dump(mode="json"),
        limit=query.limit, offset=query.offset)
