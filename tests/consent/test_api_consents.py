"""Consent records over the API: record, list, withdraw; a withdrawn consent is never again a basis."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from consent.models import ConsentRecord
from hub.audit.models import AuditEvent
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.consent.api_support import consent_body, consented_body, expired_consent


def test_a_consent_is_recorded_with_its_free_text_and_listed(client, make, session):
    agency = make.agency()
    worker = make.user(agency)
    case = make.case(worker)
    headers = make.headers(worker)
    created = client.post(f"/api/v1/cases/{case.id}/consents", json=consent_body(), headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == body["effective_status"] == "active"
    assert body["not_in_force"] is None
    assert body["information_given"].startswith("What will be shared")
    assert body["exclusions"] == ["Her history before 2020"]
    assert body["agencies"] == ["Northshire Health Trust"]
    assert body["agency"] == agency.code
    row = session.get(ConsentRecord, uuid.UUID(body["id"]))
    assert row is not None
    assert row.case_id == case.id
    assert b"What will be shared" not in row.texts_ciphertext

    listed = client.get(f"/api/v1/cases/{case.id}/consents", headers=headers)
    assert listed.status_code == 200
    assert listed.json["limit"] == 50
    assert listed.json["offset"] == 0
    assert listed.json["next_offset"] is None
    assert [c["id"] for c in listed.json["consents"]] == [body["id"]]
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert {"consent.record", "consent.list"} <= set(actions)


def test_the_list_pages_with_next_offset(client, make, consents):
    worker = make.user(make.agency())
    case = make.case(worker)
    for _ in range(3):
        consents.consent(worker, case)
    headers = make.headers(worker)
    first = client.get(f"/api/v1/cases/{case.id}/consents", query_string={"limit": 2},
                       headers=headers).json
    assert (len(first["consents"]), first["next_offset"]) == (2, 2)
    last = client.get(f"/api/v1/cases/{case.id}/consents", query_string={"limit": 2, "offset": 2},
                      headers=headers).json
    assert (len(last["consents"]), last["next_offset"]) == (1, None)


def test_a_consent_breaking_the_rules_is_refused_by_field_and_nothing_written(client, make, session):
    worker = make.user(make.agency())
    case = make.case(worker)
    headers = make.headers(worker)
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/cases/{case.id}/consents",
                          json=consent_body(given_by=None, agencies=["all agencies"]), headers=headers)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert {"given_by", "agencies"} <= set(refused.json["errors"])
    bad_enum = client.post(f"/api/v1/cases/{case.id}/consents",
                           json=consent_body(method="carrier pigeon"), headers=headers)
    assert bad_enum.status_code == 422
    assert set(bad_enum.json["errors"]) == {"method"}
    naive = client.post(f"/api/v1/cases/{case.id}/consents",
                        json=consent_body(obtained_at="2026-11-01T10:00:00"), headers=headers)
    assert naive.status_code == 422
    assert set(naive.json["errors"]) == {"obtained_at"}
    assert_nothing_written(session, before)


def test_withdrawal_is_recorded_once_and_audited(client, make, session, consents):
    worker = make.user(make.agency())
    case = make.case(worker)
    record = consents.consent(worker, case)
    headers = make.headers(worker)
    url = f"/api/v1/cases/{case.id}/consents/{record.id}/withdraw"
    withdrawn = client.post(url, json={"channel": "verbal"}, headers=headers)
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["status"] == withdrawn.json["effective_status"] == "withdrawn"
    assert withdrawn.json["withdrawal_channel"] == "verbal"
    assert withdrawn.json["not_in_force"]
    first_time = withdrawn.json["withdrawn_at"]
    [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "consent.withdraw")).all()
    assert (audit.case_id, audit.object_id, audit.details) == (case.id, str(record.id),
                                                               {"channel": "verbal"})

    before = take_snapshot(session)
    again = client.post(url, json={"channel": "written"}, headers=headers)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert_nothing_written(session, before)
    listed = client.get(f"/api/v1/cases/{case.id}/consents", headers=headers).json["consents"]
    assert (listed[0]["withdrawn_at"], listed[0]["withdrawal_channel"]) == (first_time, "verbal")


def test_withdrawal_needs_a_known_channel_and_a_consent_of_the_case(client, make, session, consents):
    worker = make.user(make.agency())
    case, other = make.case(worker), make.case(worker)
    record = consents.consent(worker, other)
    headers = make.headers(worker)
    before = take_snapshot(session)
    wrong_case = client.post(f"/api/v1/cases/{case.id}/consents/{record.id}/withdraw",
                             json={"channel": "verbal"}, headers=headers)
    assert wrong_case.status_code == 404
    bad = client.post(f"/api/v1/cases/{other.id}/consents/{record.id}/withdraw",
                      json={"channel": "telepathy"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"channel"}
    assert_nothing_written(session, before)


def test_a_withdrawn_consent_is_never_again_a_basis_for_sharing(client, make, session, consents):
    worker = make.user(make.agency())
    case = make.case(worker)
    record = consents.consent(worker, case)
    headers = make.headers(worker)
    shared = client.post(f"/api/v1/cases/{case.id}/disclosures", json=consented_body(str(record.id)),
                         headers=headers)
    assert shared.status_code == 201, shared.json
    assert shared.json["needs_review"] is False
    assert client.post(f"/api/v1/cases/{case.id}/consents/{record.id}/withdraw",
                       json={"channel": "electronic"}, headers=headers).status_code == 200
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/cases/{case.id}/disclosures",
                          json=consented_body(str(record.id)), headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"consent_id"}
    assert_nothing_written(session, before)


def test_a_consent_past_its_end_reads_as_expired(client, make):
    worker = make.user(make.agency())
    case = make.case(worker)
    expired_consent(make, worker, case)
    listed = client.get(f"/api/v1/cases/{case.id}/consents", headers=make.headers(worker)).json
    [found] = listed["consents"]
    assert (found["status"], found["effective_status"]) == ("active", "expired")
