"""JSON endpoints of the learning package (DESIGN.md §4): incident, near-miss, SAR and CSPR
reviews, their structured review and feedback, a SAR's decision, a review's dates and clocks, its
action plan, and the cases, meetings and actions its findings concern."""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid

from flask import Response, request

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.paging import envelope
from hub.text import spreadsheet_safe
from hub.web.refusals import audited_refusal
from learning.rules import LinksIn, ReviewIn, SarReferral, StructuredReviewIn, TimelineEntry
from learning.schemas import (
    OwnedActionList,
    OwnedActionOut,
    OwnedActionQuery,
    PartnershipQuery,
    PartnershipReportOut,
    ReviewActionChangeIn,
    ReviewActionCreate,
    ReviewActionOut,
    ReviewCreate,
    ReviewDatesIn,
    ReviewFeedbackCreate,
    ReviewLineOut,
    ReviewLinksIn,
    ReviewList,
    ReviewOut,
    ReviewQuery,
    SarDecisionIn,
    StructuredReviewCreate,
    ThemesOut,
    ThemesQuery,
)
from learning.services import actions, links, report, reviews, statutory, themes
from learning.services.actions import OwnedAction
from learning.services.records import ReviewActionView
from learning.services.views import ReviewLine, ReviewView

api = api_blueprint("learning", __name__)

_NOT_YOURS = "No such review, or not one you may see"


def review_out(found: ReviewView) -> dict:
    line = found.line
    structured = None
    if found.review is not None and found.reviewed_at is not None:
        structured = {"reviewer": found.reviewer, "reviewed_at": found.reviewed_at,
                      "factors": list(found.factors), "tags": list(found.tags), **found.review}
    feedback = None
    if found.feedback is not None and found.feedback_at is not None:
        feedback = {"feedback": found.feedback, "given_by": found.feedback_by, "given_at": found.feedback_at,
                    "read_at": found.feedback_read_at}
    return ReviewOut.model_validate({
        "id": line.id, "kind": line.kind, "status": line.status, "summary": line.summary,
        "account": found.account, "occurred_on": line.occurred_on, "raised_at": line.raised_at,
        "raised_by": line.raised_by, "agencies": [code for code, _ in found.agencies],
        "case_refs": [ref for _, ref in found.cases], "review": structured, "feedback": feedback,
        "started_on": found.started_on, "ended_on": found.ended_on, "duration_days": found.duration_days,
        "sar": found.sar, "cspr": found.cspr,
        "clocks": [{**dataclasses.asdict(clock), "state": state} for clock, state in found.clocks],
        "actions": [action_out(a) for a in found.actions],
        "linked_meetings": [dataclasses.asdict(m) for m in found.meetings],
        "linked_actions": [dataclasses.asdict(a) for a in found.case_actions]}).model_dump(mode="json")


def action_out(found: ReviewActionView) -> dict:
    values = dataclasses.asdict(found)
    return ReviewActionOut.model_validate(values).model_dump(mode="json")


def line_out(line: ReviewLine) -> dict:
    return ReviewLineOut.model_validate(dataclasses.asdict(line)).model_dump(mode="json")


def _services() -> dict:
    state = context.state()
    return {"envelope": state.envelope, "policy": state.settings.policy, "now": context.now()}


@endpoint(api, "POST", "/reviews",
          summary="Record an incident or near miss (anyone), or open a Safeguarding Adult Review or "
                  "Child Safeguarding Practice Review (a lead or manager); your agency is always "
                  "involved (audited)",
          permission=Permission.REVIEW_RAISE, body=ReviewCreate, response=ReviewOut, status=201,
          extra_responses={403: "A SAR or CSPR is opened by a lead or manager",
                           422: "What is wrong, keyed by field"})
def create_review(body: ReviewCreate) -> tuple[dict, int]:
    with audited_refusal():
        found = reviews.raise_review(context.db(), context.actor(), ReviewIn(
            kind=body.kind, summary=body.summary, account=body.account, occurred_on=body.occurred_on,
            agencies=tuple(body.agencies), case_refs=tuple(body.case_refs), aware_on=body.aware_on),
            **_services())
    return review_out(found), 201


@endpoint(api, "GET", "/reviews",
          summary="The reviews you raised and, for a lead or manager, those your agency is involved "
                  "in, newest first (audited)",
          permission=Permission.REVIEW_READ, query=ReviewQuery, response=ReviewList)
def list_reviews(query: ReviewQuery) -> dict:
    found = reviews.reviews_of(context.db(), context.actor(), kind=query.kind, status=query.status,
                               envelope=context.state().envelope, now=context.now(),
                               limit=query.limit + 1, offset=query.offset)
    return envelope("reviews", found, line_out, limit=query.limit, offset=query.offset)


@endpoint(api, "GET", "/reviews/<uuid:review_id>",
          summary="One review in full, with its clocks and action plan; the person who raised it "
                  "reading its feedback marks it read (audited)",
          permission=Permission.REVIEW_READ, response=ReviewOut, extra_responses={404: _NOT_YOURS})
def get_review(review_id: uuid.UUID) -> dict:
    with audited_refusal("review", review_id):
        return review_out(reviews.get_review(context.db(), context.actor(), review_id, **_services()))


@endpoint(api, "POST", "/reviews/<uuid:review_id>/review",
          summary="The structured review: timeline, contributory factors, tags, what went well, "
                  "findings, recommendations (a lead or manager of an agency involved; audited)",
          permission=Permission.REVIEW_CONDUCT, body=StructuredReviewCreate, response=ReviewOut,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           422: "What is wrong, keyed by field"})
def structured_review(review_id: uuid.UUID, body: StructuredReviewCreate) -> dict:
    data = StructuredReviewIn(
        timeline=tuple(TimelineEntry(entry.on, entry.what) for entry in body.timeline),
        factors=tuple(body.factors), tags=tuple(body.tags), went_well=body.went_well,
        findings=body.findings, recommendations=body.recommendations)
    with audited_refusal("review", review_id):
        return review_out(reviews.record_structured_review(context.db(), context.actor(), review_id, data,
                                                           **_services()))


@endpoint(api, "POST", "/reviews/<uuid:review_id>/feedback",
          summary="Feedback to the person who raised an incident or near miss, once it is reviewed; "
                  "they are e-mailed a link and read it on the review (audited)",
          permission=Permission.REVIEW_CONDUCT, body=ReviewFeedbackCreate, response=ReviewOut,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           409: "Not reviewed yet, feedback given already, or a statutory review",
                           422: "What is wrong, keyed by field"})
def feedback(review_id: uuid.UUID, body: ReviewFeedbackCreate) -> dict:
    with audited_refusal("review", review_id):
        return review_out(reviews.give_feedback(context.db(), context.actor(), review_id, body.feedback,
                                                **_services()))


@endpoint(api, "PUT", "/reviews/<uuid:review_id>/sar-decision",
          summary="A SAR's decision: every Care Act s44 criterion answered, the decision, its "
                  "rationale and date; a mandatory review cannot be declined (audited)",
          permission=Permission.REVIEW_CONDUCT, body=SarDecisionIn, response=ReviewOut,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           409: "Not a SAR, or decided already", 422: "What is wrong, keyed by field"})
def sar_decision(review_id: uuid.UUID, body: SarDecisionIn) -> dict:
    referral = SarReferral(body.care_and_support_needs, body.joint_working_concern, body.harm,
                           body.known_or_suspected, body.decision, body.rationale, body.decided_on)
    with audited_refusal("review", review_id):
        return review_out(statutory.record_sar_decision(context.db(), context.actor(), review_id, referral,
                                                        **_services()))


@endpoint(api, "PUT", "/reviews/<uuid:review_id>/dates",
          summary="A review's start and end, and a CSPR's steps (the days given replace those "
                  "recorded); the duration and clocks follow (audited)",
          permission=Permission.REVIEW_CONDUCT, body=ReviewDatesIn, response=ReviewOut,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           422: "What is wrong, keyed by field"})
def dates(review_id: uuid.UUID, body: ReviewDatesIn) -> dict:
    given = body.model_dump(exclude_unset=True)
    with audited_refusal("review", review_id):
        return review_out(statutory.record_dates(context.db(), context.actor(), review_id, given,
                                                 **_services()))


@endpoint(api, "PUT", "/reviews/<uuid:review_id>/links",
          summary="The cases, meetings and actions the findings concern, as far as your agency sees "
                  "them: its cases by reference, and meetings and actions of those cases; what is "
                  "linked through other agencies' cases is kept (audited)",
          permission=Permission.REVIEW_CONDUCT, body=ReviewLinksIn, response=ReviewOut,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           422: "What is wrong, keyed by field"})
def set_links(review_id: uuid.UUID, body: ReviewLinksIn) -> dict:
    chosen = LinksIn(case_refs=tuple(body.case_refs), meetings=tuple(body.meetings),
                     actions=tuple(body.actions))
    with audited_refusal("review", review_id):
        return review_out(links.set_links(context.db(), context.actor(), review_id, chosen, **_services()))


@endpoint(api, "POST", "/reviews/<uuid:review_id>/actions",
          summary="An action of the review's plan for an agency involved and the role there that "
                  "owns it (audited)",
          permission=Permission.REVIEW_CONDUCT, body=ReviewActionCreate, response=ReviewActionOut, status=201,
          extra_responses={403: "Not a lead or manager of an agency involved", 404: _NOT_YOURS,
                           422: "What is wrong, keyed by field"})
def create_action(review_id: uuid.UUID, body: ReviewActionCreate) -> tuple[dict, int]:
    with audited_refusal("review", review_id):
        found = actions.add_action(context.db(), context.actor(), review_id, title=body.title,
                                   agency_code=body.agency, owner_role=body.owner_role, due=body.due,
                                   **_services())
    return action_out(found), 201


def owned_out(found: OwnedAction) -> dict:
    return OwnedActionOut.model_validate({**dataclasses.asdict(found.action),
                                          "review_kind": found.review_kind}).model_dump(mode="json")


@endpoint(api, "GET", "/reviews/actions",
          summary="The actions from reviews your agency owns in a role of yours (every one, for a "
                  "lead), soonest due first (audited)",
          permission=Permission.REVIEW_ACTION_UPDATE, query=OwnedActionQuery, response=OwnedActionList)
def owned_actions(query: OwnedActionQuery) -> dict:
    found = actions.owned_actions(context.db(), context.actor(), open_only=query.show == "open",
                                  limit=query.limit + 1, offset=query.offset, **_services())
    return envelope("actions", found, owned_out, limit=query.limit, offset=query.offset)


@endpoint(api, "PATCH", "/reviews/<uuid:review_id>/actions/<uuid:action_id>",
          summary="A new status for an action of the plan, with the evidence or reason it needs, by "
                  "its owners or a lead or manager of an agency involved (audited)",
          permission=Permission.REVIEW_ACTION_UPDATE, body=ReviewActionChangeIn, response=ReviewActionOut,
          extra_responses={404: "No such review or action, or not one of yours",
                           422: "What is wrong, keyed by field"})
def update_action(review_id: uuid.UUID, action_id: uuid.UUID, body: ReviewActionChangeIn) -> dict:
    with audited_refusal("review", review_id):
        return action_out(actions.change_action(context.db(), context.actor(), review_id, action_id,
                                                status=body.status, note=body.note, evidence=body.evidence,
                                                **_services()))


CSV = "text/csv"



@endpoint(api, "GET", "/reports/partnership",
          summary="The partnership's evidence for a period: every measure per agency and overall, "
                  "aggregates only, counts from 1 to 4 suppressed with secondary suppression "
                  "(Accept: text/csv for CSV; audited)",
          permission=Permission.PARTNERSHIP_REPORT, query=PartnershipQuery, response=PartnershipReportOut,
          media_types=(CSV,), extra_responses={422: "The period is wrong, keyed by from and to"})
def partnership_report(query: PartnershipQuery) -> dict | Response:
    found = report.partnership_report(context.db(), context.actor(), start=query.start, end=query.end,
                                      policy=context.state().settings.policy, now=context.now())
    if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["measure", "label", "agency", "value"])
        for key, label, agency, value in found.rows():
            writer.writerow([key, spreadsheet_safe(label), spreadsheet_safe(agency), value])
        name = f"partnership-{found.start.isoformat()}-{found.end.isoformat()}.csv"
        return Response(out.getvalue(), mimetype=CSV, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    return PartnershipReportOut.model_validate({
        "from": found.start, "to": found.end,
        "measures": {m.key: {"overall": m.shown.overall, "by_agency": m.shown.by_agency}
                     for m in found.measures}}).model_dump(mode="json", by_alias=True)


@endpoint(api, "GET", "/themes",
          summary="The contributory factors and tags of the reviews your agency is involved in, month "
                  "by month over a period, most frequent first (leads and managers; audited)",
          permission=Permission.REVIEW_CONDUCT, query=ThemesQuery, response=ThemesOut,
          extra_responses={422: "The period is wrong, keyed by from and to"})
def review_themes(query: ThemesQuery) -> dict:
    found = themes.themes(context.db(), context.actor(), start=query.start, end=query.end,
                          policy=context.state().settings.policy, now=context.now())
    labels = [first.strftime("%Y-%m") for first in found.months]
    page = envelope("themes", found.themes[query.offset:query.offset + query.limit + 1], lambda t: {
        "kind": t.kind, "name": t.name, "label": t.label, "total": t.total,
        "by_month": dict(zip(labels, t.by_month, strict=True))}, limit=query.limit, offset=query.offset)
    return ThemesOut.model_validate({"from": found.start, "to": found.end, "reviews": found.reviews,
                                     **page}).model_dump(mode="json", by_alias=True)
