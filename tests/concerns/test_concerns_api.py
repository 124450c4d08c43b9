"""Concerns over the API: raised by any practitioner for the agency's named leads, matched to the
agency's own case only, triaged by a named lead with the reasons; each outcome makes what it
implies in one transaction; bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from concerns.models import Concern
from hub.audit.models import AuditEvent
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from hub.workdays import add_working_days
from meetings.models import MaracReferral
from tests.support.snapshot import assert_nothing_written, take_snapshot

NAME = "Margaret Ellery"
BORN = date(1941, 3, 9)
ACCOUNT = "Bruising to both forearms; she said her son grips her when he is angry."


def _today() -> date:
    return Policy().local_date(utcnow())


def _body(**changes):
    return {"subject": {"name": NAME, "date_of_birth": BORN.isoformat()}, "categories": ["physical"],
            "account": ACCOUNT, "opinion": "The injuries look deliberate.", "immediate_risk": False,
            "views": "She wants her son to get help", "desired_outcomes": "To stay at home safely",
            "person_aware": True, "consent_status": "obtained", **changes}


def _agency(make):
    council = make.agency(kind="council_adults")
    lead = make.user(council, "lead", name="Hannah Okafor")
    worker = make.user(council, name="Sam Carter")
    return council, lead, worker


def _s42(**answers):
    base = {q: {"answer": True, "evidence": f"Evidence for {q}"}
            for q in ("care_and_support_needs", "experiencing_or_at_risk", "unable_to_protect")}
    return {**base, **answers}


def test_a_concern_goes_to_the_named_leads_with_the_end_of_the_next_working_day_as_deadline(
        client, make, session):
    _council, lead, worker = _agency(make)
    raised = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker))
    assert raised.status_code == 201, raised.json
    assert raised.json["status"] == "awaiting_triage"
    due = datetime.fromisoformat(raised.json["triage_due"])
    assert (due.date(), due.hour, due.minute) == (add_working_days(_today(), 1), 17, 0)
    assert due.utcoffset() in (timedelta(0), timedelta(hours=1))  # Europe/London
    # The lead's queue lists it; the practitioner sees the ones they raised.
    queue = client.get("/api/v1/concerns?status=awaiting_triage", headers=make.headers(lead)).json
    assert [c["id"] for c in queue["concerns"]] == [raised.json["id"]]
    assert queue["concerns"][0]["overdue"] is False
    mine = client.get("/api/v1/concerns", headers=make.headers(worker)).json
    assert [c["id"] for c in mine["concerns"]] == [raised.json["id"]]
    # What was seen is encrypted at rest, and never in the audit trail.
    row = session.get(Concern, uuid.UUID(raised.json["id"]))
    assert ACCOUNT.encode() not in bytes(row.texts_ciphertext)
    assert NAME.encode() not in bytes(row.subject_ciphertext)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "concern.raise")).all()
    assert len(events) == 1
    assert ACCOUNT not in str(events[0].details)


def test_immediate_risk_e_mails_every_named_lead_at_once_without_personal_data(client, make, session):
    council, lead, worker = _agency(make)
    second = make.user(council, "lead")
    make.user(council, "manager")
    raised = client.post("/api/v1/concerns", json=_body(immediate_risk=True,
                                                        immediate_action="Called the police"),
                         headers=make.headers(worker))
    assert raised.status_code == 201, raised.json
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "concern.immediate_risk")).all()
    assert sorted(m.recipient for m in mail) == sorted([lead.email, second.email])
    for message in mail:
        assert NAME not in message.body
        assert "forearms" not in message.body
        assert message.link_path == f"/concerns/{raised.json['id']}"


def test_immediate_risk_without_what_was_done_is_refused_and_nothing_is_written(client, make, session):
    _council, _lead, worker = _agency(make)
    headers = make.headers(worker)
    before = take_snapshot(session)
    refused = client.post("/api/v1/concerns", json=_body(immediate_risk=True), headers=headers)
    assert refused.status_code == 422
    assert "immediate_action" in refused.json["errors"]
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("changes", "field"), [
    ({"categories": []}, "categories"),
    ({"categories": ["emotional"]}, "categories"),  # a child's category, for an adult
    ({"categories": ["physical", "physical"]}, "categories"),
    ({"account": ""}, "account"),
    ({"consent_status": "maybe"}, "consent_status"),
    ({"subject": {"name": "", "date_of_birth": "1941-03-09"}}, "subject.name"),
    ({"subject": {"name": NAME, "date_of_birth": "2999-01-01"}}, "subject.date_of_birth"),
])
def test_a_concern_with_a_problem_is_refused_by_field_and_nothing_is_written(
        client, make, session, changes, field):
    _council, _lead, worker = _agency(make)
    headers = make.headers(worker)
    before = take_snapshot(session)
    refused = client.post("/api/v1/concerns", json=_body(**changes), headers=headers)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"], refused.json
    assert_nothing_written(session, before)


def test_a_child_concern_takes_working_togethers_categories(client, make):
    _council, _lead, worker = _agency(make)
    child = {"name": "Tyler Brook", "date_of_birth": (_today() - timedelta(days=9 * 365)).isoformat()}
    adult_category = client.post("/api/v1/concerns",
                                 json=_body(subject=child, categories=["financial_material"]),
                                 headers=make.headers(worker))
    assert adult_category.status_code == 422
    assert "Working Together" in adult_category.json["errors"]["categories"]
    assert client.post("/api/v1/concerns", json=_body(subject=child, categories=["emotional"]),
                       headers=make.headers(worker)).status_code == 201


def test_a_named_person_is_matched_to_the_agencys_own_case_but_never_to_another_agencys(client, make):
    council, _lead, worker = _agency(make)
    police = make.agency()
    officer = make.user(police)
    theirs = make.case(officer, name=NAME, dob=BORN)  # the police's case of the same person
    raised = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    assert raised["case_id"] is None  # the police's case is not revealed
    ours = make.case(worker, name=NAME, dob=BORN)
    matched = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    assert matched["case_id"] == str(ours.id) != str(theirs.id)
    assert council.id != police.id


def test_a_case_of_another_agency_is_not_found(client, make, session):
    _council, _lead, worker = _agency(make)
    officer = make.user(make.agency())
    theirs = make.case(officer)
    body = _body(case_id=str(theirs.id))
    del body["subject"]
    headers = make.headers(worker)
    before = take_snapshot(session)
    refused = client.post("/api/v1/concerns", json=body, headers=headers)
    assert refused.status_code == 404
    assert_nothing_written(session, before)


def test_an_s42_outcome_records_the_three_part_test_opens_the_adult_case_and_proposes_the_strategy_meeting(
        client, make, session):
    council, lead, worker = _agency(make)
    concern = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    triaged = client.post(f"/api/v1/concerns/{concern['id']}/triage", json={
        "outcome": "s42_enquiry", "rationale": "All three parts of the test are met", "s42": _s42()},
        headers=make.headers(lead))
    assert triaged.status_code == 200, triaged.json
    assert (triaged.json["status"], triaged.json["outcome"]) == ("triaged", "s42_enquiry")
    case = session.get(Case, uuid.UUID(triaged.json["case_id"]))
    assert (case.kind, case.lead_agency_id) == (CaseKind.ADULT, council.id)
    # The strategy meeting's clock: 5 working days from the decision to make enquiries.
    assert date.fromisoformat(triaged.json["strategy_due"]) == add_working_days(_today(), 5)
    # A second concern about her links the same case rather than opening another.
    again = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    assert again["case_id"] == str(case.id)
    linked = client.post(f"/api/v1/concerns/{again['id']}/triage", json={
        "outcome": "s42_enquiry", "rationale": "Further abuse", "s42": _s42()}, headers=make.headers(lead))
    assert linked.json["case_id"] == str(case.id)
    assert session.scalar(select(AuditEvent.details).where(AuditEvent.action == "concern.triage")
                          .order_by(AuditEvent.id).limit(1))["outcome"] == "s42_enquiry"


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "s42_enquiry", "rationale": "Met"}, "s42.care_and_support_needs"),
    ({"outcome": "s42_enquiry", "rationale": "Met",
      "s42": _s42(unable_to_protect={"answer": True, "evidence": ""})}, "s42.unable_to_protect.evidence"),
    ({"outcome": "s42_enquiry", "rationale": "Met",
      "s42": _s42(unable_to_protect={"answer": False, "evidence": "She protects herself"})}, "outcome"),
    ({"outcome": "no_further_action", "rationale": ""}, "rationale"),
    ({"outcome": "marac_referral", "rationale": "High risk"}, "dash_score"),
    ({"outcome": "marac_referral", "rationale": "High risk", "dash_score": 25}, "dash_score"),
    ({"outcome": "other_agency", "rationale": "For housing"}, "referred_to"),
    ({"outcome": "child_referral", "rationale": "A child"}, "outcome"),
    ({"outcome": "shrug", "rationale": "Why not"}, "outcome"),
])
def test_a_triage_with_a_problem_is_refused_by_field_and_nothing_is_written(
        client, make, session, body, field):
    _council, lead, worker = _agency(make)
    concern = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    headers = make.headers(lead)
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/concerns/{concern['id']}/triage", json=body, headers=headers)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"], refused.json
    assert_nothing_written(session, before)


def test_only_a_named_lead_of_the_agency_triages(client, make, session):
    council, lead, worker = _agency(make)
    concern = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    url = f"/api/v1/concerns/{concern['id']}/triage"
    body = {"outcome": "advice_given", "rationale": "Advice on a carer's assessment"}
    # The person who raised it sees it, but is not a named lead: 403, audited.
    headers = make.headers(worker)
    before = take_snapshot(session)
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 403
    [event] = assert_nothing_written(session, before)
    assert (event["action"], event["object_id"]) == ("access.denied", concern["id"])
    # Another agency's lead is told it does not exist.
    outsider = make.user(make.agency(), "lead")
    headers = make.headers(outsider)
    before = take_snapshot(session)
    assert client.post(url, json=body, headers=headers).status_code == 404
    assert_nothing_written(session, before)
    # A colleague who did not raise it and is not a lead cannot even see it.
    colleague = make.user(council)
    assert client.get("/api/v1/concerns", headers=make.headers(colleague)).json["concerns"] == []
    done = client.post(url, json=body, headers=make.headers(lead))
    assert done.status_code == 200
    assert client.post(url, json=body, headers=make.headers(lead)).status_code == 409


def test_a_deputy_named_for_today_triages_and_one_whose_days_are_over_does_not(client, make, session):
    from concerns.models import Deputy
    council, lead, worker = _agency(make)
    deputy = make.user(council, "manager")
    today = _today()
    session.add(Deputy(agency_id=council.id, user_id=deputy.id, starts=today - timedelta(days=1),
                       ends=today + timedelta(days=1), named_by_id=lead.id, named_at=utcnow()))
    session.commit()
    concern = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    done = client.post(f"/api/v1/concerns/{concern['id']}/triage",
                       json={"outcome": "advice_given", "rationale": "Advice given"},
                       headers=make.headers(deputy))
    assert done.status_code == 200, done.json
    former = make.user(council, "manager")
    session.add(Deputy(agency_id=council.id, user_id=former.id, starts=today - timedelta(days=10),
                       ends=today - timedelta(days=3), named_by_id=lead.id,
                       named_at=utcnow()))
    session.commit()
    other = client.post("/api/v1/concerns", json=_body(), headers=make.headers(worker)).json
    assert client.post(f"/api/v1/concerns/{other['id']}/triage",
                       json={"outcome": "advice_given", "rationale": "Advice"},
                       headers=make.headers(former)).status_code == 404


def test_a_marac_referral_carries_the_dash_count_into_a_marac_referral(client, make, session):
    _council, lead, worker = _agency(make)
    concern = client.post("/api/v1/concerns", json=_body(categories=["domestic"]),
                          headers=make.headers(worker)).json
    triaged = client.post(f"/api/v1/concerns/{concern['id']}/triage", json={
        "outcome": "marac_referral", "rationale": "High risk of serious harm", "dash_score": 16},
        headers=make.headers(lead))
    assert triaged.status_code == 200, triaged.json
    case = session.get(Case, uuid.UUID(triaged.json["case_id"]))
    assert case.kind == CaseKind.MARAC
    referral = session.get(MaracReferral, case.id)
    assert (referral.dash_score, referral.criteria) == (16, ["visible_high_risk"])
    # Below the threshold, the lead's reasons are the professional judgement that refers her; a
    # second referral within 12 months is a repeat (SafeLives), which the referring agency may be
    # told of, being a member of the first.
    low = client.post("/api/v1/concerns", json=_body(categories=["domestic"]),
                      headers=make.headers(worker)).json
    below = client.post(f"/api/v1/concerns/{low['id']}/triage", json={
        "outcome": "marac_referral", "rationale": "Escalating coercive control", "dash_score": 9},
        headers=make.headers(lead)).json
    assert session.get(MaracReferral, uuid.UUID(below["case_id"])).criteria == ["professional_judgement",
                                                                                  "repeat"]


def test_a_deputy_is_a_practitioner_or_manager_of_the_agency_for_a_year_at_most(make, session):
    from concerns.services.leads import name_deputy
    from hub.actor import Actor
    from hub.errors import ValidationFailed
    council, lead, worker = _agency(make)
    today = _today()
    auditor, officer = make.user(council, "auditor"), make.user(make.agency())
    for person, field in ((auditor, "user_id"), (officer, "user_id"), (lead, "user_id")):
        with pytest.raises(ValidationFailed) as refused:
            name_deputy(session, Actor(lead, "test"), user_id=person.id, starts=today, ends=today,
                        today=today, now=utcnow())
        assert field in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        name_deputy(session, Actor(lead, "test"), user_id=worker.id, starts=today,
                    ends=today + timedelta(days=400), today=today, now=utcnow())
    assert "ends" in refused.value.errors
    named = name_deputy(session, Actor(lead, "test"), user_id=worker.id, starts=today,
                        ends=today + timedelta(days=14), today=today, now=utcnow())
    assert (named.name, named.deputy) == (worker.name, True)
