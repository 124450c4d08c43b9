"""Actions carried over to a meeting (DOMAIN.md §4-5): the open actions on its cases that were set
before it and due by its day are listed on its agenda; the chair's agency marks each one not
possible (circumstances changed) or not done by the agency, which escalates; the minutes are
issued only once every one is marked."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import CaseMembership
from hub.config import Policy
from hub.db import utcnow
from sharing.models import Action, ActionChange, Challenge
from sharing.services.actions import create_action
from sharing.services.challenges import escalate
from tests.meetings.helpers import body, world
from tests.support.snapshot import assert_nothing_written, take_snapshot

TITLE = "Check the firearms licence at the address"


@pytest.fixture
def held(client, make, session, envelope):
    """A strategy meeting that began five minutes ago, with three actions on its case set a week
    before: one due yesterday (carried over), one due next month (not yet due), one done."""
    case, worker, officer, stranger, police, _outsider = world(make)
    start = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    week_ago = start - timedelta(days=7)
    today = Policy().local_date(week_ago)
    lead = Actor(worker, "test")

    def action(title, due):
        return create_action(session, lead, case.id, title=title, agency_code=police.code, due=due,
                             envelope=envelope, now=week_ago, today=today)

    carried = action(TITLE, Policy().local_date(start) - timedelta(days=1))
    later = action("Visit in a month", Policy().local_date(start) + timedelta(days=30))
    session.commit()
    answer = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(
        case, police, start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat(),
        decided_at=(start - timedelta(hours=2)).isoformat(),
        invitees=[{"email": officer.email, "name": "DC Officer", "agency": police.code}]))
    assert answer.status_code == 201, answer.json
    return {"meeting": uuid.UUID(answer.json["id"]), "case": case, "chair": worker, "officer": officer,
            "stranger": stranger, "carried": carried.id, "later": later.id, "start": start}


def test_the_agenda_lists_what_was_due_by_the_meeting_and_set_before_it(client, make, held):
    listed = client.get(f"/api/v1/meetings/{held['meeting']}/carried-over",
                        headers=make.headers(held["officer"]))
    assert listed.status_code == 200, listed.json
    [line] = listed.json["actions"]
    assert (line["id"], line["case_ref"], line["status"], line["title"]) == (
        str(held["carried"]), held["case"].ref, "open", TITLE)
    assert listed.json["next_offset"] is None
    # Someone who may not see the meeting learns nothing of it.
    assert client.get(f"/api/v1/meetings/{held['meeting']}/carried-over",
                      headers=make.headers(held["stranger"])).status_code == 404


def test_the_chair_marks_not_done_which_escalates_and_the_minutes_wait_for_it(client, make, session, held):
    chair, url = make.headers(held["chair"]), f"/api/v1/meetings/{held['meeting']}"
    assert client.post(f"{url}/minutes", headers=chair, json={"summary": "Heard"}).status_code == 201
    refused = client.post(f"{url}/minutes/issue", headers=chair)
    assert refused.status_code == 409
    assert "carried over" in refused.json["detail"]
    marked = client.post(f"{url}/carried-over/{held['carried']}", headers=chair,
                         json={"status": "not_done_by_agency", "note": "The police have not checked"})
    assert marked.status_code == 200, marked.json
    assert marked.json["status"] == "not_done_by_agency"
    session.expire_all()
    action = session.get(Action, held["carried"])
    assert action.status == "not_done_by_agency"
    change = session.scalars(select(ActionChange).where(ActionChange.action_id == action.id)
                             .order_by(ActionChange.changed_at.desc())).first()
    assert (change.status, change.changed_by_id) == ("not_done_by_agency", held["chair"].id)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "action.status")
                            .order_by(AuditEvent.id.desc())).first()
    assert event.details["meeting"] == str(held["meeting"])
    # The action not yet due stays open and is not the meeting's to mark.
    assert session.get(Action, held["later"]).status == "open"
    assert client.get(f"{url}/carried-over", headers=chair).json["actions"] == []
    assert client.post(f"{url}/minutes/issue", headers=chair).status_code == 200
    # Not done by the agency escalates: the job opens a challenge against the police.
    escalate(session, as_of=utcnow(), policy=Policy())
    [challenge] = session.scalars(select(Challenge).where(Challenge.action_id == action.id)).all()
    assert challenge.against_agency_id == action.agency_id


@pytest.mark.parametrize(("who", "path", "payload", "status"), [
    ("chair", "carried", {"status": "done", "note": "x"}, 422),
    ("chair", "carried", {"status": "open", "note": "x"}, 422),
    ("chair", "carried", {"status": "not_possible_circumstances_changed", "note": " "}, 422),
    ("chair", "carried", {"status": "not_done_by_agency", "note": "nul\x00"}, 422),
    ("chair", "carried", {"status": "not_done_by_agency"}, 422),
    ("chair", "later", {"status": "not_done_by_agency", "note": "Not due yet"}, 404),
    ("chair", "unknown", {"status": "not_done_by_agency", "note": "No such action"}, 404),
    ("officer", "carried", {"status": "not_done_by_agency", "note": "Not the chair"}, 403),
    ("stranger", "carried", {"status": "not_done_by_agency", "note": "Not invited"}, 404),
])
def test_bad_marks_are_refused_and_change_nothing(client, make, session, held, who, path, payload, status):
    action_id = held[path] if path in held else uuid.uuid4()
    headers = make.headers(held[who])
    before = take_snapshot(session)
    answer = client.post(f"/api/v1/meetings/{held['meeting']}/carried-over/{action_id}",
                         headers=headers, json=payload)
    assert answer.status_code == status, answer.json
    events = assert_nothing_written(session, before)
    assert all(e["action"] == "access.denied" for e in events)
    assert session.get(Action, held["carried"]).status == "open"


def test_before_the_meeting_starts_nothing_is_marked(client, make, session, envelope):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    create_action(session, Actor(worker, "test"), case.id, title=TITLE, agency_code=police.code,
                  due=Policy().local_date(utcnow()), envelope=envelope, now=utcnow() - timedelta(days=3),
                  today=Policy().local_date(utcnow()) - timedelta(days=3))
    session.commit()
    meeting = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police))
    assert meeting.status_code == 201, meeting.json
    [line] = client.get(f"/api/v1/meetings/{meeting.json['id']}/carried-over",
                        headers=make.headers(worker)).json["actions"]
    answer = client.post(f"/api/v1/meetings/{meeting.json['id']}/carried-over/{line['id']}",
                         headers=make.headers(worker), json={"status": "not_done_by_agency", "note": "Early"})
    assert answer.status_code == 409


def test_an_invitee_whose_agency_has_left_the_case_sees_the_line_but_not_what_the_action_is(
        client, make, session, held):
    membership = session.scalars(select(CaseMembership).where(
        CaseMembership.case_id == held["case"].id,
        CaseMembership.agency_id == held["officer"].agency_id)).one()
    membership.removed_at = utcnow()
    session.commit()
    listed = client.get(f"/api/v1/meetings/{held['meeting']}/carried-over",
                        headers=make.headers(held["officer"]))
    assert listed.status_code == 200  # still invited by e-mail
    [line] = listed.json["actions"]
    assert (line["id"], line["title"]) == (str(held["carried"]), None)
    assert TITLE not in listed.get_data(as_text=True)


# --- the pages ------------------------------------------------------------------------------------

def _acknowledged(client, headers, meeting_id):
    assert client.post(f"/meetings/{meeting_id}/acknowledge", headers=headers).status_code == 303


def test_the_chair_marks_an_action_through_its_page_after_an_error_and_then_issues(
        client, make, session, held):
    chair, meeting = make.headers(held["chair"]), held["meeting"]
    _acknowledged(client, chair, meeting)
    shown = client.get(f"/meetings/{meeting}", headers=chair).get_data(as_text=True)
    table = shown.split('data-meeting="carried-over"', 1)[1].split("</table>", 1)[0]
    assert TITLE in table
    assert held["case"].ref in table
    form_url = f"/meetings/{meeting}/carried-over/{held['carried']}"
    assert f'href="{form_url}"' in table
    assert client.post(f"/api/v1/meetings/{meeting}/minutes", headers=chair,
                       json={"summary": "Heard"}).status_code == 201
    minutes = client.get(f"/meetings/{meeting}/minutes", headers=chair).get_data(as_text=True)
    assert "Mark the action carried over to this meeting before issuing the minutes" in minutes
    assert 'data-minutes="issue"' not in minutes
    form = client.get(form_url, headers=chair)
    assert form.status_code == 200
    assert TITLE in form.get_data(as_text=True)
    read = session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.carried_over")
                           .order_by(AuditEvent.id.desc())).first()
    assert (read.object_id, read.case_id) == (str(held["carried"]), held["case"].id)
    before = take_snapshot(session)
    wrong = client.post(form_url, headers=chair, data={"status": "", "note": ""})
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "govuk-error-summary" in text
    assert 'href="#status"' in text
    assert 'href="#note"' in text
    assert "<title>Error: " in text
    assert_nothing_written(session, before)
    kept = client.post(form_url, headers=chair,
                       data={"status": "not_possible_circumstances_changed", "note": ""})
    assert 'value="not_possible_circumstances_changed" checked' in kept.get_data(as_text=True)
    done = client.post(form_url, headers=chair, data={"status": "not_possible_circumstances_changed",
                                                       "note": "She moved out of the area last week"})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/meetings/{meeting}?done=marked"
    session.expire_all()
    assert session.get(Action, held["carried"]).status == "not_possible_circumstances_changed"
    after = client.get(done.headers["Location"], headers=chair).get_data(as_text=True)
    assert "Action marked" in after
    assert TITLE not in after
    minutes = client.get(f"/meetings/{meeting}/minutes", headers=chair).get_data(as_text=True)
    assert 'data-minutes="issue"' in minutes
    assert client.post(f"/meetings/{meeting}/minutes/issue", headers=chair).status_code == 303


def test_only_the_chairs_agency_is_offered_the_mark_and_its_page(client, make, held):
    officer, meeting = make.headers(held["officer"]), held["meeting"]
    _acknowledged(client, officer, meeting)
    shown = client.get(f"/meetings/{meeting}", headers=officer).get_data(as_text=True)
    assert TITLE in shown  # the officer's agency is a member of the case
    assert f"/carried-over/{held['carried']}" not in shown
    form_url = f"/meetings/{meeting}/carried-over/{held['carried']}"
    assert client.get(form_url, headers=officer).status_code == 403
    assert client.get(form_url, headers=make.headers(held["stranger"])).status_code == 404
