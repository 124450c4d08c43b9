"""Daily wellbeing observations over the API: recorded where daily observation is agreed, each
threshold crossed raising an alert to the observing agency's named leads (by e-mail too, without
personal data); alerts acknowledged with the action taken, escalated to managers when not in
time; the missing-observation sweep; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from concerns.models import Alert, Observation, ObservationPlan
from concerns.services import alerts as alert_services
from hub.audit.models import AuditEvent
from hub.config import ObservationPolicy, Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from tests.conftest import app_for, with_policy
from tests.support.snapshot import assert_nothing_written, take_snapshot

NOTE = "Tearful, said she has been thinking of taking all her tablets"


@pytest.fixture
def ward(make):
    """A mental-health trust's case of a person, daily observation agreed by the trust."""
    trust = make.agency(kind="nhs_mental_health")
    lead = make.user(trust, "lead", name="Ruth Adeyemi")
    manager = make.user(trust, "manager")
    nurse = make.user(trust, name="Nurse Priya Shah")
    case = make.case(nurse, name="Daniel Frost")
    return trust, lead, manager, nurse, case


def _agree(client, make, case, user):
    response = client.put(f"/api/v1/cases/{case.id}/observation-plan", json={"daily": True},
                          headers=make.headers(user))
    assert response.status_code == 200, response.json
    return response


def _observe(client, make, case, user, scores, **extra):
    return client.post(f"/api/v1/cases/{case.id}/observations",
                       json={"scores": scores, "note": NOTE, **extra}, headers=make.headers(user))


def test_a_threshold_crossed_raises_an_alert_to_the_named_leads_naming_the_threshold_only(
        client, make, session, ward):
    _trust, lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    calm = _observe(client, make, case, nurse, {"mood": 1, "sleep": 1, "self_harm_thoughts": 0})
    assert calm.status_code == 201, calm.json
    assert calm.json["alerts"] == []
    worse = _observe(client, make, case, nurse, {"mood": 3, "sleep": 1, "self_harm_thoughts": 2})
    assert worse.status_code == 201
    assert sorted(a["threshold"] for a in worse.json["alerts"]) == ["mood_at_3", "self_harm_thoughts_at_2"]
    listed = client.get("/api/v1/alerts?status=open", headers=make.headers(lead)).json["alerts"]
    assert {(a["case_ref"], a["threshold"]) for a in listed} == {
        (case.ref, "mood_at_3"), (case.ref, "self_harm_thoughts_at_2")}
    assert "Self harm thoughts scored 2 or more" in {a["description"] for a in listed}
    # The e-mail names the case reference and the thresholds, never the person or the note.
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert.raised")).all()
    assert mail.recipient == lead.email
    assert case.ref in mail.subject
    assert "Daniel" not in mail.body
    assert "tablets" not in mail.body
    # The scores and note are encrypted at rest; the audit trail names the thresholds only.
    stored = b"".join(bytes(o.content_ciphertext) for o in session.scalars(select(Observation)))
    assert b"tablets" not in stored
    details = [e.details for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "observation.record"))]
    assert "tablets" not in str(details)
    # The case's observations read back, oldest first.
    read = client.get(f"/api/v1/cases/{case.id}/observations", headers=make.headers(nurse)).json
    assert [o["total"] for o in read["observations"]] == [2, 6]
    assert read["observations"][1]["note"] == NOTE


def test_a_rise_against_the_previous_days_raises_its_alert(client, make, ward):
    _trust, _lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    now = utcnow()
    for days_ago in (3, 2, 1):
        made = _observe(client, make, case, nurse, {"mood": 1, "sleep": 1},
                        observed_at=(now - timedelta(days=days_ago)).isoformat())
        assert made.json["alerts"] == []
    risen = _observe(client, make, case, nurse, {"mood": 2, "sleep": 2, "appetite": 2, "agitation": 1})
    assert [a["threshold"] for a in risen.json["alerts"]] == ["total_rise_5"]


def test_changing_the_policy_changes_the_alerts_raised(make, settings, database, keyring, ward):
    _trust, _lead, _manager, nurse, case = ward
    stricter = with_policy(settings, observations=ObservationPolicy(any_indicator_at=2))
    client = app_for(stricter, database, keyring).test_client()
    _agree(client, make, case, nurse)
    raised = _observe(client, make, case, nurse, {"mood": 2})
    assert [a["threshold"] for a in raised.json["alerts"]] == ["mood_at_2"]


def test_without_daily_observation_agreed_an_observation_is_refused_and_nothing_written(
        client, make, session, ward):
    _trust, _lead, _manager, nurse, case = ward
    headers = make.headers(nurse)
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/cases/{case.id}/observations", json={"scores": {"mood": 1}},
                          headers=headers)
    assert refused.status_code == 409
    assert "agreed" in refused.json["detail"]
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("body", "field"), [
    ({"scores": {"mood": 4}}, "scores.mood"),
    ({"scores": {"joy": 1}}, "scores.joy"),
    ({"scores": {}}, "scores"),
    ({"scores": {"mood": 1}, "observed_at": "2999-01-01T10:00:00+00:00"}, "observed_at"),
    # A time without its offset cannot be placed on the day: refused, not a 500.
    ({"scores": {"mood": 1}, "observed_at": "2026-12-02T09:00:00"}, "observed_at"),
])
def test_bad_scores_are_refused_by_field_and_nothing_is_written(client, make, session, ward, body, field):
    _trust, _lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    headers = make.headers(nurse)
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/cases/{case.id}/observations", json=body, headers=headers)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"]
    assert_nothing_written(session, before)


def test_a_score_that_is_not_a_whole_number_is_refused(client, make, session, ward):
    _trust, _lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    headers = make.headers(nurse)
    before = take_snapshot(session)
    assert client.post(f"/api/v1/cases/{case.id}/observations", json={"scores": {"mood": "3"}},
                       headers=headers).status_code == 422
    assert_nothing_written(session, before)


def test_a_non_member_is_told_the_case_does_not_exist(client, make, session, ward):
    _trust, _lead, _manager, _nurse, case = ward
    outsider = make.user(make.agency())
    headers = make.headers(outsider)
    before = take_snapshot(session)
    assert client.put(f"/api/v1/cases/{case.id}/observation-plan", json={"daily": True},
                      headers=headers).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/observations", json={"scores": {"mood": 1}},
                       headers=headers).status_code == 404
    assert_nothing_written(session, before)


def test_a_lead_acknowledges_with_the_action_taken_and_a_practitioner_may_not(client, make, session, ward):
    _trust, lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    [alert] = _observe(client, make, case, nurse, {"mood": 3}).json["alerts"]
    url = f"/api/v1/alerts/{alert['id']}/acknowledge"
    headers = make.headers(nurse)
    before = take_snapshot(session)
    assert client.get("/api/v1/alerts", headers=headers).status_code == 403
    assert client.post(url, json={"action_taken": "contact_person"}, headers=headers).status_code == 403
    assert_nothing_written(session, before)
    lead_headers = make.headers(lead)
    before = take_snapshot(session)
    no_reason = client.post(url, json={"action_taken": "no_action_with_reason"}, headers=lead_headers)
    assert no_reason.status_code == 422
    assert "note" in no_reason.json["errors"]
    assert_nothing_written(session, before)
    done = client.post(url, json={"action_taken": "review_crisis_plan", "note": "Crisis plan reviewed"},
                       headers=lead_headers)
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["action_taken"]) == ("acknowledged", "review_crisis_plan")
    assert client.post(url, json={"action_taken": "contact_person"}, headers=lead_headers).status_code == 409
    # Another agency's lead is told it does not exist.
    other_lead = make.user(make.agency(), "lead")
    assert client.post(url, json={"action_taken": "contact_person"},
                       headers=make.headers(other_lead)).status_code == 404


def _plan(session, case):
    return session.scalars(select(ObservationPlan).where(ObservationPlan.case_id == case.id)).one()


def test_the_sweep_raises_a_missing_observation_alert_once_and_escalates_to_managers_in_time(
        client, make, session, ward):
    trust, lead, manager, nurse, case = ward
    _agree(client, make, case, nurse)
    _observe(client, make, case, nurse, {"mood": 1})
    plan = _plan(session, case)
    policy = Policy()
    last = plan.last_observed_at
    # Not yet three days: nothing.
    assert alert_services.sweep(session, policy=policy, now=last + timedelta(days=2, hours=23)) == 0
    three_days = last + timedelta(days=3)
    assert alert_services.sweep(session, policy=policy, now=three_days) == 1
    assert alert_services.sweep(session, policy=policy, now=three_days) == 0  # idempotent
    [alert] = session.scalars(select(Alert).where(Alert.case_id == case.id)).all()
    assert (alert.threshold, alert.status) == ("missing_3_days", "open")
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert.missing")).all()
    assert mail.recipient == lead.email
    assert "1 case" in mail.body
    # Unacknowledged past four working hours: escalated to the managers, once.
    assert alert_services.sweep(session, policy=policy, now=alert.escalate_at - timedelta(minutes=1)) == 0
    assert alert_services.sweep(session, policy=policy, now=alert.escalate_at) == 1
    assert alert_services.sweep(session, policy=policy, now=alert.escalate_at) == 0
    session.refresh(alert)
    assert alert.status == "escalated"
    [escalated] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert.escalated")).all()
    assert escalated.recipient == manager.email
    # The manager sees and acknowledges it.
    listed = client.get("/api/v1/alerts?status=escalated", headers=make.headers(manager)).json["alerts"]
    assert [a["id"] for a in listed] == [str(alert.id)]
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={"action_taken": "contact_person"},
                       headers=make.headers(manager)).status_code == 200
    # A new observation restarts the clock.
    _observe(client, make, case, nurse, {"mood": 1})
    session.refresh(plan)
    assert plan.missing_due == plan.last_observed_at + timedelta(days=3)
    assert trust.id == plan.agency_id


def test_ending_daily_observation_stops_the_missing_clock(client, make, session, ward):
    _trust, _lead, _manager, nurse, case = ward
    _agree(client, make, case, nurse)
    ended = client.put(f"/api/v1/cases/{case.id}/observation-plan", json={"daily": False},
                       headers=make.headers(nurse))
    assert ended.json["daily"] is False
    assert alert_services.sweep(session, policy=Policy(), now=utcnow() + timedelta(days=30)) == 0
    assert session.scalar(select(func.count()).select_from(Alert)) == 0
