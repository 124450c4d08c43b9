"""The meeting itself over the API (DESIGN.md §4): the attendance register kept by the convening
agency, and each person's acknowledgement of the confidentiality statement."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from meetings.models import MeetingAcknowledgement, MeetingAttendance
from tests.meetings.helpers import body, world
from tests.support.snapshot import assert_nothing_written, take_snapshot


def _convened(client, make):
    case, worker, officer, stranger, police, outsider = world(make)
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police))
    assert answer.status_code == 201, answer.json
    return uuid.UUID(answer.json["id"]), worker, officer, stranger, police, outsider


def test_the_convening_agency_records_each_agencys_attendance_and_a_correction_replaces_it(
        client, make, session):
    meeting_id, worker, officer, _stranger, police, _outsider = _convened(client, make)
    url = f"/api/v1/meetings/{meeting_id}/attendance"
    first = client.post(url, headers=make.headers(worker), json={"agency": police.code, "status": "apology"})
    assert first.status_code == 200, first.json
    assert [(a["agency"], a["status"]) for a in first.json["attendance"]] == [(police.code, "apology")]
    again = client.post(url, headers=make.headers(worker), json={"agency": police.code, "status": "attended"})
    own = client.post(url, headers=make.headers(worker),
                      json={"agency": worker.agency.code, "status": "attended"})
    assert again.status_code == own.status_code == 200
    assert sorted((a["agency"], a["status"]) for a in own.json["attendance"]) == sorted(
        [(police.code, "attended"), (worker.agency.code, "attended")])
    assert session.scalar(select(func.count()).select_from(MeetingAttendance)) == 2
    shown = client.get(f"/api/v1/meetings/{meeting_id}", headers=make.headers(officer)).json
    assert {a["agency"]: a["status"] for a in shown["attendance"]}[police.code] == "attended"
    details = [e.details for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "meeting.attendance").order_by(AuditEvent.id))]
    assert [d["status"] for d in details] == ["apology", "attended", "attended"]


def test_only_the_convening_agency_keeps_the_register_and_bad_input_changes_nothing(client, make, session):
    meeting_id, worker, officer, stranger, police, outsider = _convened(client, make)
    url = f"/api/v1/meetings/{meeting_id}/attendance"
    chair, member, outside = make.headers(worker), make.headers(officer), make.headers(stranger)
    before = take_snapshot(session)
    refused = client.post(url, headers=member, json={"agency": police.code, "status": "attended"})
    assert refused.status_code == 403
    unseen = client.post(url, headers=outside, json={"agency": police.code, "status": "attended"})
    assert unseen.status_code == 404
    wrong_agency = client.post(url, headers=chair, json={"agency": outsider.code, "status": "attended"})
    assert wrong_agency.status_code == 422
    assert "agency" in wrong_agency.json["errors"]
    wrong_status = client.post(url, headers=chair, json={"agency": police.code, "status": "late"})
    assert wrong_status.status_code == 422
    assert "status" in wrong_status.json["errors"]
    assert session.scalar(select(func.count()).select_from(MeetingAttendance)) == 0
    assert_nothing_written(session, before)


def test_each_person_acknowledges_the_statement_once(client, make, session):
    meeting_id, worker, officer, stranger, _police, _outsider = _convened(client, make)
    url = f"/api/v1/meetings/{meeting_id}/acknowledgements"
    shown = client.get(f"/api/v1/meetings/{meeting_id}", headers=make.headers(officer)).json
    assert shown["acknowledged"] is False
    assert "OFFICIAL-SENSITIVE" in shown["confidentiality_statement"]
    first = client.post(url, headers=make.headers(officer))
    assert first.status_code == 201, first.json
    assert first.json["acknowledged"] is True
    assert [(a["name"], a["agency"]) for a in first.json["acknowledgements"]] == [
        (officer.name, officer.agency.code)]
    second = client.post(url, headers=make.headers(officer))
    assert second.status_code == 200
    assert second.json["acknowledged_at"] == first.json["acknowledged_at"]
    assert session.scalar(select(func.count()).select_from(MeetingAcknowledgement)) == 1
    # The chair has not acknowledged yet; a stranger is told the meeting does not exist.
    chair = client.get(f"/api/v1/meetings/{meeting_id}", headers=make.headers(worker)).json
    assert chair["acknowledged"] is False
    assert client.post(url, headers=make.headers(stranger)).status_code == 404
    assert session.scalar(select(func.count()).select_from(MeetingAcknowledgement)) == 1


def test_a_cancelled_meeting_takes_neither_attendance_nor_acknowledgements(client, make, session):
    meeting_id, worker, officer, _stranger, police, _outsider = _convened(client, make)
    cancelled = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=make.headers(worker))
    assert cancelled.status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting_id}/attendance", headers=make.headers(worker),
                       json={"agency": police.code, "status": "attended"}).status_code == 409
    assert client.post(f"/api/v1/meetings/{meeting_id}/acknowledgements",
                       headers=make.headers(officer)).status_code == 409
    assert session.scalar(select(func.count()).select_from(MeetingAcknowledgement)) == 0
