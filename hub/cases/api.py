"""JSON endpoints for cases and their member agencies (DESIGN.md §4)."""

from __future__ import annotations

import uuid

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.cases import services
from hub.cases.models import Case, CaseKind
from hub.cases.schemas import (
    AgencyRef,
    CaseCreate,
    CaseDetail,
    CaseList,
    CaseListQuery,
    CaseSummary,
    MemberAdd,
    MemberList,
    MemberOut,
    SubjectOut,
)

api = api_blueprint("cases", __name__)


def summary(case: Case, flags: list[str]) -> CaseSummary:
    """A case as the caller sees it; ``flags`` from services.case_flags (they depend on who asks)."""
    current = case.current_memberships
    return CaseSummary(
        id=case.id, ref=case.ref, kind=CaseKind(case.kind), status=case.status,
        lead_agency=AgencyRef.model_validate(case.lead_agency),
        agencies=[m.agency.code for m in current], flags=flags,
        created_at=case.created_at,
    )


def flags_of(cases: list[Case]) -> dict[uuid.UUID, list[str]]:
    user = context.user()
    assert user is not None
    return services.case_flags(context.db(), user, cases)


def members(case: Case) -> list[MemberOut]:
    return [MemberOut.model_validate(m) for m in case.current_memberships]


@endpoint(api, "POST", "/cases", summary="Open a case", permission=Permission.CASE_CREATE,
          body=CaseCreate, response=CaseSummary, status=201,
          extra_responses={409: "A partner agency has no information-sharing agreement with the "
                                "creator's agency covering this kind of case"})
def create_case(body: CaseCreate) -> tuple[dict, int]:
    state = context.state()
    case = services.create_case(
        context.db(), context.actor(), kind=body.kind,
        subject=services.Subject(body.subject.name, body.subject.date_of_birth),
        agency_codes=body.agencies, envelope=state.envelope, policy=state.settings.policy,
        now=context.now(),
    )
    context.db().refresh(case, ["memberships"])
    return summary(case, flags_of([case])[case.id]).model_dump(mode="json"), 201


@endpoint(api, "GET", "/cases", summary="Cases my agency is a member of",
          permission=Permission.CASE_LIST, query=CaseListQuery, response=CaseList)
def list_cases(query: CaseListQuery) -> dict:
    user = context.user()
    assert user is not None
    # One row more than asked tells whether another page exists without a count query.
    cases = services.list_cases(context.db(), user, limit=query.limit + 1, offset=query.offset)
    more = len(cases) > query.limit
    page = cases[: query.limit]
    flags = flags_of(page)
    return CaseList(
        cases=[summary(c, flags[c.id]) for c in page], limit=query.limit, offset=query.offset,
        next_offset=query.offset + query.limit if more else None,
    ).model_dump(mode="json")


@endpoint(api, "GET", "/cases/<uuid:case_id>", summary="One case, with its subject (audited)",
          permission=Permission.CASE_READ, response=CaseDetail)
def get_case(case_id: uuid.UUID) -> dict:
    case, subject = services.open_case(
        context.db(), context.actor(), case_id, envelope=context.state().envelope,
        now=context.now(),
    )
    detail = CaseDetail(**summary(case, flags_of([case])[case.id]).model_dump(), subject=SubjectOut(
        name=subject.name, date_of_birth=subject.date_of_birth), members=members(case))
    return detail.model_dump(mode="json")


@endpoint(api, "POST", "/cases/<uuid:case_id>/members", summary="Admit an agency to a case",
          permission=Permission.CASE_MEMBERS_MANAGE, body=MemberAdd, response=MemberList,
          status=201, extra_responses={
              403: "Not the lead agency",
              409: "Already a member, or no disclosure decision or sharing agreement admits the agency"})
def add_member(case_id: uuid.UUID, body: MemberAdd) -> tuple[dict, int]:
    session = context.db()
    services.add_member(session, context.actor(), case_id, body.agency,
                       policy=context.state().settings.policy, now=context.now())
    case = session.get(Case, case_id)
    assert case is not None
    session.refresh(case, ["memberships"])
    return MemberList(members=members(case)).model_dump(mode="json"), 201


@endpoint(api, "DELETE", "/cases/<uuid:case_id>/members/<code>",
          summary="End an agency's membership of a case",
          permission=Permission.CASE_MEMBERS_MANAGE, response=MemberList,
          extra_responses={403: "Not the lead agency", 409: "The lead agency cannot leave"})
def remove_member(case_id: uuid.UUID, code: str) -> dict:
    session = context.db()
    services.remove_member(session, context.actor(), case_id, code, now=context.now())
    case = session.get(Case, case_id)
    assert case is not None
    session.refresh(case, ["memberships"])
    return MemberList(members=members(case)).model_dump(mode="json")
