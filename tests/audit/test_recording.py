"""Audit events are written in the business transaction: all of a change's rows persist, or none."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from hub import context
from hub.access import Permission, requires
from hub.actor import TOKEN_ISSUER
from hub.audit.models import AuditEvent
from hub.audit.services import record
from hub.cases.models import Case
from hub.errors import ValidationFailed
from tests.support.factories.consent import ConsentFactory

SUBJECT = {"name": "Jordan Quill-Testcase", "date_of_birth": "1984-03-09"}


def events_of_request(session, request_id: str) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)))


def assert_recent_utc(moment: datetime) -> None:
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=2)


def test_case_creation_leaves_one_complete_event_tied_to_the_request_id(client, make, session):
    police, nhs = make.agency(), make.agency(kind="nhs_acute")
    officer = make.user(police)
    agreement = ConsentFactory(make).agreement(police, nhs)
    response = client.post("/api/v1/cases", headers={**make.headers(officer), "X-Request-ID": "create-0001"},
                           json={"kind": "adult", "subject": SUBJECT, "agencies": [nhs.code]})
    assert response.status_code == 201, response.json
    assert response.headers["X-Request-ID"] == "create-0001"
    [event] = events_of_request(session, "create-0001")
    case_id = response.json["id"]
    assert event.action == "case.create"
    assert event.outcome == "success"
    assert event.user_id == officer.id
    assert event.agency_code == police.code
    assert event.issuer == TOKEN_ISSUER
    assert (event.object_type, event.object_id, str(event.case_id)) == ("case", case_id, case_id)
    assert_recent_utc(event.occurred_at)
    assert event.details == {"kind": "adult", "ref": response.json["ref"], "flags": [],
                             "agencies": [police.code, nhs.code],
                             "grounds": {nhs.code: {"ground": "agreement",
                                                    "agreement": str(agreement.id)}}}


def test_a_generated_request_id_is_returned_and_recorded(client, make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    response = client.get(f"/api/v1/cases/{case.id}",
                          headers={**make.headers(officer), "X-Request-ID": "bad id!"})
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert request_id != "bad id!"
    [event] = events_of_request(session, request_id)
    assert (event.action, event.case_id, event.user_id) == ("case.read", case.id, officer.id)
    assert_recent_utc(event.occurred_at)


def test_membership_changes_are_audited_with_the_agency_concerned(client, make, session):
    police, council = make.agency(), make.agency(kind="council_adults")
    officer = make.user(police)
    case = make.case(officer)
    decision = ConsentFactory(make).decision(officer, case, recipients=(council.code,))
    headers = make.headers(officer)
    added = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": council.code},
                        headers={**headers, "X-Request-ID": "member-add-01"})
    removed = client.delete(f"/api/v1/cases/{case.id}/members/{council.code}",
                            headers={**headers, "X-Request-ID": "member-remove-01"})
    assert (added.status_code, removed.status_code) == (201, 200)
    [add] = events_of_request(session, "member-add-01")
    [remove] = events_of_request(session, "member-remove-01")
    for event, action, details in (
            (add, "case.member.add", {"agency": council.code, "ground": "disclosure",
                                      "decision": str(decision.id)}),
            (remove, "case.member.remove", {"agency": council.code})):
        assert event.action == action
        assert (event.case_id, event.user_id, event.agency_code) == (case.id, officer.id, police.code)
        assert event.details == details
        assert event.outcome == "success"


def test_refused_requests_leave_no_audit_row_of_a_change(client, make, session):
    police, nhs = make.agency(), make.agency()
    officer = make.user(police)
    case = make.case(officer)
    headers = make.headers(officer)
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    unknown = client.post("/api/v1/cases", headers={**headers, "X-Request-ID": "refused-001"},
                          json={"kind": "adult", "subject": SUBJECT, "agencies": ["NOPE-00"]})
    not_member = client.delete(f"/api/v1/cases/{case.id}/members/{nhs.code}",
                               headers={**headers, "X-Request-ID": "refused-002"})
    lead_itself = client.delete(f"/api/v1/cases/{case.id}/members/{police.code}",
                                headers={**headers, "X-Request-ID": "refused-003"})
    assert (unknown.status_code, not_member.status_code, lead_itself.status_code) == (422, 422, 409)
    for request_id in ("refused-001", "refused-002", "refused-003"):
        assert events_of_request(session, request_id) == []
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_an_event_recorded_before_the_request_fails_is_rolled_back_with_it(app: Flask, make, session):
    @requires(Permission.SIGNED_IN)
    def record_then_refuse() -> dict:
        record(context.db(), context.actor(), "test.change", now=context.now(), object_type="test")
        context.db().flush()  # the row reached the database inside the request's transaction
        raise ValidationFailed({"field": "refused after the audit row was written"})

    app.add_url_rule("/api/v1/test-record-then-refuse", view_func=record_then_refuse, methods=["POST"])
    officer = make.user(make.agency())
    response = app.test_client().post("/api/v1/test-record-then-refuse",
                                      headers={**make.headers(officer), "X-Request-ID": "rolled-back-1"})
    assert response.status_code == 422
    assert response.json["errors"] == {"field": "refused after the audit row was written"}
    assert events_of_request(session, "rolled-back-1") == []
    assert session.scalar(select(func.count()).where(AuditEvent.action == "test.change")) == 0


def test_audit_rows_carry_no_personal_data(client, make, session):
    officer = make.user(make.agency())
    headers = make.headers(officer)
    created = client.post("/api/v1/cases", headers=headers, json={"kind": "marac", "subject": SUBJECT})
    assert created.status_code == 201
    assert client.get(f"/api/v1/cases/{created.json['id']}", headers=headers).status_code == 200
    rows = session.execute(select(AuditEvent.__table__)).all()
    assert len(rows) >= 2
    dumped = json.dumps([[str(v) for v in row] for row in rows])
    for personal in ("Jordan", "Quill", "1984-03-09"):
        assert personal not in dumped
