"""JSON endpoints of the sharing package (DESIGN.md §4): a case's risk summary and crisis plan,
in versions (never changed once saved: no PATCH, PUT or DELETE)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.schemas import Page
from sharing.rules import Contact, RiskLevel, RiskSummaryIn
from sharing.schemas import (
    RiskContentOut,
    RiskSummaryCreate,
    RiskSummaryList,
    RiskSummaryOut,
    RiskSummaryRecorded,
    RiskSummaryVersion,
)
from sharing.services import risk_summaries as risk_services

api = api_blueprint("sharing", __name__)

_NOT_A_MEMBER = "No such case, or your agency is not a member of it"


def summary_in(body: RiskSummaryCreate) -> RiskSummaryIn:
    content = body.content.model_dump()
    content["contacts"] = tuple(Contact(**c) for c in content["contacts"])
    return RiskSummaryIn(level=str(body.level), **content)


def _today() -> date:
    return context.state().settings.policy.local_date(context.now())


def version_out(info: risk_services.VersionInfo) -> RiskSummaryVersion:
    return RiskSummaryVersion(id=info.id, case_id=info.case_id, version=info.version,
                              level=RiskLevel(info.level),
                              agency=info.agency_code, author=info.author, recorded_at=info.recorded_at,
                              next_review=info.next_review, review_overdue=info.review_overdue(_today()))


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
        now=context.now(), today=_today(), based_on=body.based_on)
    return RiskSummaryRecorded(id=recorded.info.id, version=recorded.info.version,
                               warnings=recorded.warnings).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases/<uuid:case_id>/risk-summaries",
          summary="Every version of a case's risk summary, newest first, without content (audited)",
          permission=Permission.RISK_SUMMARY_READ, query=Page, response=RiskSummaryList,
          extra_responses={404: _NOT_A_MEMBER})
def list_risk_summaries(case_id: uuid.UUID, query: Page) -> dict:
    found = risk_services.list_versions(context.db(), context.actor(), case_id, now=context.now(),
                                        limit=query.limit + 1, offset=query.offset)
    more = len(found) > query.limit
    return RiskSummaryList(risk_summaries=[version_out(v) for v in found[: query.limit]],
                           limit=query.limit, offset=query.offset,
                           next_offset=query.offset + query.limit if more else None).model_dump(mode="json")


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
