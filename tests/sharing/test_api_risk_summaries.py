"""Risk summaries and crisis plans over the API: versions, encryption at rest, audited reads,
members only, every check keyed by field with nothing written, and the generic-content warnings."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from sharing.models import RiskSummary, RiskSummaryText
from sharing.rules import RiskSummaryIn
from sharing.services import risk_summaries as risk_services
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

SIGNS = "Stops answering the door and stops eating when her son's release date nears"


def _today() -> date:
    """The local date the hub judges review dates by (Europe/London)."""
    return Policy().local_date(utcnow())


def plan(**changes):
    content = {
        "risk_to": "Herself, from her son",
        "risk_factors": "Her son's release in March; two overdoses after his last release",
        "protective_factors": "Her sister visits on Sundays; she trusts the practice nurse",
        "early_warning_signs": SIGNS,
        "de_escalation": "Her sister calls first; a visit by the nurse she knows, never a stranger",
        "coping_strategies": "Walking the dog; the allotment",
        "contacts": [
            {"stage": 1, "name": "Priya Shah", "role": "Practice nurse", "route": "01632 960001",
             "hours": "Mon-Fri 8-6"},
            {"stage": 3, "name": "Crisis team duty desk", "role": "Crisis resolution",
             "route": "01632 960999", "hours": "24 hours"},
        ],
        "statutory_thresholds": "Mental Health Act assessment if she stops eating for three days",
        "wishes": "Does not want to be admitted to the ward she was on in 2022",
        "agreed_with_person": True,
        "next_review": (_today() + timedelta(days=90)).isoformat(),
        "reviewer": "Priya Shah",
    }
    level = changes.pop("level", "high")
    based_on = changes.pop("based_on", None)
    content.update(changes)
    body = {"level": level, "content": content}
    if based_on is not None:
        body["based_on"] = based_on
    return body


def _case(make):
    trust, police = make.agency(kind="nhs_mental_health"), make.agency()
    nurse = make.user(trust)
    ConsentFactory(make).agreement(trust, police)
    case = make.case(nurse, members=(police,))
    return nurse, police, case


def _audited(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_member_writes_versions_and_partners_read_the_latest_and_each_version(client, make, session):
    nurse, police, case = _case(make)
    officer = make.user(police)
    base = f"/api/v1/cases/{case.id}/risk-summaries"
    first = client.post(base, json=plan(), headers=make.headers(nurse))
    assert first.status_code == 201, first.json
    assert first.json["version"] == 1
    assert first.json["warnings"] == {}
    second = client.post(base, json=plan(level="very_high", coping_strategies="The allotment",
                                          based_on=1), headers=make.headers(officer))
    assert second.status_code == 201, second.json
    assert second.json["version"] == 2

    latest = client.get(f"{base}/latest", headers=make.headers(nurse))
    assert latest.status_code == 200
    assert (latest.json["version"], latest.json["level"], latest.json["agency"]) == (
        2, "very_high", police.code)
    assert latest.json["content"]["coping_strategies"] == "The allotment"
    assert latest.json["content"]["contacts"][1]["route"] == "01632 960999"
    assert latest.json["review_overdue"] is False
    older = client.get(f"{base}/1", headers=make.headers(officer))
    assert older.status_code == 200
    assert older.json["content"]["coping_strategies"] == "Walking the dog; the allotment"
    assert older.json["author"] == nurse.name

    listed = client.get(base, headers=make.headers(officer))
    assert [v["version"] for v in listed.json["risk_summaries"]] == [2, 1]
    assert "content" not in listed.json["risk_summaries"][0]
    assert listed.json["next_offset"] is None
    for missing in (3, 0, 2**63, 10**30):
        assert client.get(f"{base}/{missing}", headers=make.headers(nurse)).status_code == 404

    reads = _audited(session, "risk_summary.read")
    assert [(e.case_id, e.details["version"]) for e in reads] == [(case.id, 2), (case.id, 1)]
    assert len(_audited(session, "risk_summary.record")) == 2
    assert len(_audited(session, "risk_summary.list")) == 1


def test_the_content_is_not_stored_in_the_clear(client, make, session):
    nurse, _police, case = _case(make)
    body = plan()
    created = client.post(f"/api/v1/cases/{case.id}/risk-summaries", json=body,
                          headers=make.headers(nurse))
    assert created.status_code == 201
    stored = b""
    for table in (RiskSummary.__table__, RiskSummaryText.__table__):
        for raw in session.connection().execute(select(table)).all():
            stored += b"".join(v if isinstance(v, bytes) else str(v).encode()
                               for v in raw._mapping.values())
    for name in ("early_warning_signs", "wishes", "de_escalation", "reviewer"):
        assert body["content"][name].encode() not in stored, f"{name} is stored in the clear"
    assert b"Priya Shah" not in stored
    assert b"01632 960999" not in stored
    assert b"high" in stored  # the level stays plain, for lists and the dashboard


def test_non_members_are_told_the_case_does_not_exist(client, make, session):
    nurse, _police, case = _case(make)
    assert client.post(f"/api/v1/cases/{case.id}/risk-summaries", json=plan(),
                       headers=make.headers(nurse)).status_code == 201
    headers = make.headers(make.user(make.agency()))
    before = take_snapshot(session)
    for method, path, body in (
            ("POST", f"/api/v1/cases/{case.id}/risk-summaries", plan()),
            ("GET", f"/api/v1/cases/{case.id}/risk-summaries", None),
            ("GET", f"/api/v1/cases/{case.id}/risk-summaries/latest", None),
            ("GET", f"/api/v1/cases/{case.id}/risk-summaries/1", None)):
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code == 404, (method, path)
        assert "Herself" not in answer.get_data(as_text=True)
    audited = assert_nothing_written(session, before)
    assert {e["action"] for e in audited} == {"access.denied"}


@pytest.mark.parametrize(("change", "field"), [
    ({"level": "extreme"}, "level"),
    ({"next_review": "2001-01-01"}, "content.next_review"),
    ({"next_review": "next week"}, "content.next_review"),
    ({"contacts": [{"stage": 5, "name": "A", "role": "B", "route": "C"}]}, "content.contacts.0.stage"),
    ({"contacts": [{"stage": 1, "name": "A", "role": "B", "route": " "}]}, "content.contacts.0.route"),
    ({"contacts": [{"stage": 1, "name": "A", "role": "B"}]}, "content.contacts.0.route"),
    ({"wishes": "x" * 10_001}, "content.wishes"),
    ({"wishes": "nul\x00here"}, "content.wishes"),
    ({"agreed_with_person": "yes"}, "content.agreed_with_person"),
    ({"colour": "blue"}, "content.colour"),
    ({"based_on": 0}, "based_on"),
])
def test_a_plan_that_breaks_a_rule_is_refused_by_field_and_nothing_is_written(client, make, session,
                                                                           change, field):
    nurse, _police, case = _case(make)
    headers = make.headers(nurse)
    before = take_snapshot(session)
    answer = client.post(f"/api/v1/cases/{case.id}/risk-summaries", json=plan(**change),
                         headers=headers)
    assert answer.status_code == 422, answer.json
    assert answer.mimetype == "application/problem+json"
    assert any(key == field or key.endswith(field.removeprefix("content.")) for key in
               answer.json["errors"]), answer.json["errors"]
    assert_nothing_written(session, before)


def test_a_version_written_from_an_older_one_is_refused_with_409(client, make, session):
    nurse, _police, case = _case(make)
    base = f"/api/v1/cases/{case.id}/risk-summaries"
    headers = make.headers(nurse)
    for expected in (1, 2):
        assert client.post(base, json=plan(), headers=headers).json["version"] == expected
    before = take_snapshot(session)
    stale = client.post(base, json=plan(based_on=1), headers=headers)
    assert stale.status_code == 409
    assert "Version 2" in stale.json["detail"]
    assert_nothing_written(session, before)


def test_empty_and_copied_fields_are_warned_about_but_the_version_is_saved(client, make, session):
    nurse, _police, case = _case(make)
    other_nurse, _p, other_case = _case(make)
    assert client.post(f"/api/v1/cases/{other_case.id}/risk-summaries", json=plan(),
                       headers=make.headers(other_nurse)).status_code == 201
    # The same words as the other case's plan, typed differently (case, spacing, punctuation).
    copied = "  stops answering the DOOR, and stops eating when her son's release-date nears. "
    own = {name: f"{value}, as she told us on her own case" for name, value in plan()["content"].items()
           if name in ("risk_to", "risk_factors", "protective_factors", "de_escalation",
                       "statutory_thresholds", "wishes")}
    saved = client.post(f"/api/v1/cases/{case.id}/risk-summaries",
                        json=plan(**own, early_warning_signs=copied, coping_strategies="",
                                  contacts=[], agreed_with_person=None, reviewer=""),
                        headers=make.headers(nurse))
    assert saved.status_code == 201, saved.json
    warnings = saved.json["warnings"]
    assert set(warnings) == {"early_warning_signs", "coping_strategies", "contacts",
                             "agreed_with_person", "reviewer"}
    assert "another case" in warnings["early_warning_signs"]
    assert "empty" in warnings["coping_strategies"]
    # The other case's words are never shown, and its own earlier version is not "another case".
    assert SIGNS not in str(saved.json)
    again = client.post(f"/api/v1/cases/{case.id}/risk-summaries",
                        json=plan(**own, early_warning_signs="Her own signs, written for her",
                                  coping_strategies="Her garden"),
                        headers=make.headers(nurse))
    assert again.json["warnings"] == {}
    [event] = [e for e in _audited(session, "risk_summary.record") if e.case_id == case.id][:1]
    assert event.details["warnings"] == sorted(warnings)


def test_a_plan_whose_review_date_has_passed_is_flagged(client, make, session, envelope):
    nurse, police, case = _case(make)
    written_on = _today() - timedelta(days=100)
    risk_services.record_summary(
        session, Actor(nurse, "test"), case.id,
        RiskSummaryIn(level="medium", risk_to="Herself", next_review=written_on + timedelta(days=90)),
        envelope=envelope, now=utcnow(), today=written_on)
    session.commit()
    latest = client.get(f"/api/v1/cases/{case.id}/risk-summaries/latest", headers=make.headers(nurse))
    assert latest.json["review_overdue"] is True
    officer = make.user(police)
    [overdue] = risk_services.overdue_plans(session, officer, today=_today())
    assert (overdue.case_id, overdue.case_ref, overdue.version) == (case.id, case.ref, 1)
    assert risk_services.overdue_plans(session, make.user(make.agency()), today=_today()) == []
    # A new version with a review date ahead takes the case off the list.
    assert client.post(f"/api/v1/cases/{case.id}/risk-summaries", json=plan(),
                       headers=make.headers(nurse)).status_code == 201
    assert risk_services.overdue_plans(session, officer, today=_today()) == []


def test_a_case_without_a_plan_answers_404_for_latest(client, make):
    nurse, _police, case = _case(make)
    answer = client.get(f"/api/v1/cases/{case.id}/risk-summaries/latest", headers=make.headers(nurse))
    assert answer.status_code == 404
    assert "no risk summary" in answer.json["detail"]
    assert client.get(f"/api/v1/cases/{uuid.uuid4()}/risk-summaries/latest",
                      headers=make.headers(nurse)).status_code == 404
