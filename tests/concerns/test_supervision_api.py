"""Supervision focused on risk over the API: a practitioner's caseload is what their agency has
allocated them; a manager records a session with the cases discussed and actions into the
tracker; the hub lists each allocated case's next discussion, high-risk cases every four weeks,
and says which are overdue; changing the policy changes when they are due."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from concerns.models import Allocation, SupervisionDiscussion
from hub.actor import Actor
from hub.config import Policy
from hub.db import utcnow
from sharing.models import Action
from sharing.rules import RiskSummaryIn
from sharing.services import risk_summaries
from tests.conftest import app_for, with_policy
from tests.support.snapshot import assert_nothing_written, take_snapshot

NOTE = "Discussed the son's visits and the locksmith"


def _today():
    return Policy().local_date(utcnow())


@pytest.fixture
def team(make, session, envelope):
    """A council team: a manager and a social worker with two cases, one of them high risk."""
    council = make.agency(kind="council_adults")
    manager = make.user(council, "manager", name="Grace Obi")
    worker = make.user(council, name="Sam Carter")
    high = make.case(worker, name="Margaret Ellery")
    low = make.case(worker, name="Peter Lane")
    risk_summaries.record_summary(session, Actor(worker, "test"), high.id, RiskSummaryIn(level="high"),
                                  envelope=envelope, now=utcnow(), today=_today())
    session.commit()
    return council, manager, worker, high, low


def _allocate(client, make, case, by, user):
    response = client.put(f"/api/v1/cases/{case.id}/allocation", json={"user_id": str(user.id)},
                          headers=make.headers(by))
    assert response.status_code == 200, response.json
    return response.json


def test_each_allocated_case_is_due_by_its_risk_and_a_session_moves_it_on(client, make, session, team):
    _council, manager, worker, high, low = team
    assert _allocate(client, make, high, manager, worker)["name"] == "Sam Carter"
    _allocate(client, make, low, manager, worker)
    due = client.get("/api/v1/supervision/due", headers=make.headers(manager)).json["due"]
    today = _today()
    assert [(d["case_ref"], d["level"], d["due"]) for d in due] == [
        (high.ref, "high", (today + timedelta(weeks=4)).isoformat()),
        (low.ref, None, (today + timedelta(weeks=12)).isoformat())]
    # A session that discusses the high-risk case, with an action for the worker.
    recorded = client.post("/api/v1/supervision", json={
        "supervisee_id": str(worker.id), "held_on": today.isoformat(), "discussions": [
            {"case_id": str(high.id), "note": NOTE,
             "actions": [{"title": "Ask for a locksmith", "due": (today + timedelta(days=7)).isoformat()}]}]},
        headers=make.headers(manager))
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["cases"] == [high.ref]
    [action] = session.scalars(select(Action).where(Action.case_id == high.id)).all()
    assert (action.assignee_id, action.agency_id) == (worker.id, worker.agency_id)
    stored = session.scalars(select(SupervisionDiscussion)).one()
    assert NOTE.encode() not in bytes(stored.note_ciphertext)
    again = client.get("/api/v1/supervision/due", headers=make.headers(manager)).json["due"]
    assert {d["case_ref"]: d["last_discussed"] for d in again}[high.ref] == today.isoformat()


def test_an_undiscussed_high_risk_case_is_overdue_after_four_weeks(make, session, settings, database,
                                                                    keyring, team):
    _council, manager, worker, high, low = team
    client = app_for(settings, database, keyring).test_client()
    _allocate(client, make, high, manager, worker)
    _allocate(client, make, low, manager, worker)
    for allocation in session.scalars(select(Allocation)):
        allocation.allocated_at = utcnow() - timedelta(weeks=5)
    session.commit()
    overdue = client.get("/api/v1/supervision/due?overdue=true", headers=make.headers(manager)).json["due"]
    assert [(d["case_ref"], d["overdue"]) for d in overdue] == [(high.ref, True)]
    # Every six weeks for high risk, by policy: not yet overdue.
    relaxed = app_for(with_policy(settings, supervision_high_risk_weeks=6), database, keyring).test_client()
    listed = relaxed.get("/api/v1/supervision/due?overdue=true", headers=make.headers(manager)).json
    assert listed["due"] == []


def test_a_practitioner_neither_records_nor_reads_supervision(client, make, session, team):
    _council, _manager, worker, high, _low = team
    headers = make.headers(worker)
    before = take_snapshot(session)
    assert client.get("/api/v1/supervision/due", headers=headers).status_code == 403
    assert client.post("/api/v1/supervision", json={
        "supervisee_id": str(worker.id), "held_on": _today().isoformat(),
        "discussions": [{"case_id": str(high.id)}]}, headers=headers).status_code == 403
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("change", "field"), [
    (lambda w, c: {"held_on": (_today() + timedelta(days=1)).isoformat()}, "held_on"),
    (lambda w, c: {"supervisee_id": str(uuid.uuid4())}, "supervisee_id"),
    (lambda w, c: {"discussions": []}, "discussions"),
    (lambda w, c: {"discussions": [{"case_id": str(uuid.uuid4())}]}, "discussions.0.case_id"),
    (lambda w, c: {"discussions": [{"case_id": str(c.id)}, {"case_id": str(c.id)}]}, "discussions.1.case_id"),
    (lambda w, c: {"discussions": [{"case_id": str(c.id), "actions": [
        {"title": "Late", "due": (_today() - timedelta(days=1)).isoformat()}]}]},
     "discussions.0.actions.0.due"),
])
def test_a_session_with_a_problem_is_refused_by_field_and_nothing_is_written(
        client, make, session, team, change, field):
    _council, manager, worker, high, _low = team
    body = {"supervisee_id": str(worker.id), "held_on": _today().isoformat(),
            "discussions": [{"case_id": str(high.id)}], **change(worker, high)}
    headers = make.headers(manager)
    before = take_snapshot(session)
    refused = client.post("/api/v1/supervision", json=body, headers=headers)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"]
    assert_nothing_written(session, before)


def test_another_agencys_case_is_not_one_to_discuss_or_allocate(client, make, session, team):
    _council, manager, worker, _high, _low = team
    police = make.agency()
    theirs = make.case(make.user(police))
    headers = make.headers(manager)
    before = take_snapshot(session)
    assert client.put(f"/api/v1/cases/{theirs.id}/allocation", json={"user_id": str(worker.id)},
                      headers=headers).status_code == 404
    refused = client.post("/api/v1/supervision", json={
        "supervisee_id": str(worker.id), "held_on": _today().isoformat(),
        "discussions": [{"case_id": str(theirs.id)}]}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["errors"]["discussions.0.case_id"] == "Choose a case your agency works on"
    assert_nothing_written(session, before)


def test_allocating_someone_of_another_agency_is_refused(client, make, session, team):
    _council, manager, _worker, high, _low = team
    officer = make.user(make.agency())
    headers = make.headers(manager)
    before = take_snapshot(session)
    refused = client.put(f"/api/v1/cases/{high.id}/allocation", json={"user_id": str(officer.id)},
                         headers=headers)
    assert refused.status_code == 422
    assert "user_id" in refused.json["errors"]
    assert_nothing_written(session, before)
