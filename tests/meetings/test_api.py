"""Convening a meeting over the API (DESIGN.md §4): the statutory clock's target date and the
late flag, who sees the meeting, and bad input refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.workdays import add_working_days
from meetings.models import Meeting, MeetingInvitee
from tests.meetings.helpers import NAME
from tests.meetings.helpers import body as _body
from tests.meetings.helpers import world as _world
from tests.support.snapshot import assert_nothing_written, take_snapshot


def test_a_lead_convenes_a_strategy_meeting_against_the_five_working_day_clock(client, make, session):
    case, worker, officer, _stranger, police, _outsider = _world(make)
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=_body(case, police))
    assert answer.status_code == 201, answer.json
    policy = Policy()
    target = add_working_days(policy.local_date(utcnow() - timedelta(hours=1)), 5)
    assert answer.json["target_date"] == target.isoformat()
    assert answer.json["sequence"] == 0
    assert answer.json["uid"].startswith(answer.json["id"])
    assert answer.json["late"] is False
    row = session.get(Meeting, uuid.UUID(answer.json["id"]))
    assert NAME.encode() not in row.texts_ciphertext  # the title is encrypted
    assert NAME not in row.uid + row.location
    [invitee] = session.scalars(select(MeetingInvitee)).all()
    assert (invitee.email, invitee.partstat) == ("dc.smith@police.example", "NEEDS-ACTION")
    # The police, a member agency, read it: clock, case, invitee.
    shown = client.get(f"/api/v1/meetings/{answer.json['id']}", headers=make.headers(officer))
    assert shown.status_code == 200
    assert shown.json["title"] == f"Strategy meeting about {NAME}"
    assert "5 working days" in shown.json["clock"]
    assert shown.json["cases"] == [{"id": str(case.id), "ref": case.ref}]
    assert shown.json["conference_due"] is None
    audited = [(e.action, e.object_id) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("meeting.%")).order_by(AuditEvent.id))]
    assert audited == [("meeting.convene", answer.json["id"]), ("meeting.read", answer.json["id"])]


def test_a_meeting_after_its_target_is_flagged_late_with_its_reason(client, make):
    case, worker, officer, _stranger, police, _outsider = _world(make)
    body = _body(case, police, start_in_days=20, late_reason="The family asked for a later date")
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=body)
    assert answer.status_code == 201, answer.json
    assert answer.json["late"] is True
    shown = client.get(f"/api/v1/meetings/{answer.json['id']}", headers=make.headers(officer)).json
    assert (shown["late"], shown["late_reason"]) == (True, "The family asked for a later date")


def test_a_childs_strategy_discussion_runs_on_one_working_day_and_names_the_conference_date(client, make):
    case, worker, _officer, _stranger, police, _outsider = _world(make, CaseKind.CHILD)
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=_body(case, police))
    assert answer.status_code == 201, answer.json
    policy = Policy()
    target = add_working_days(policy.local_date(utcnow() - timedelta(hours=1)), 1)
    assert answer.json["target_date"] == target.isoformat()
    start = policy.local_date(utcnow() + timedelta(days=2))
    assert answer.json["late"] is (start > target)  # two days on: late unless a weekend is between
    shown = client.get(f"/api/v1/meetings/{answer.json['id']}", headers=make.headers(worker)).json
    assert shown["conference_due"] == add_working_days(start, 15).isoformat()


def test_others_are_told_no_such_meeting_exists_and_the_probe_is_audited(client, make, session):
    case, worker, _officer, stranger, police, _outsider = _world(make)
    meeting_id = client.post("/api/v1/meetings", headers=make.headers(worker),
                             json=_body(case, police)).json["id"]
    stranger_headers = make.headers(stranger)
    before = take_snapshot(session)
    hidden = client.get(f"/api/v1/meetings/{meeting_id}", headers=stranger_headers)
    missing = client.get(f"/api/v1/meetings/{case.id}", headers=stranger_headers)
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json["detail"] == missing.json["detail"]
    denied = assert_nothing_written(session, before)
    assert [(e["action"], e["object_id"]) for e in denied] == [("access.denied", str(case.id))]


def test_bad_meetings_are_refused_by_field_and_nothing_is_written(client, make, session):
    case, worker, _officer, _stranger, police, outsider = _world(make)
    other = make.case(make.user(outsider), name="Someone Else")
    headers = make.headers(worker)
    before = take_snapshot(session)
    start = utcnow() + timedelta(days=2)
    for changes, status, field in (
            ({"end": (start - timedelta(hours=1)).isoformat()}, 422, "end"),
            ({"start": (utcnow() - timedelta(days=2)).isoformat(),
              "end": (utcnow() - timedelta(days=2, hours=-1)).isoformat()}, 422, "start"),
            ({"kind": "conference"}, 422, "kind"),
            ({"rrule": "FREQ=WEEKLY;COUNT=3"}, 422, "rrule"),
            ({"kind": "marac", "rrule": "FREQ=HOURLY"}, 422, "rrule"),
            ({"invitees": [{"email": "x@council.example", "name": "X", "agency": outsider.code}]}, 422,
             "invitees"),
            ({"case_ids": [str(other.id)]}, 404, None),
            ({"case_ids": ["not-a-uuid"]}, 422, None),
            ({"start": "tomorrow"}, 422, None),
            ({"decided_at": (utcnow() + timedelta(days=1)).isoformat()}, 422, "decided_at"),
            ({"location": "Room\u0000"}, 422, None)):
        answer = client.post("/api/v1/meetings", headers=headers, json=_body(case, police, **changes))
        assert answer.status_code == status, (changes, answer.json)
        assert answer.mimetype == "application/problem+json"
        if field:
            assert field in answer.json["errors"], (changes, answer.json)
    assert_nothing_written(session, before)


def test_my_meetings_are_those_i_convened_or_am_invited_to_in_the_period(client, make, session):
    case, worker, officer, _stranger, police, _outsider = _world(make)
    colleague = make.user(police)
    ids = []
    for days, invite_officer in ((2, True), (3, False), (40, True)):
        body = _body(case, police, start_in_days=days)
        if not invite_officer:
            body["invitees"] = [{"email": colleague.email, "name": "A colleague", "agency": police.code}]
        ids.append(client.post("/api/v1/meetings", headers=make.headers(worker), json=body).json["id"])
    officer.email = "dc.smith@police.example"  # the address the meetings invite
    session.flush()
    headers = make.headers(officer)
    mine = client.get("/api/v1/meetings", headers=headers).json
    assert [m["id"] for m in mine["meetings"]] == [ids[0]]  # the default: today and 31 days on
    today = utcnow().date()
    wide = client.get(f"/api/v1/meetings?from={today}&to={today + timedelta(days=60)}&limit=1",
                      headers=headers).json
    assert ([m["id"] for m in wide["meetings"]], wide["next_offset"]) == ([ids[0]], 1)
    rest = client.get(f"/api/v1/meetings?from={today}&to={today + timedelta(days=60)}&offset=1",
                      headers=headers).json
    assert [m["id"] for m in rest["meetings"]] == [ids[2]]
    convened = client.get(f"/api/v1/meetings?to={today + timedelta(days=60)}",
                          headers=make.headers(worker)).json
    assert [m["id"] for m in convened["meetings"]] == ids
    before = take_snapshot(session)
    for query in (f"from={today}&to={today - timedelta(days=1)}",
                  f"from={today}&to={today + timedelta(days=400)}", "from=yesterday", "colour=red",
                  "from=9999-12-30&to=9999-12-31", "from=0001-01-01&to=0001-01-02"):
        assert client.get(f"/api/v1/meetings?{query}", headers=headers).status_code == 422, query
    assert_nothing_written(session, before)
