"""Minutes (DOMAIN.md §4-5): written by the convening agency once the meeting has started, every
version kept and encrypted, issued by the chair to those invited, drafts seen by the chair's agency
only; decisions carry their rationale and dissent; actions agreed go into the tracker."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from hub.workdays import add_working_days
from meetings.models import MeetingMinutes
from sharing.models import Action
from tests.meetings.helpers import NAME, body, world
from tests.support.snapshot import assert_nothing_written, take_snapshot

SUMMARY = f"Discussed the risk to {NAME}; the police shared two call-outs."
MINUTES = {"summary": SUMMARY,
           "decisions": [{"decision": "Proceed to an s42 enquiry", "rationale": "The three-part test is met",
                          "dissent": "Health thought a carer's assessment enough"}]}


def _held(client, make):
    """A strategy meeting that began a few minutes ago."""
    case, worker, officer, stranger, police, _outsider = world(make)
    start = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(
        case, police, start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat(),
        decided_at=(start - timedelta(hours=2)).isoformat(),
        invitees=[{"email": officer.email, "name": "DC Officer", "agency": police.code}]))
    assert answer.status_code == 201, answer.json
    return uuid.UUID(answer.json["id"]), case, worker, officer, stranger, police


def test_the_chair_minutes_decisions_and_actions_and_issues_them_to_those_invited(client, make, session):
    meeting_id, case, worker, officer, _stranger, police = _held(client, make)
    chair, member = make.headers(worker), make.headers(officer)
    due = (utcnow().date() + timedelta(days=14)).isoformat()
    first = client.post(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair, json={
        **MINUTES, "actions": [{"case_id": str(case.id), "title": "Share the call-out log",
                                "agency": police.code, "due": due}]})
    assert first.status_code == 201, first.json
    assert (first.json["version"], first.json["issued_at"]) == (1, None)
    assert first.json["marking"] == "OFFICIAL-SENSITIVE"
    assert first.json["decisions"][0]["dissent"] == "Health thought a carer's assessment enough"
    [action] = session.scalars(select(Action).where(Action.case_id == case.id)).all()
    assert (action.agency_id, action.due.isoformat()) == (police.id, due)
    assert first.json["actions"][0]["id"] == str(action.id)
    row = session.scalar(select(MeetingMinutes))
    assert NAME.encode() not in row.content_ciphertext
    assert b"call-out" not in row.content_ciphertext
    # A draft is the chair's agency's alone.
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes/latest", headers=member).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=member).json["minutes"] == []
    issued = client.post(f"/api/v1/meetings/{meeting_id}/minutes/issue", headers=chair)
    assert issued.status_code == 200, issued.json
    assert issued.json["issued_at"] is not None
    assert client.post(f"/api/v1/meetings/{meeting_id}/minutes/issue", headers=chair).status_code == 409
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting.minutes")).all()
    assert mail.recipient == officer.email
    assert case.ref in mail.subject
    assert NAME not in mail.subject + mail.body
    read = client.get(f"/api/v1/meetings/{meeting_id}/minutes/latest", headers=member)
    assert read.status_code == 200
    assert read.json["summary"] == SUMMARY
    # A correction is a new version; the member reads the issued one until it is issued.
    second = client.post(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair,
                         json={**MINUTES, "summary": SUMMARY + " Corrected."})
    assert second.status_code == 201
    assert second.json["version"] == 2
    assert len(second.json["actions"]) == 1  # the earlier version's action is still minuted
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes/latest", headers=member).json["version"] == 1
    assert [v["version"] for v in client.get(f"/api/v1/meetings/{meeting_id}/minutes",
                                             headers=chair).json["minutes"]] == [2, 1]
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes/2", headers=member).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes/1", headers=member).status_code == 200
    shown = client.get(f"/api/v1/meetings/{meeting_id}", headers=member).json
    assert shown["minutes_issued_at"] == issued.json["issued_at"]


def test_minutes_are_due_three_working_days_after_the_meeting(client, make):
    meeting_id, _case, worker, _officer, _stranger, _police = _held(client, make)
    shown = client.get(f"/api/v1/meetings/{meeting_id}", headers=make.headers(worker)).json
    policy = Policy()
    ended = utcnow() + timedelta(minutes=55)
    assert shown["minutes_due"] == add_working_days(policy.local_date(ended), 3).isoformat()
    assert shown["minutes_issued_at"] is None


def test_bad_minutes_and_the_wrong_people_change_nothing(client, make, session):
    meeting_id, case, worker, officer, stranger, police = _held(client, make)
    other_case = make.case(worker)
    chair, member, outside = make.headers(worker), make.headers(officer), make.headers(stranger)
    url = f"/api/v1/meetings/{meeting_id}/minutes"
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    before = take_snapshot(session)
    for headers, payload, status, field in (
            (chair, {"summary": "  "}, 422, "summary"),
            (chair, {"summary": "x", "decisions": [{"decision": "Proceed", "rationale": ""}]}, 422,
             "decisions.1.rationale"),
            (chair, {"summary": "x", "actions": [{"case_id": str(other_case.id), "title": "t",
                                                  "agency": police.code, "due": due}]},
             422, "actions.1.case_id"),
            (chair, {"summary": "x", "actions": [{"case_id": str(case.id), "title": "t",
                                                  "agency": "NOBODY", "due": due}]},
             422, "actions.1.agency"),
            (member, MINUTES, 403, None),
            (outside, MINUTES, 404, None)):
        answer = client.post(url, headers=headers, json=payload)
        assert answer.status_code == status, (payload, answer.json)
        if field:
            assert field in answer.json["errors"], answer.json
    assert client.post(f"{url}/issue", headers=chair).status_code == 409  # nothing to issue
    assert_nothing_written(session, before)
    assert session.scalar(select(func.count()).select_from(MeetingMinutes)) == 0


def test_minutes_wait_for_the_meeting_to_start(client, make):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    convened = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police)).json
    early = client.post(f"/api/v1/meetings/{convened['id']}/minutes", headers=make.headers(worker),
                        json=MINUTES)
    assert early.status_code == 409
