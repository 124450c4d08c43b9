"""JSON endpoints of the consent package (DESIGN.md §4): consent records, disclosure decisions
(never changed once recorded: no PATCH, PUT or DELETE), the IG review queue, the sharing
agreements register and the disclosure report."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from flask import Response, request

from consent.rules import ConsentIn, DecisionIn
from consent.schemas import (
    AgreementCreate,
    AgreementList,
    AgreementOut,
    ConsentCreate,
    ConsentList,
    ConsentOut,
    ConsentWithdraw,
    DisclosureCreate,
    DisclosureDetail,
    DisclosureList,
    DisclosureOut,
    DisclosureReportOut,
    DisclosureReviewCreate,
    DisclosureReviewOut,
    QueuedDecisionOut,
    ReportQuery,
    ReviewQueue,
)
from consent.services import agreements as agreement_services
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from consent.services import reports as report_services
from consent.services import reviews as review_services
from consent.services.decisions import Decision, DecisionDetails
from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.schemas import Page
from hub.text import spreadsheet_safe

api = api_blueprint("consent", __name__)

CSV = "text/csv"
_NOT_A_MEMBER = "No such case, or your agency is not a member of it"


def _page(items: list[Any], query: Page) -> tuple[list[Any], int | None]:
    """The page asked for, from one row more than asked (whether another page exists)."""
    more = len(items) > query.limit
    return items[: query.limit], query.offset + query.limit if more else None


# --- consent records -------------------------------------------------------------------------------

def consent_out(consent: consent_services.Consent) -> ConsentOut:
    row, texts = consent.row, consent.texts
    return ConsentOut.model_validate({
        "id": row.id, "case_id": row.case_id, "agency": row.agency.code, "given_by": row.given_by,
        "gillick_competent": row.gillick_competent, "capacity_assessed": row.capacity_assessed,
        "capacity_outcome": row.capacity_outcome, "best_interests": texts.get("best_interests"),
        "consent_type": row.consent_type, "purposes": row.purposes, "agencies": row.agencies,
        "data_categories": row.data_categories, "exclusions": list(texts.get("exclusions") or []),
        "information_given": texts.get("information_given"), "method": row.method,
        "obtained_at": row.obtained_at, "obtained_by": texts.get("obtained_by"),
        "valid_from": row.valid_from, "valid_until": row.valid_until,
        "desired_outcomes": texts.get("desired_outcomes"), "advocate_present": row.advocate_present,
        "status": row.status, "effective_status": consent.effective_status,
        "not_in_force": consent.not_in_force, "withdrawn_at": row.withdrawn_at,
        "withdrawal_channel": row.withdrawal_channel, "recorded_at": row.recorded_at,
    })


@endpoint(api, "POST", "/cases/<uuid:case_id>/consents", summary="Record a consent (or refusal)",
          permission=Permission.CONSENT_RECORD, body=ConsentCreate, response=ConsentOut, status=201,
          extra_responses={404: _NOT_A_MEMBER})
def record_consent(case_id: uuid.UUID, body: ConsentCreate) -> tuple[dict, int]:
    data = ConsentIn(**{name: value for name, value in body.model_dump().items()
                        if name not in ("purposes", "agencies", "data_categories", "exclusions")},
                     purposes=tuple(body.purposes), agencies=tuple(body.agencies),
                     data_categories=tuple(body.data_categories), exclusions=tuple(body.exclusions))
    found = consent_services.record_consent(context.db(), context.actor(), case_id, data,
                                            envelope=context.state().envelope, now=context.now())
    return consent_out(found).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/consents", summary="A case's consent records (audited)",
          permission=Permission.CONSENT_READ, query=Page, response=ConsentList,
          extra_responses={404: _NOT_A_MEMBER})
def list_consents(case_id: uuid.UUID, query: Page) -> dict:
    found = consent_services.list_consents(context.db(), context.actor(), case_id,
                                           envelope=context.state().envelope, now=context.now(),
                                           limit=query.limit + 1, offset=query.offset)
    page, next_offset = _page(found, query)
    return ConsentList(consents=[consent_out(c) for c in page], limit=query.limit,
                       offset=query.offset, next_offset=next_offset).model_dump(mode="json")


@endpoint(api, "POST", "/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw",
          summary="Withdraw a consent: never again a basis for sharing",
          permission=Permission.CONSENT_RECORD, body=ConsentWithdraw, response=ConsentOut,
          extra_responses={404: "No such consent record on a case of yours",
                           409: "Already withdrawn"})
def withdraw_consent(case_id: uuid.UUID, consent_id: uuid.UUID, body: ConsentWithdraw) -> dict:
    found = consent_services.withdraw_consent(context.db(), context.actor(), case_id, consent_id,
                                              channel=body.channel, envelope=context.state().envelope,
                                              now=context.now())
    return consent_out(found).model_dump(mode="json")


# --- disclosure decisions --------------------------------------------------------------------------

_DETAIL_FIELDS = frozenset(f.name for f in DecisionDetails.__dataclass_fields__.values())


def _decision_in(case_id: uuid.UUID, body: DisclosureCreate) -> tuple[DecisionIn, DecisionDetails]:
    values = body.model_dump()
    details = {name: values.pop(name) for name in _DETAIL_FIELDS}
    details["quality_checks"] = tuple(str(q) for q in details["quality_checks"])
    for label in ("channel", "security_marking"):
        details[label] = details[label] or None
    decision = DecisionIn(
        **{**values, "recipients": tuple(body.recipients), "items_shared": tuple(body.items_shared),
           "advice_sought": frozenset(body.advice_sought)},
        case_id=case_id,
    )
    return decision, DecisionDetails(**details)


def _review_out(review: Any) -> DisclosureReviewOut:
    return DisclosureReviewOut(
        id=review.id, decision_id=review.decision_id, outcome=review.outcome,
        comment=review_services.review_comment(context.db(), context.state().envelope, review),
        reviewer=review.reviewer.name, reviewed_at=review.reviewed_at,
    )


def _decision_fields(decision: Decision) -> dict[str, Any]:
    row, texts = decision.row, decision.texts
    return dict(
        id=row.id, case_id=row.case_id, agency=row.agency.code,
        decision_maker=texts.get("decision_maker") or "",
        decision_maker_role=row.decision_maker_role, subject_category=row.subject_category,
        direction=row.direction, requesting_org=texts.get("requesting_org"),
        requester=texts.get("requester"), date_received=row.date_received,
        information_requested=texts.get("information_requested"), purpose=row.purpose,
        regime=row.regime, art6_basis=row.art6_basis, special_category=row.special_category,
        art9_condition=row.art9_condition, sch1_condition=row.sch1_condition,
        sch8_condition=row.sch8_condition, legal_power=row.legal_power,
        confidential=row.confidential, confidentiality_override=row.confidentiality_override,
        consent_status=row.consent_status, consent_id=row.consent_id,
        no_consent_reason=row.no_consent_reason,
        public_interest_rationale=texts.get("public_interest_rationale"),
        subject_informed=row.subject_informed, not_informed_reason=texts.get("not_informed_reason"),
        subject_views=texts.get("subject_views"), necessity=texts.get("necessity"),
        proportionality=texts.get("proportionality"), minimised=texts.get("minimised"),
        quality_checks=row.quality_checks, outcome=row.outcome, rationale=texts.get("rationale"),
        recipients=row.recipients, items_shared=decision.items_shared,
        advice_sought=row.advice_sought, channel=row.channel,
        security_marking=row.security_marking, dsa_ref=row.dsa_ref, dpia_ref=row.dpia_ref,
        review_date=row.review_date, decided_at=row.decided_at, recorded_at=row.recorded_at,
        supersedes=row.supersedes_id, superseded_by=decision.superseded_by,
        needs_review=row.needs_review,
        review=_review_out(decision.review) if decision.review is not None else None,
    )


def disclosure_detail(decision: Decision) -> DisclosureDetail:
    return DisclosureDetail(**_decision_fields(decision), chain=decision.chain)


@endpoint(api, "POST", "/cases/<uuid:case_id>/disclosures",
          summary="Record a decision to share or not to share (rules 1-10 of DOMAIN.md §6)",
          permission=Permission.DISCLOSURE_RECORD, body=DisclosureCreate, response=DisclosureDetail,
          status=201, extra_responses={
              404: _NOT_A_MEMBER,
              409: "The decision named in supersedes has just been corrected by someone else"})
def record_disclosure(case_id: uuid.UUID, body: DisclosureCreate) -> tuple[dict, int]:
    decision, details = _decision_in(case_id, body)
    found = decision_services.record_decision(
        context.db(), context.actor(), case_id, decision, details,
        envelope=context.state().envelope, now=context.now())
    return disclosure_detail(found).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/disclosures",
          summary="A case's disclosure decisions, newest first (audited)",
          permission=Permission.DISCLOSURE_READ, query=Page, response=DisclosureList,
          extra_responses={404: _NOT_A_MEMBER})
def list_disclosures(case_id: uuid.UUID, query: Page) -> dict:
    found = decision_services.list_decisions(context.db(), context.actor(), case_id,
                                             envelope=context.state().envelope, now=context.now(),
                                             limit=query.limit + 1, offset=query.offset)
    page, next_offset = _page(found, query)
    return DisclosureList(disclosures=[DisclosureOut(**_decision_fields(d)) for d in page],
                          limit=query.limit, offset=query.offset,
                          next_offset=next_offset).model_dump(mode="json")


@endpoint(api, "GET", "/cases/<uuid:case_id>/disclosures/<uuid:decision_id>",
          summary="One disclosure decision with its correction chain (audited)",
          permission=Permission.DISCLOSURE_READ, response=DisclosureDetail,
          extra_responses={404: "No such decision on a case of yours"})
def get_disclosure(case_id: uuid.UUID, decision_id: uuid.UUID) -> dict:
    session, actor = context.db(), context.actor()
    found = decision_services.get_decision(session, actor, case_id, decision_id,
                                           envelope=context.state().envelope, now=context.now())
    assert actor.user is not None
    # The decision-maker has now seen any concern IG raised about it.
    review_services.mark_concern_seen(session, actor.user, found.row.id, now=context.now())
    return disclosure_detail(found).model_dump(mode="json")


# --- the IG review queue ---------------------------------------------------------------------------

@endpoint(api, "GET", "/disclosures/review-queue",
          summary="My agency's decisions made without consent awaiting IG review, oldest first",
          permission=Permission.DISCLOSURE_REVIEW, query=Page, response=ReviewQueue)
def review_queue(query: Page) -> dict:
    found = review_services.review_queue(context.db(), context.actor(),
                                         envelope=context.state().envelope, now=context.now(),
                                         limit=query.limit + 1, offset=query.offset)
    page, next_offset = _page(found, query)
    return ReviewQueue(
        decisions=[QueuedDecisionOut(**_decision_fields(item.decision), case_ref=item.case_ref)
                   for item in page],
        limit=query.limit, offset=query.offset, next_offset=next_offset,
    ).model_dump(mode="json")


@endpoint(api, "POST", "/disclosures/<uuid:decision_id>/reviews",
          summary="Endorse a decision made without consent, or raise concerns (IG of the deciding agency)",
          permission=Permission.DISCLOSURE_REVIEW, body=DisclosureReviewCreate,
          response=DisclosureReviewOut, status=201, extra_responses={
              404: "No such decision awaiting your agency's review",
              409: "Already reviewed"})
def review_disclosure(decision_id: uuid.UUID, body: DisclosureReviewCreate) -> tuple[dict, int]:
    review = review_services.review_decision(
        context.db(), context.actor(), decision_id, outcome=body.outcome, comment=body.comment,
        envelope=context.state().envelope, now=context.now())
    return _review_out(review).model_dump(mode="json"), 201


# --- information-sharing agreements ----------------------------------------------------------------

def agreement_out(agreement: agreement_services.Agreement) -> AgreementOut:
    row = agreement.row
    return AgreementOut.model_validate({
        "id": row.id, "title": row.title, "parties": agreement.parties, "purposes": row.purposes,
        "case_kinds": row.case_kinds, "art6_basis": row.art6_basis, "review_date": row.review_date,
        "dpia_ref": row.dpia_ref, "created_at": row.created_at, "overdue": agreement.overdue,
    })


@endpoint(api, "POST", "/agreements", summary="Add an information-sharing agreement (administrators)",
          permission=Permission.AGREEMENT_MANAGE, body=AgreementCreate, response=AgreementOut,
          status=201)
def record_agreement(body: AgreementCreate) -> tuple[dict, int]:
    state = context.state()
    found = agreement_services.record_agreement(
        context.db(), context.actor(), agreement_services.AgreementIn(
            title=body.title, parties=tuple(body.parties), purposes=tuple(body.purposes),
            case_kinds=tuple(body.case_kinds), art6_basis=body.art6_basis,
            review_date=body.review_date, dpia_ref=body.dpia_ref),
        policy=state.settings.policy, now=context.now())
    return agreement_out(found).model_dump(mode="json"), 201


@endpoint(api, "GET", "/agreements", summary="The information-sharing agreements register",
          permission=Permission.AGREEMENT_READ, query=Page, response=AgreementList)
def list_agreements(query: Page) -> dict:
    found = agreement_services.list_agreements(
        context.db(), context.actor(), policy=context.state().settings.policy, now=context.now(),
        limit=query.limit + 1, offset=query.offset)
    page, next_offset = _page(found, query)
    return AgreementList(agreements=[agreement_out(a) for a in page], limit=query.limit,
                         offset=query.offset, next_offset=next_offset).model_dump(mode="json")


# --- the disclosure report -------------------------------------------------------------------------


@endpoint(api, "GET", "/reports/disclosures",
          summary="Disclosure decisions by outcome, basis, purpose and agency over a period "
                  "(figures only; Accept: text/csv for CSV)",
          permission=Permission.DISCLOSURE_REPORT, query=ReportQuery, response=DisclosureReportOut,
          media_types=(CSV,))
def disclosure_report(query: ReportQuery) -> dict | Response:
    report = report_services.disclosure_report(
        context.db(), context.actor(), start=query.start, end=query.end,
        policy=context.state().settings.policy, now=context.now())
    if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["measure", "value", "count"])
        for measure, value, count in report.rows():
            writer.writerow([measure, spreadsheet_safe(value), count])
        name = f"disclosures-{report.start.isoformat()}-{report.end.isoformat()}.csv"
        return Response(out.getvalue(), mimetype=CSV, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    return DisclosureReportOut.model_validate({
        "from": report.start, "to": report.end, "total": report.total,
        "by_outcome": report.by_outcome, "by_basis": report.by_basis,
        "by_purpose": report.by_purpose, "by_agency": report.by_agency,
        "without_consent": report.without_consent,
        "without_consent_reviewed": report.without_consent_reviewed,
        "without_consent_share": report.without_consent_share,
    }).model_dump(mode="json", by_alias=True)
