"""MARAC referrals, the coordinator's queue, listing within capacity and the agenda's order
(DOMAIN.md §4, DESIGN.md §4): a repeat reaches the coordinator whoever referred it, and a referrer
that is not a member of the earlier case is told nothing (the same status and body shape)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.cases import services as case_services
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from meetings.models import MaracReferral
from tests.meetings.helpers import marac_partnership
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

COORDINATOR = "MARAC-CO"
NAME = "Jordan Repeatperson"
REFERRAL = {"dash_score": 15, "incidents_12_months": 1, "children": True, "victim_aware": True}


@pytest.fixture
def settings(settings):
    return replace(settings, policy=replace(settings.policy, marac_coordinator_agency=COORDINATOR))


def _world(make):
    chair, officer, nurse, _police = marac_partnership(make, COORDINATOR)
    first = make.case(officer, kind=CaseKind.MARAC, name=NAME)
    # The trust refers the same person: a repeat, of a case the trust is not a member of.
    second = make.case(nurse, kind=CaseKind.MARAC, name=NAME)
    return chair, officer, nurse, first, second


def test_a_repeat_reaches_the_coordinator_but_not_a_referrer_outside_the_earlier_case(client, make):
    chair, officer, nurse, first, second = _world(make)
    told = client.put(f"/api/v1/cases/{second.id}/marac-referral", headers=make.headers(nurse), json=REFERRAL)
    assert told.status_code == 200, told.json
    assert told.json["criteria"] == ["visible_high_risk"]  # nothing about the earlier referral
    # A first referral's answer has the same shape.
    fresh = make.case(officer, kind=CaseKind.MARAC, name="Sam Firstperson")
    first_answer = client.put(f"/api/v1/cases/{fresh.id}/marac-referral", headers=make.headers(officer),
                              json=REFERRAL)
    assert set(first_answer.json) == set(told.json)
    queue = client.get("/api/v1/marac/queue", headers=make.headers(chair))
    assert queue.status_code == 200, queue.json
    entry = next(e for e in queue.json["referrals"] if e["case_id"] == str(second.id))
    assert (entry["repeat"], entry["earlier_ref"]) == (True, first.ref)
    assert NAME not in queue.get_data(as_text=True)
    for outsider in (nurse, officer):
        assert client.get("/api/v1/marac/queue", headers=make.headers(outsider)).status_code == 403


def test_the_coordinator_lists_referrals_within_capacity_and_the_agenda_puts_children_first(
        client, make, session, envelope):
    chair, officer, nurse, first, second = _world(make)
    client.put(f"/api/v1/cases/{first.id}/marac-referral", headers=make.headers(officer),
               json={**REFERRAL, "children": False})
    client.put(f"/api/v1/cases/{second.id}/marac-referral", headers=make.headers(nurse), json=REFERRAL)
    # A person last referred 13 months ago: twelve months have passed, a new referral.
    old = case_services.create_case(
        session, Actor(officer, "test"), kind=CaseKind.MARAC, subject=case_services.Subject(
            "Alex Oldperson", first.created_at.date().replace(year=1985)), agency_codes=[],
        envelope=envelope, policy=Policy(), now=utcnow() - timedelta(days=400))
    session.commit()
    again = make.case(officer, kind=CaseKind.MARAC, name="Alex Oldperson",
                      dob=first.created_at.date().replace(year=1985))
    client.put(f"/api/v1/cases/{again.id}/marac-referral", headers=make.headers(officer), json=REFERRAL)
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    convened = client.post("/api/v1/meetings", headers=make.headers(chair), json={
        "kind": "marac", "title": "Northshire MARAC", "location": "Room 1", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "case_ids": [], "capacity": 3,
        "rrule": "FREQ=WEEKLY;INTERVAL=2;COUNT=6"})
    assert convened.status_code == 201, convened.json
    meeting = convened.json["id"]
    url = f"/api/v1/meetings/{meeting}/cases"
    for case in (first, second, again):
        listed = client.post(url, headers=make.headers(chair), json={"case_id": str(case.id)})
        assert listed.status_code == 201, listed.json
    assert client.post(url, headers=make.headers(chair), json={"case_id": str(second.id)}).status_code == 409
    extra = make.case(officer, kind=CaseKind.MARAC, name="Pat Extraperson")
    client.put(f"/api/v1/cases/{extra.id}/marac-referral", headers=make.headers(officer), json=REFERRAL)
    full = client.post(url, headers=make.headers(chair), json={"case_id": str(extra.id)})
    assert full.status_code == 409
    assert "full" in full.json["detail"]
    assert client.post(url, headers=make.headers(officer), json={"case_id": str(extra.id)}).status_code == 403
    agenda = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=make.headers(chair)).json
    assert "OFFICIAL-SENSITIVE" in agenda["statement"]
    assert [(s["title"], [c["case_ref"] for c in s["cases"]]) for s in agenda["sections"]] == [
        ("New cases with children", [second.ref]), ("Adult-only cases", [first.ref]),
        ("Cases where 12 months have passed", [again.ref])]
    # The trust sees the meeting (its case is on it) and the agenda, without the repeat named.
    trust_view = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=make.headers(nurse))
    assert trust_view.status_code == 200
    trust_second = trust_view.json["sections"][0]["cases"][0]
    assert "repeat" not in trust_second["criteria"]
    assert session.scalar(select(MaracReferral.listed_meeting_id).where(
        MaracReferral.case_id == second.id)) == uuid.UUID(meeting)
    del old


def test_a_referral_that_meets_no_criterion_or_is_incomplete_is_refused_and_changes_nothing(
        client, make, session):
    _chair, officer, nurse, first, _second = _world(make)
    adult = make.case(officer, kind=CaseKind.ADULT)
    lead, member = make.headers(officer), make.headers(nurse)
    before = take_snapshot(session)
    for headers, case, body, status, field in (
            (lead, first, {**REFERRAL, "dash_score": 9}, 422, "dash_score"),
            (lead, first, {**REFERRAL, "dash_score": 30}, 422, "dash_score"),
            (lead, first, {**REFERRAL, "victim_aware": False}, 422, "not_aware_reason"),
            (member, first, REFERRAL, 404, None),
            (lead, adult, REFERRAL, 409, None)):
        answer = client.put(f"/api/v1/cases/{case.id}/marac-referral", headers=headers, json=body)
        assert answer.status_code == status, (body, answer.json)
        if field:
            assert field in answer.json["errors"]
    assert_nothing_written(session, before)
    judged = client.put(f"/api/v1/cases/{first.id}/marac-referral", headers=lead, json={
        **REFERRAL, "dash_score": 9, "professional_judgement": "Threats to kill last week"})
    assert judged.json["criteria"] == ["professional_judgement"]


def test_each_agency_records_its_research_and_what_it_withheld_with_its_decision(client, make, session):
    chair, officer, nurse, first, second = _world(make)
    client.put(f"/api/v1/cases/{first.id}/marac-referral", headers=make.headers(officer), json=REFERRAL)
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting = client.post("/api/v1/meetings", headers=make.headers(chair), json={
        "kind": "marac", "title": "MARAC", "location": "Room 1", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "case_ids": []}).json["id"]
    client.post(f"/api/v1/meetings/{meeting}/cases", headers=make.headers(chair),
                json={"case_id": str(first.id)})
    decision = ConsentFactory(make).decision(officer, first, recipients=(COORDINATOR,))
    url = f"/api/v1/meetings/{meeting}/research"
    headers = make.headers(officer)
    missing = client.post(url, headers=headers, json={"case_id": str(first.id), "brought": "Two call-outs",
                                                      "withheld": "An informant's name"})
    assert missing.status_code == 422
    assert {"withheld_reason", "decision_id"} <= set(missing.json["errors"])
    done = client.post(url, headers=headers, json={
        "case_id": str(first.id), "brought": "Two call-outs in March", "withheld": "An informant's name",
        "withheld_reason": "It would put the informant at risk", "decision_id": str(decision.id)})
    assert done.status_code == 201, done.json
    assert client.post(url, headers=make.headers(nurse), json={"case_id": str(first.id),
                                                               "brought": "x"}).status_code == 404
    mine = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=headers).json
    [entry] = [c for s in mine["sections"] for c in s["cases"]]
    assert entry["member"] is True
    assert entry["research"][0]["withheld_reason"] == "It would put the informant at risk"
    coordinator_view = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=make.headers(chair)).json
    [seen] = [c for s in coordinator_view["sections"] for c in s["cases"]]
    assert (seen["member"], seen["research"]) == (False, [])
    del second
