"""JSON endpoints of the sharing package (DESIGN.md §4): a case's risk summary and crisis plan,
in versions (never changed once saved: no PATCH, PUT or DELETE), cross-agency actions and
professional challenge."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import asdict

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.paging import envelope
from hub.api.schemas import Page
from sharing.rules import ActionStatus, Contact, RiskLevel, RiskSummaryIn
from sharing.schemas import (
    ActionChangeOut,
    ActionCreate,
    ActionDetail,
    ActionList,
    ActionOut,
    ActionQuery,
    ActionUpdate,
    ChallengeCreate,
    ChallengeList,
    ChallengeOut,
    ChallengeQuery,
    ChallengeResolve,
    ChallengeSteps,
    RiskContentOut,
    RiskSummaryCreate,
    RiskSummaryList,
    RiskSummaryOut,
    RiskSummaryRecorded,
    RiskSummaryVersion,
)
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services
from sharing.services import risk_summaries as risk_services

api = api_blueprint("sharing", __name__)

_NOT_A_MEMBER = "No such case, or your agency is not a member of it"


def summary_in(body: RiskSummaryCreate) -> RiskSummaryIn:
    content = body.content.model_dump()
    content["contacts"] = tuple(Contact(**c) for c in content["contacts"])
    return RiskSummaryIn(level=str(body.level), **content)


def version_out(info: risk_services.VersionInfo) -> RiskSummaryVersion:
    return RiskSummaryVersion(id=info.id, case_id=info.case_id, version=info.version,
                              level=RiskLevel(info.level),
                              agency=info.agency_code, author=info.author, recorded_at=info.recorded_at,
                              next_review=info.next_review,
                              review_overdue=info.review_overdue(context.today()))


def summary_out(found: risk_services.Version) -> RiskSummaryOut:
    content = asdict(found.summary)
    content.pop("level")
    return RiskSummaryOut(**version_out(found.info).model_dump(), content=RiskContentOut(**content))


@endpoint(api, "POST", "/cases/<uuid:case_id>/risk-summaries",
          summary="Save the next version of a case's risk summary and crisis plan (encrypted; "
                  "warnings name fields that read as generic)",
          permission=Permission.RISK_SUMMARY_WRITE, body=RiskSummaryCreate,
          response=RiskSummaryRecorded, status=201,
          extra_responses={404: _NOT_A_MEMBER,
                           409: "A later version was saved than the one this was written from"})
def record_risk_summary(case_id: uuid.UUID, body: RiskSummaryCreate) -> tuple[dict, int]:
    recorded = risk_services.record_summary(
        context.db(), context.actor(), case_id, summary_in(body), envelope=context.state().envelope,
        now=context.now(), today=context.today(), based_on=body.based_on)
    return RiskSummaryRecorded(id=recorded.info.id, version=recorded.info.version,
                               warnings=recorded.warnings).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/risk-summaries",
          summary="Every version of a case's risk summary, newest first, without content (audited)",
          permission=Permission.RISK_SUMMARY_READ, query=Page, response=RiskSummaryList,
          extra_responses={404: _NOT_A_MEMBER})
def list_risk_summaries(case_id: uuid.UUID, query: Page) -> dict:
    found = risk_services.list_versions(context.db(), context.actor(), case_id, now=context.now(),
                                        limit=query.limit + 1, offset=query.offset)
    return RiskSummaryList.model_validate(envelope(
        "risk_summaries", found, version_out, limit=query.limit, offset=query.offset)).model_dump(mode="json")


@endpoint(api, "GET", "/cases/<uuid:case_id>/risk-summaries/latest",
          summary="The latest version, decrypted (the read is audited)",
          permission=Permission.RISK_SUMMARY_READ, response=RiskSummaryOut,
          extra_responses={404: "No such case, or it has no risk summary yet"})
def latest_risk_summary(case_id: uuid.UUID) -> dict:
    found = risk_services.read_version(context.db(), context.actor(), case_id, None,
                                       envelope=context.state().envelope, now=context.now())
    return summary_out(found).model_dump(mode="json")


@endpoint(api, "GET", "/cases/<uuid:case_id>/risk-summaries/<int:version>",
          summary="One version, decrypted (the read is audited)",
          permission=Permission.RISK_SUMMARY_READ, response=RiskSummaryOut,
          extra_responses={404: "No such case, or no such version"})
def risk_summary_version(case_id: uuid.UUID, version: int) -> dict:
    found = risk_services.read_version(context.db(), context.actor(), case_id, version,
                                       envelope=context.state().envelope, now=context.now())
    return summary_out(found).model_dump(mode="json")


# --- cross-agency actions --------------------------------------------------------------------------

def action_out(view: action_services.ActionView) -> dict:
    return ActionOut(id=view.id, case_id=view.case_id, case_ref=view.case_ref, title=view.title,
                     agency=view.agency_code, assignee=view.assignee, status=ActionStatus(view.status),
                     due=view.due, overdue=view.overdue(context.today()), created_at=view.created_at,
                     updated_at=view.updated_at).model_dump(mode="json")


def action_detail(view: action_services.ActionView) -> dict:
    history = [ActionChangeOut(status=ActionStatus(c.status), by=c.by, agency=c.agency_code, at=c.at,
                               note=c.note, evidence=c.evidence) for c in view.history]
    return ActionDetail(**action_out(view), history=history).model_dump(mode="json")


@endpoint(api, "POST", "/cases/<uuid:case_id>/actions",
          summary="Set an action for a member agency of the case (and optionally a person of it)",
          permission=Permission.ACTION_CREATE, body=ActionCreate, response=ActionDetail, status=201,
          extra_responses={404: _NOT_A_MEMBER})
def create_action(case_id: uuid.UUID, body: ActionCreate) -> tuple[dict, int]:
    view = action_services.create_action(
        context.db(), context.actor(), case_id, title=body.title, agency_code=body.agency,
        due=body.due, assignee_id=body.assignee, envelope=context.state().envelope,
        now=context.now(), today=context.today())
    return action_detail(view), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/actions",
          summary="A case's actions, every member agency's, soonest due first (audited)",
          permission=Permission.ACTION_READ, query=Page, response=ActionList,
          extra_responses={404: _NOT_A_MEMBER})
def case_actions(case_id: uuid.UUID, query: Page) -> dict:
    found = action_services.case_actions(context.db(), context.actor(), case_id,
                                         envelope=context.state().envelope, now=context.now(),
                                         limit=query.limit + 1, offset=query.offset)
    return envelope("actions", found, action_out, limit=query.limit, offset=query.offset)


@endpoint(api, "GET", "/actions",
          summary="The caller's agency's actions on its cases, by due date (audited)",
          permission=Permission.ACTION_LIST, query=ActionQuery, response=ActionList)
def my_agency_actions(query: ActionQuery) -> dict:
    found = action_services.agency_actions(
        context.db(), context.actor(), status=str(query.status) if query.status else None,
        envelope=context.state().envelope, now=context.now(), limit=query.limit + 1,
        offset=query.offset, newest_due_first=query.sort == "-due")
    return ActionList.model_validate(envelope(
        "actions", found, action_out, limit=query.limit, offset=query.offset)).model_dump(mode="json")


@endpoint(api, "GET", "/actions/<uuid:action_id>",
          summary="One action with its history of status changes (audited)",
          permission=Permission.ACTION_READ, response=ActionDetail,
          extra_responses={404: "No such action on a case of yours"})
def get_action(action_id: uuid.UUID) -> dict:
    return action_detail(action_services.get_action(context.db(), context.actor(), action_id,
                                                    envelope=context.state().envelope,
                                                    now=context.now()))


@endpoint(api, "PATCH", "/actions/<uuid:action_id>",
          summary="Change an action's status with a note and evidence (the assigned or lead agency)",
          permission=Permission.ACTION_UPDATE, body=ActionUpdate, response=ActionDetail,
          extra_responses={403: "Only the agency the action is for, or the case's lead agency",
                           404: "No such action on a case of yours"})
def update_action(action_id: uuid.UUID, body: ActionUpdate) -> dict:
    return action_detail(action_services.change_status(
        context.db(), context.actor(), action_id, status=str(body.status), note=body.note,
        evidence=body.evidence, envelope=context.state().envelope, now=context.now()))


# --- professional challenge ------------------------------------------------------------------------

def challenge_out(found: challenge_services.ChallengeView) -> dict:
    values = dataclasses.asdict(found)
    values["history"] = [dataclasses.asdict(e) for e in found.history]
    return ChallengeOut.model_validate(values).model_dump(mode="json")


@endpoint(api, "POST", "/actions/<uuid:action_id>/challenges",
          summary="Challenge another member agency about its action (stage 1, or 3 for immediate risk)",
          permission=Permission.CHALLENGE_RAISE, body=ChallengeCreate, response=ChallengeOut, status=201,
          extra_responses={404: "No such action on a case of yours",
                           409: "The action already has an open challenge"})
def raise_challenge(action_id: uuid.UUID, body: ChallengeCreate) -> tuple[dict, int]:
    found = challenge_services.raise_challenge(
        context.db(), context.actor(), action_id, concern=body.concern, evidence=body.evidence,
        immediate_risk=body.immediate_risk, envelope=context.state().envelope,
        policy=context.state().settings.policy, now=context.now())
    return challenge_out(found), 201


@endpoint(api, "GET", "/challenges",
          summary="Challenges raised by or against the caller's agency, soonest deadline first (audited)",
          permission=Permission.CHALLENGE_LIST, query=ChallengeQuery, response=ChallengeList)
def list_challenges(query: ChallengeQuery) -> dict:
    found = challenge_services.agency_challenges(
        context.db(), context.actor(), status=query.status, envelope=context.state().envelope,
        now=context.now(), limit=query.limit + 1, offset=query.offset)
    return envelope("challenges", found, challenge_out, limit=query.limit, offset=query.offset)


@endpoint(api, "GET", "/challenges/<uuid:challenge_id>",
          summary="One challenge with its history (audited)", permission=Permission.CHALLENGE_READ,
          response=ChallengeOut, extra_responses={404: "No such challenge on a case of yours"})
def get_challenge(challenge_id: uuid.UUID) -> dict:
    return challenge_out(challenge_services.get_challenge(
        context.db(), context.actor(), challenge_id, envelope=context.state().envelope,
        now=context.now()))


@endpoint(api, "POST", "/challenges/<uuid:challenge_id>/steps",
          summary="Record the steps taken and the plan agreed at the current stage (either of the "
                  "challenge's two agencies)",
          permission=Permission.CHALLENGE_RAISE, body=ChallengeSteps, response=ChallengeOut, status=201,
          extra_responses={403: "A member agency that is neither of the challenge's two",
                           404: "No such challenge on a case of yours",
                           409: "Already resolved"})
def record_challenge_steps(challenge_id: uuid.UUID, body: ChallengeSteps) -> tuple[dict, int]:
    return challenge_out(challenge_services.record_steps(
        context.db(), context.actor(), challenge_id, steps_taken=body.steps_taken,
        agreed_plan=body.agreed_plan, envelope=context.state().envelope, now=context.now())), 201


@endpoint(api, "POST", "/challenges/<uuid:challenge_id>/resolve",
          summary="Resolve with the outcome and the agreed plan (the raising agency, or a stage-3/4 "
                  "role holder)",
          permission=Permission.CHALLENGE_RESOLVE, body=ChallengeResolve, response=ChallengeOut,
          extra_responses={403: "Neither the raising agency nor a stage-3/4 role holder",
                           404: "No such challenge on a case of yours",
                           409: "Already resolved"})
def resolve_challenge(challenge_id: uuid.UUID, body: ChallengeResolve) -> dict:
    return challenge_out(challenge_services.resolve(
        context.db(), context.actor(), challenge_id, outcome=body.outcome,
        agreed_plan=body.agreed_plan, envelope=context.state().envelope,
        policy=context.state().settings.policy, now=context.now()))
