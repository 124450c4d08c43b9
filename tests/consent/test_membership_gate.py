"""Membership is sharing: an agency joins a case only on a recent disclosure decision of the lead
agency naming it, or on an information-sharing agreement in force covering the case's kind
(issue 9, point 4). Through the API, as a lead agency's practitioner would meet it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import AdmissionGround, SharingAgreement
from consent.rules import Art6Basis, Outcome, Purpose
from consent.services import agreements as agreement_services
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.app import create_app
from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind, CaseMembership
from hub.config import Policy
from hub.db import utcnow
from tests.conftest import Factory, with_policy
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

SUBJECT = {"name": "Morgan Gatekeeper", "date_of_birth": "1962-08-14"}


class Scene:
    """A case led by police, the police officer leading it, and a council not yet a member."""

    def __init__(self, make: Factory, kind: CaseKind = CaseKind.ADULT) -> None:
        self.police = make.agency(kind="police")
        self.council = make.agency(kind="council_adults")
        self.officer = make.user(self.police)
        self.case = make.case(self.officer, kind=kind)
        self.headers = make.headers(self.officer)


@pytest.fixture
def scene(make: Factory) -> Scene:
    return Scene(make)


def add(client: FlaskClient, scene: Scene, agency: Agency, headers: dict[str, str] | None = None) -> Any:
    return client.post(f"/api/v1/cases/{scene.case.id}/members", json={"agency": agency.code},
                       headers=headers or scene.headers)


def assert_refused(response: Any, *fragments: str) -> str:
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    detail = response.json["detail"]
    for fragment in fragments:
        assert fragment in detail, detail
    return detail


def ground_of(session: Session, case_id: uuid.UUID, agency: Agency) -> AdmissionGround:
    session.expire_all()
    membership = session.scalars(select(CaseMembership).where(
        CaseMembership.case_id == case_id, CaseMembership.agency_id == agency.id,
        CaseMembership.removed_at.is_(None))).one()
    ground = session.scalars(select(AdmissionGround).where(
        AdmissionGround.membership_id == membership.id)).one()
    assert ground.case_id == case_id
    return ground


def admission_event(session: Session, case_id: uuid.UUID) -> AuditEvent:
    return session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "case.member.add")).one()


def past_agreement(make: Factory, *parties: Agency, kinds: tuple[CaseKind, ...] = tuple(CaseKind),
                   ) -> SharingAgreement:
    """An agreement recorded two years ago whose review date passed a year ago."""
    then = utcnow() - timedelta(days=730)
    admin = make.user(parties[0], "admin")
    found = agreement_services.record_agreement(
        make.session, Actor(admin, "test"), agreement_services.AgreementIn(
            title="Lapsed agreement", parties=tuple(p.code for p in parties),
            purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK,), case_kinds=kinds,
            art6_basis=Art6Basis.PUBLIC_TASK, review_date=then.date() + timedelta(days=365)),
        policy=Policy(), now=then)
    make.session.commit()
    return found.row


# --- no ground --------------------------------------------------------------------------------


def test_without_a_decision_or_agreement_the_agency_is_refused_saying_what_is_missing(
        client, session, scene):
    before = take_snapshot(session)
    response = add(client, scene, scene.council)
    detail = assert_refused(response, scene.council.code, "no disclosure decision",
                            "in the last 30 days", "no information-sharing agreement")
    assert scene.police.code in detail
    assert_nothing_written(session, before)


# --- decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize("named_by", ["code", "name"])
def test_a_lead_agency_decision_naming_the_agency_admits_it_linked_and_audited(
        client, session, make, scene, named_by):
    recipient = scene.council.code if named_by == "code" else scene.council.name
    decision = ConsentFactory(make).decision(scene.officer, scene.case, recipients=(recipient,))
    response = add(client, scene, scene.council)
    assert response.status_code == 201, response.json
    assert scene.council.code in {m["agency"]["code"] for m in response.json["members"]}
    ground = ground_of(session, scene.case.id, scene.council)
    assert (ground.decision_id, ground.agreement_id) == (decision.id, None)
    event = admission_event(session, scene.case.id)
    assert event.details == {"agency": scene.council.code, "ground": "disclosure",
                             "decision": str(decision.id)}


def test_a_decision_by_a_member_agency_that_does_not_lead_the_case_does_not_count(
        client, session, make):
    police, nhs, council = make.agency(), make.agency(kind="nhs_acute"), make.agency()
    officer, nurse = make.user(police), make.user(nhs)
    consents = ConsentFactory(make)
    consents.agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    consents.decision(nurse, case, recipients=(council.code,))
    headers = make.headers(officer)
    before = take_snapshot(session)
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": council.code},
                           headers=headers)
    assert_refused(response, "no disclosure decision", "no information-sharing agreement")
    assert_nothing_written(session, before)


def test_a_decision_not_to_share_does_not_count(client, session, make, scene):
    ConsentFactory(make).decision(scene.officer, scene.case, recipients=(scene.council.code,),
                                  outcome=Outcome.DO_NOT_SHARE)
    before = take_snapshot(session)
    assert_refused(add(client, scene, scene.council), "no disclosure decision")
    assert_nothing_written(session, before)


def test_a_decision_naming_someone_else_does_not_count(client, session, make, scene):
    other = make.agency()
    ConsentFactory(make).decision(scene.officer, scene.case, recipients=(other.code,))
    assert_refused(add(client, scene, scene.council), "no disclosure decision")


def test_a_superseded_decision_does_not_count_and_its_correction_does(client, session, make, scene):
    spare = make.agency(kind="probation")
    consents = ConsentFactory(make)
    first = consents.decision(scene.officer, scene.case, recipients=(scene.council.code,))
    correction = consents.decision(scene.officer, scene.case, recipients=(spare.code,),
                                   supersedes=first.id)
    before = take_snapshot(session)
    assert_refused(add(client, scene, scene.council), "no disclosure decision")
    assert_nothing_written(session, before)

    response = add(client, scene, spare)
    assert response.status_code == 201, response.json
    assert ground_of(session, scene.case.id, spare).decision_id == correction.id


def test_a_correction_naming_the_agency_again_admits_it_on_the_correction(client, session, make, scene):
    consents = ConsentFactory(make)
    first = consents.decision(scene.officer, scene.case, recipients=(scene.council.code,))
    correction = consents.decision(scene.officer, scene.case, recipients=(scene.council.name,),
                                   supersedes=first.id)
    response = add(client, scene, scene.council)
    assert response.status_code == 201, response.json
    assert ground_of(session, scene.case.id, scene.council).decision_id == correction.id


def test_a_decision_older_than_the_policy_allows_is_refused_as_too_old_until_the_policy_changes(
        client, session, make, scene, settings, database, keyring):
    decision = ConsentFactory(make).decision(scene.officer, scene.case, recipients=(scene.council.code,),
                                             decided_at=utcnow() - timedelta(days=40))
    before = take_snapshot(session)
    assert_refused(add(client, scene, scene.council), "more than 30 days old", "record a new one")
    assert_nothing_written(session, before)

    longer = create_app(with_policy(settings, membership_decision_days=60), database=database,
                        keyring=keyring).test_client()
    response = add(longer, scene, scene.council)
    assert response.status_code == 201, response.json
    assert ground_of(session, scene.case.id, scene.council).decision_id == decision.id


def test_a_shorter_policy_period_refuses_a_decision_the_default_would_admit(
        client, session, make, scene, settings, database, keyring):
    ConsentFactory(make).decision(scene.officer, scene.case, recipients=(scene.council.code,),
                                  decided_at=utcnow() - timedelta(days=10))
    shorter = create_app(with_policy(settings, membership_decision_days=7), database=database,
                         keyring=keyring).test_client()
    assert_refused(add(shorter, scene, scene.council), "more than 7 days old")
    assert add(client, scene, scene.council).status_code == 201


# --- agreements -------------------------------------------------------------------------------


def test_an_agreement_in_force_covering_the_kind_admits_the_agency_linked_to_it(
        client, session, make, scene):
    agreement = ConsentFactory(make).agreement(scene.police, scene.council, kinds=(CaseKind.ADULT,))
    response = add(client, scene, scene.council)
    assert response.status_code == 201, response.json
    ground = ground_of(session, scene.case.id, scene.council)
    assert (ground.decision_id, ground.agreement_id) == (None, agreement.id)
    assert admission_event(session, scene.case.id).details == {
        "agency": scene.council.code, "ground": "agreement", "agreement": str(agreement.id)}


def test_an_agreement_not_covering_the_kind_is_refused_saying_so(client, session, make, scene):
    ConsentFactory(make).agreement(scene.police, scene.council, kinds=(CaseKind.CHILD, CaseKind.MARAC))
    before = take_snapshot(session)
    assert_refused(add(client, scene, scene.council), "do not cover adult cases",
                   "no disclosure decision")
    assert_nothing_written(session, before)


def test_an_agreement_past_its_review_date_is_refused_saying_so(client, session, make, scene):
    past_agreement(make, scene.police, scene.council)
    before = take_snapshot(session)
    assert_refused(add(client, scene, scene.council), "past their review date")
    assert_nothing_written(session, before)


def test_an_agreement_between_other_agencies_does_not_count(client, session, make, scene):
    ConsentFactory(make).agreement(scene.council, make.agency())
    assert_refused(add(client, scene, scene.council), "no information-sharing agreement")


def test_a_decision_admits_even_where_an_agreement_has_lapsed(client, session, make, scene):
    past_agreement(make, scene.police, scene.council)
    decision = ConsentFactory(make).decision(scene.officer, scene.case, recipients=(scene.council.code,))
    assert add(client, scene, scene.council).status_code == 201
    assert ground_of(session, scene.case.id, scene.council).decision_id == decision.id


# --- opening a case with partners ------------------------------------------------------------


def open_case(client: FlaskClient, headers: dict[str, str], *codes: str, kind: str = "adult") -> Any:
    return client.post("/api/v1/cases", headers=headers,
                       json={"kind": kind, "subject": SUBJECT, "agencies": list(codes)})


def officer_of(make: Factory) -> tuple[Agency, User, dict[str, str]]:
    police = make.agency(kind="police")
    officer = make.user(police)
    return police, officer, make.headers(officer)


def test_opening_a_case_with_a_partner_and_no_agreement_is_refused_and_no_case_is_written(
        client, session, make):
    _police, _officer, headers = officer_of(make)
    council = make.agency(kind="council_adults")
    before = take_snapshot(session)
    response = open_case(client, headers, council.code)
    assert_refused(response, council.code, "no information-sharing agreement")
    assert_nothing_written(session, before)


def test_opening_a_case_refuses_it_whole_when_one_partner_of_several_has_no_ground(
        client, session, make):
    police, _officer, headers = officer_of(make)
    covered, uncovered = make.agency(), make.agency()
    ConsentFactory(make).agreement(police, covered)
    before = take_snapshot(session)
    assert_refused(open_case(client, headers, covered.code, uncovered.code), uncovered.code)
    assert_nothing_written(session, before)


def test_opening_a_case_with_a_partner_under_an_agreement_of_another_kind_is_refused(
        client, session, make):
    police, _officer, headers = officer_of(make)
    council = make.agency()
    ConsentFactory(make).agreement(police, council, kinds=(CaseKind.MARAC,))
    before = take_snapshot(session)
    assert_refused(open_case(client, headers, council.code), "do not cover adult cases")
    assert_nothing_written(session, before)
    assert open_case(client, headers, council.code, kind="marac").status_code == 201


def test_opening_a_case_with_partners_under_agreements_links_each_admission(client, session, make):
    police, _officer, headers = officer_of(make)
    nhs, council = make.agency(kind="nhs_acute"), make.agency(kind="council_adults")
    consents = ConsentFactory(make)
    with_nhs = consents.agreement(police, nhs, title="Police and health")
    with_council = consents.agreement(police, council, title="Police and council")
    response = open_case(client, headers, nhs.code, council.code)
    assert response.status_code == 201, response.json
    case_id = uuid.UUID(response.json["id"])
    assert ground_of(session, case_id, nhs).agreement_id == with_nhs.id
    assert ground_of(session, case_id, council).agreement_id == with_council.id
    created = session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "case.create")).one()
    assert created.details["grounds"] == {
        nhs.code: {"ground": "agreement", "agreement": str(with_nhs.id)},
        council.code: {"ground": "agreement", "agreement": str(with_council.id)}}
    # The lead agency needs no ground: it has no row.
    lead = session.scalars(select(CaseMembership).where(
        CaseMembership.case_id == case_id, CaseMembership.agency_id == police.id)).one()
    assert session.get(AdmissionGround, lead.id) is None
