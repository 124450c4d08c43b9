"""Cases over the API: creation, listing, reading (audited) and membership."""

from __future__ import annotations

from sqlalchemy import select

from consent.models import AdmissionGround
from hub.audit.models import AuditEvent
from hub.cases.models import Case, CaseMembership
from tests.support.factories.consent import ConsentFactory


def test_creator_agency_becomes_lead_member_and_listed_agencies_join(client, make, session):
    police, nhs = make.agency("POL-T1"), make.agency("NMH-T1", kind="nhs_mental_health")
    officer = make.user(police)
    agreement = ConsentFactory(make).agreement(police, nhs)
    response = client.post(
        "/api/v1/cases",
        json={"kind": "adult", "subject": {"name": "Pat Example", "date_of_birth": "1950-02-03"},
              "agencies": ["NMH-T1"]},
        headers=make.headers(officer),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["ref"].startswith("ADULT-")
    assert body["agencies"] == ["POL-T1", "NMH-T1"]
    assert body["lead_agency"]["code"] == "POL-T1"
    memberships = session.scalars(
        select(CaseMembership).where(CaseMembership.case_id == Case.id, Case.ref == body["ref"])
    ).all()
    assert {(m.agency.code, m.is_lead) for m in memberships} == {("POL-T1", True), ("NMH-T1", False)}
    assert nhs.id in {m.agency_id for m in memberships}
    partner = next(m for m in memberships if not m.is_lead)
    ground = session.scalar(select(AdmissionGround).where(AdmissionGround.membership_id == partner.id))
    assert ground is not None
    assert ground.agreement_id == agreement.id


def test_reading_a_case_decrypts_the_subject_and_is_audited(client, make, session):
    police = make.agency()
    officer = make.user(police)
    case = make.case(officer, name="Robin Sample")
    response = client.get(f"/api/v1/cases/{case.id}", headers=make.headers(officer))
    assert response.status_code == 200
    assert response.json["subject"] == {"name": "Robin Sample", "date_of_birth": "1980-05-17"}
    reads = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.read")
    ).all()
    assert len(reads) == 1
    assert reads[0].user_id == officer.id
    assert reads[0].agency_code == police.code
    assert "Robin" not in str(reads[0].details)


def test_non_member_gets_404_and_the_refusal_is_not_a_read(client, make, session):
    police, other = make.agency(), make.agency()
    officer, outsider = make.user(police), make.user(other)
    case = make.case(officer)
    response = client.get(f"/api/v1/cases/{case.id}", headers=make.headers(outsider))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "subject" not in response.json
    listed = client.get("/api/v1/cases", headers=make.headers(outsider)).json["cases"]
    assert listed == []


def test_repeat_marac_referral_within_twelve_months_is_flagged(client, make):
    idva = make.agency(kind="idva")
    worker = make.user(idva)
    headers = make.headers(worker)
    first = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "Sam O'Neill", "date_of_birth": "1990-07-01"}})
    again = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "  sam oneill ", "date_of_birth": "1990-07-01"}})
    other = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "Sam O'Neill", "date_of_birth": "1990-07-02"}})
    assert first.json["flags"] == []
    assert again.json["flags"] == ["repeat"]
    assert other.json["flags"] == []


def test_only_the_lead_agency_changes_membership(client, make):
    police, nhs, council = make.agency(), make.agency(), make.agency()
    officer, nurse = make.user(police), make.user(nhs)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    ConsentFactory(make).decision(officer, case, recipients=(council.code,))
    refused = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": council.code},
                          headers=make.headers(nurse))
    assert refused.status_code == 403
    added = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": council.code},
                        headers=make.headers(officer))
    assert added.status_code == 201
    assert {m["agency"]["code"] for m in added.json["members"]} == {police.code, nhs.code, council.code}


def test_removed_member_loses_access_at_once_and_history_is_kept(client, make, session):
    police, nhs = make.agency(), make.agency()
    officer, nurse = make.user(police), make.user(nhs)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    nurse_headers = make.headers(nurse)
    assert client.get(f"/api/v1/cases/{case.id}", headers=nurse_headers).status_code == 200
    removed = client.delete(f"/api/v1/cases/{case.id}/members/{nhs.code}",
                            headers=make.headers(officer))
    assert removed.status_code == 200
    assert client.get(f"/api/v1/cases/{case.id}", headers=nurse_headers).status_code == 404
    history = session.scalars(select(CaseMembership).where(
        CaseMembership.case_id == case.id, CaseMembership.agency_id == nhs.id)).all()
    assert len(history) == 1
    assert history[0].removed_at is not None
    assert history[0].removed_by_id == officer.id


def test_unknown_agency_code_is_refused_and_nothing_is_written(client, make, session):
    police = make.agency()
    officer = make.user(police)
    before = session.scalar(select(Case.id).limit(1))
    response = client.post("/api/v1/cases", headers=make.headers(officer), json={
        "kind": "adult", "subject": {"name": "X Y", "date_of_birth": "1970-01-01"},
        "agencies": ["NOPE-XX"]})
    assert response.status_code == 422
    assert "agencies" in response.json["errors"]
    assert session.scalar(select(Case.id).limit(1)) == before
