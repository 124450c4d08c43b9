"""Cross-agency actions over the API: set for a member agency, seen by every member, the status
changed only by the assigned or the lead agency, every change kept with its note and evidence."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from sharing.models import Action, ActionChange
from sharing.services import actions as action_services
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

TITLE = "Visit Mrs Ellery at home with the community nurse"


def _today() -> date:
    return Policy().local_date(utcnow())


def _case(make):
    """A case led by a council, with the police and a health trust as members."""
    council, police, trust = make.agency(kind="council_adults"), make.agency(), make.agency(kind="nhs_acute")
    ConsentFactory(make).agreement(council, police, trust)
    social_worker = make.user(council)
    case = make.case(social_worker, members=(police, trust))
    return case, social_worker, council, police, trust


def _new(client, make, case, user, agency, **changes):
    body = {"title": TITLE, "agency": agency.code, "due": (_today() + timedelta(days=7)).isoformat(),
            **changes}
    return client.post(f"/api/v1/cases/{case.id}/actions", json=body, headers=make.headers(user))


def test_an_action_for_a_partner_is_seen_by_every_member_and_kept_encrypted(client, make, session):
    case, social_worker, _council, police, trust = _case(make)
    officer = make.user(police, name="PC Dale Hart")
    created = _new(client, make, case, social_worker, police, assignee=str(officer.id))
    assert created.status_code == 201, created.json
    assert (created.json["status"], created.json["agency"], created.json["assignee"]) == (
        "open", police.code, "PC Dale Hart")
    assert created.json["history"][0]["status"] == "open"
    nurse = make.user(trust)
    listed = client.get(f"/api/v1/cases/{case.id}/actions", headers=make.headers(nurse))
    assert listed.status_code == 200
    assert [a["title"] for a in listed.json["actions"]] == [TITLE]
    assert (listed.json["limit"], listed.json["offset"], listed.json["next_offset"]) == (50, 0, None)
    stored = b"".join(bytes(r.title_ciphertext) for r in session.scalars(select(Action)))
    assert TITLE.encode() not in stored
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "action.create")).all()
    assert (event.case_id, event.details["agency"]) == (case.id, police.code)
    assert TITLE not in str(event.details)
    # The case's list pages like every list.
    assert _new(client, make, case, social_worker, trust).status_code == 201
    first = client.get(f"/api/v1/cases/{case.id}/actions?limit=1", headers=make.headers(nurse)).json
    assert (len(first["actions"]), first["next_offset"]) == (1, 1)


def test_only_the_assigned_or_the_lead_agency_changes_the_status_and_history_is_kept(
        client, make, session):
    case, social_worker, _council, police, trust = _case(make)
    action_id = _new(client, make, case, social_worker, police).json["id"]
    nurse, officer = make.user(trust), make.user(police)
    nurse_headers = make.headers(nurse)  # a member, but neither the assigned nor the lead agency

    before = take_snapshot(session)
    refused = client.patch(f"/api/v1/actions/{action_id}", json={"status": "done", "evidence": "x"},
                           headers=nurse_headers)
    assert refused.status_code == 403
    assert "lead agency" in refused.json["detail"]
    assert_nothing_written(session, before)

    done = client.patch(f"/api/v1/actions/{action_id}", headers=make.headers(officer),
                        json={"status": "done", "note": "Visited with the nurse",
                              "evidence": "Visit record 4411 on the force system"})
    assert done.status_code == 200, done.json
    assert [h["status"] for h in done.json["history"]] == ["open", "done"]
    assert done.json["history"][1]["evidence"] == "Visit record 4411 on the force system"
    assert done.json["history"][1]["agency"] == police.code
    # The lead agency reopens it: a change kept, not an edit.
    reopened = client.patch(f"/api/v1/actions/{action_id}", headers=make.headers(social_worker),
                            json={"status": "open", "note": "The visit did not happen after all"})
    assert reopened.status_code == 200
    assert [h["status"] for h in reopened.json["history"]] == ["open", "done", "open"]
    assert session.scalar(select(ActionChange.id).where(
        ActionChange.action_id == uuid.UUID(action_id)).limit(1)) is not None
    statuses = [e.details for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "action.status").order_by(AuditEvent.id))]
    assert statuses == [{"from": "open", "to": "done"}, {"from": "done", "to": "open"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "finished"}, "status"),
    ({"status": "open"}, "status"),
    ({"status": "done"}, "evidence"),
    ({"status": "done", "evidence": "  "}, "evidence"),
    ({"status": "not_done_by_agency"}, "note"),
    ({"status": "not_possible_circumstances_changed", "note": ""}, "note"),
    ({"status": "done", "evidence": "x" * 10_001}, "evidence"),
    ({"status": "done", "evidence": "ok", "colour": "red"}, "colour"),
])
def test_a_bad_status_change_is_refused_by_field_and_nothing_is_written(client, make, session, body,
                                                                       field):
    case, social_worker, _council, police, _trust = _case(make)
    action_id = _new(client, make, case, social_worker, police).json["id"]
    headers = make.headers(make.user(police))
    before = take_snapshot(session)
    answer = client.patch(f"/api/v1/actions/{action_id}", json=body, headers=headers)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"], answer.json["errors"]
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("changes", "field"), [
    ({"due": "next Tuesday"}, "due"),
    ({"due": "2026-02-30"}, "due"),
    ({"due": "2001-01-01"}, "due"),
    ({"title": "  "}, "title"),
    ({"title": "x" * 501}, "title"),
    ({"agency": "NOT-A-MEMBER"}, "agency"),
    ({"agency": "bad code\n"}, "agency"),
    ({"assignee": str(uuid.uuid4())}, "assignee"),
    ({"assignee": "not-a-uuid"}, "assignee"),
])
def test_a_bad_action_is_refused_by_field_and_nothing_is_written(client, make, session, changes, field):
    case, social_worker, _council, police, _trust = _case(make)
    headers = make.headers(social_worker)
    body = {"title": TITLE, "agency": police.code,
            "due": (_today() + timedelta(days=7)).isoformat(), **changes}
    before = take_snapshot(session)
    answer = client.post(f"/api/v1/cases/{case.id}/actions", json=body, headers=headers)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"], answer.json["errors"]
    assert_nothing_written(session, before)


def test_an_action_for_an_agency_that_is_not_a_member_or_a_person_of_another_agency_is_refused(
        client, make, session):
    case, social_worker, council, police, _trust = _case(make)
    outsider = make.agency()
    colleague = make.user(council)
    headers = make.headers(social_worker)
    before = take_snapshot(session)
    for changes, field in (({"agency": outsider.code}, "agency"),
                           ({"assignee": str(colleague.id)}, "assignee")):
        body = {"title": TITLE, "agency": police.code,
                "due": (_today() + timedelta(days=7)).isoformat(), **changes}
        answer = client.post(f"/api/v1/cases/{case.id}/actions", json=body, headers=headers)
        assert answer.status_code == 422
        assert field in answer.json["errors"]
    assert_nothing_written(session, before)


def test_my_agencys_actions_sorted_by_due_with_overdue_ones_marked(client, make, session, envelope):
    case, social_worker, _council, police, _trust = _case(make)
    other_case, other_worker, _c2, police_too, _t2 = _case(make)
    today = _today()
    for due, title in ((today + timedelta(days=9), "Later"), (today + timedelta(days=2), "Soon")):
        assert _new(client, make, case, social_worker, police, due=due.isoformat(),
                    title=title).status_code == 201
    # One set long ago, now overdue (written through the service as of then).
    action_services.create_action(
        session, Actor(social_worker, "test"), case.id, title="Overdue", agency_code=police.code,
        due=today - timedelta(days=3), envelope=envelope, now=utcnow(), today=today - timedelta(days=10))
    session.commit()
    assert _new(client, make, other_case, other_worker, police_too).status_code == 201  # not police's
    officer = make.user(police)
    mine = client.get("/api/v1/actions?status=open", headers=make.headers(officer))
    assert mine.status_code == 200
    assert [(a["title"], a["overdue"]) for a in mine.json["actions"]] == [
        ("Overdue", True), ("Soon", False), ("Later", False)]
    latest_first = client.get("/api/v1/actions?sort=-due&limit=2", headers=make.headers(officer))
    assert [a["title"] for a in latest_first.json["actions"]] == ["Later", "Soon"]
    assert latest_first.json["next_offset"] == 2
    assert client.get("/api/v1/actions?status=done", headers=make.headers(officer)).json["actions"] == []
    assert client.get("/api/v1/actions?status=closed", headers=make.headers(officer)).status_code == 422


def test_non_members_are_told_an_action_does_not_exist(client, make, session):
    case, social_worker, _council, police, _trust = _case(make)
    action_id = _new(client, make, case, social_worker, police).json["id"]
    headers = make.headers(make.user(make.agency()))
    before = take_snapshot(session)
    for method, path, body in (("GET", f"/api/v1/actions/{action_id}", None),
                               ("PATCH", f"/api/v1/actions/{action_id}", {"status": "done", "evidence": "x"}),
                               ("GET", f"/api/v1/actions/{uuid.uuid4()}", None),
                               ("GET", f"/api/v1/cases/{case.id}/actions", None),
                               ("POST", f"/api/v1/cases/{case.id}/actions",
                                {"title": TITLE, "agency": police.code, "due": "2099-01-01"})):
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code == 404, (method, path, answer.json)
        assert TITLE not in answer.get_data(as_text=True)
    assert_nothing_written(session, before)
