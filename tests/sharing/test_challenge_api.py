"""Professional challenge over the API, and the `escalation` job by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.config import Policy
from hub.db import Database, utcnow
from hub.jobs import run_job
from sharing.models import Challenge
from sharing.services import actions as action_services
from tests.conftest import Factory
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot


def _setup(client, make):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    worker, officer = make.user(council), make.user(police)
    case = make.case(worker, members=(police,))
    due = (Policy().local_date(utcnow()) + timedelta(days=7)).isoformat()
    action = client.post(f"/api/v1/cases/{case.id}/actions", headers=make.headers(worker),
                         json={"title": "Visit", "agency": police.code, "due": due}).json
    return case, worker, officer, action


def test_raise_list_read_and_resolve_a_challenge(client, make, session):
    _case, worker, officer, action = _setup(client, make)
    raised = client.post(f"/api/v1/actions/{action['id']}/challenges", headers=make.headers(worker),
                         json={"concern": "No visit booked", "evidence": "Two calls unanswered"})
    assert raised.status_code == 201, raised.json
    assert (raised.json["stage"], raised.json["status"], raised.json["history"][0]["kind"]) == (
        1, "open", "opened")
    listed = client.get("/api/v1/challenges?status=open", headers=make.headers(officer))
    assert [c["id"] for c in listed.json["challenges"]] == [raised.json["id"]]
    again = client.post(f"/api/v1/actions/{action['id']}/challenges", headers=make.headers(worker),
                        json={"concern": "Still nothing"})
    assert again.status_code == 409
    refused = client.post(f"/api/v1/challenges/{raised.json['id']}/resolve",
                          headers=make.headers(officer), json={"outcome": "x", "agreed_plan": "y"})
    assert refused.status_code == 403
    resolved = client.post(f"/api/v1/challenges/{raised.json['id']}/resolve",
                           headers=make.headers(worker),
                           json={"outcome": "Visit booked", "agreed_plan": "Visit on Wednesday"})
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["status"] == "resolved"
    shown = client.get(f"/api/v1/challenges/{raised.json['id']}", headers=make.headers(officer))
    assert [e["kind"] for e in shown.json["history"]] == ["opened", "resolved"]
    assert shown.json["concern"] == "No visit booked"


def test_bad_challenges_are_refused_and_write_nothing(client, make, session):
    _case, worker, officer, action = _setup(client, make)
    worker_headers, officer_headers = make.headers(worker), make.headers(officer)
    before = take_snapshot(session)
    for headers, body, status in (
            (worker_headers, {"concern": ""}, 422),
            (worker_headers, {"concern": "x", "immediate_risk": "yes"}, 422),
            (worker_headers, {"concern": "x", "stage": 4}, 422),
            (officer_headers, {"concern": "Our own action"}, 422)):
        answer = client.post(f"/api/v1/actions/{action['id']}/challenges", headers=headers, json=body)
        assert answer.status_code == status, (body, answer.json)
    assert client.get("/api/v1/challenges?status=closed", headers=worker_headers).status_code == 422
    assert_nothing_written(session, before)


def test_the_escalation_job_runs_by_name_with_the_keyring_of_the_settings(
        fresh_database_url, settings, envelope, tmp_path):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        make = Factory(s, envelope)
        council, police = make.agency(kind="council_adults"), make.agency()
        ConsentFactory(make).agreement(council, police)
        worker = make.user(council)
        case = make.case(worker, members=(police,))
        action_services.create_action(
            s, Actor(worker, "test"), case.id, title="Visit", agency_code=police.code,
            due=date(2026, 10, 1), envelope=envelope, now=utcnow(), today=date(2026, 10, 1))
    keyring_path = tmp_path / "keyring.json"
    envelope.keyring.save(keyring_path)
    with_keyring = replace(settings, database_url=fresh_database_url, keyring_path=keyring_path)
    as_of = datetime(2026, 10, 9, 12, tzinfo=UTC)
    assert run_job(database, with_keyring, "escalation", as_of=as_of) == 1
    assert run_job(database, with_keyring, "escalation", as_of=as_of) == 0
    with database.transaction() as s:
        [challenge] = s.scalars(select(Challenge)).all()
        assert challenge.automatic
    database.engine.dispose()


def test_either_agency_records_the_steps_taken_at_a_stage_and_a_third_member_may_not(client, make, session):
    council, police = make.agency(kind="council_adults"), make.agency()
    trust = make.agency(kind="nhs_mental_health")
    ConsentFactory(make).agreement(council, police)
    ConsentFactory(make).agreement(council, trust)
    worker, officer, nurse = make.user(council), make.user(police), make.user(trust)
    case = make.case(worker, members=(police, trust))
    due = (Policy().local_date(utcnow()) + timedelta(days=7)).isoformat()
    action = client.post(f"/api/v1/cases/{case.id}/actions", headers=make.headers(worker),
                         json={"title": "Visit", "agency": police.code, "due": due}).json
    raised = client.post(f"/api/v1/actions/{action['id']}/challenges", headers=make.headers(worker),
                         json={"concern": "No visit booked"}).json
    steps = f"/api/v1/challenges/{raised['id']}/steps"
    answer = client.post(steps, headers=make.headers(officer),
                         json={"steps_taken": "Rang the duty sergeant", "agreed_plan": "Visit by Friday"})
    assert answer.status_code == 201, answer.json
    [_opened, step] = answer.json["history"]
    assert (step["kind"], step["stage"], step["texts"]) == (
        "step", 1, {"steps_taken": "Rang the duty sergeant", "agreed_plan": "Visit by Friday"})
    # The trust, a member too, reads the challenge but records nothing in it.
    assert client.get(f"/api/v1/challenges/{raised['id']}", headers=make.headers(nurse)).status_code == 200
    nurse_headers, worker_headers = make.headers(nurse), make.headers(worker)
    before = take_snapshot(session)
    for headers, body, status in (
            (nurse_headers, {"steps_taken": "Not ours to record"}, 403),
            (worker_headers, {"steps_taken": ""}, 422),
            (worker_headers, {"steps_taken": "x", "stage": 2}, 422),
            (worker_headers, {"agreed_plan": "No steps"}, 422)):
        refused = client.post(steps, headers=headers, json=body)
        assert refused.status_code == status, (body, refused.json)
    [denied] = assert_nothing_written(session, before)
    assert (denied["action"], denied["object_id"]) == ("access.denied", str(case.id))
    client.post(f"/api/v1/challenges/{raised['id']}/resolve", headers=make.headers(worker),
                json={"outcome": "Visited", "agreed_plan": "Weekly visits"})
    closed = client.post(steps, headers=make.headers(officer), json={"steps_taken": "Visited again"})
    assert closed.status_code == 409
