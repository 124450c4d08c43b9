"""MAPPA management (DOMAIN.md §5, DESIGN.md §4 `PUT /cases/{id}/mappa`): category and level set
by the lead agency, the review interval from policy, and the mappa-reviews job's "review due"
alerts with a proposed date, raised once and told to the lead agency's safeguarding leads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.jobs import JobContext, registered_jobs
from hub.mail.models import OutboxMessage
from hub.workdays import is_working_day
from meetings.models import MappaReviewAlert
from meetings.services.mappa import set_mappa
from meetings.tasks import mappa_reviews
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

NAME = "Sam Mappaperson"


def _world(make):
    police, probation = make.agency(), make.agency(kind="probation")
    council = make.agency(kind="council_adults")
    ConsentFactory(make).agreement(police, probation, council)
    officer, chief = make.user(police), make.user(police, "lead")
    manager, social_worker = make.user(probation), make.user(council)
    case = make.case(officer, members=(probation,), name=NAME, kind=CaseKind.MAPPA)
    return case, officer, chief, manager, social_worker


def test_the_lead_agency_sets_category_and_level_and_the_review_follows_the_level(client, make, session):
    case, officer, _chief, manager, _social_worker = _world(make)
    url = f"/api/v1/cases/{case.id}/mappa"
    assert client.get(url, headers=make.headers(manager)).status_code == 404  # nothing set yet
    today = Policy().local_date(utcnow())
    for level, weeks in ((2, 16), (3, 8)):
        answer = client.put(url, headers=make.headers(officer), json={"category": 2, "level": level})
        assert answer.status_code == 200, answer.json
        assert answer.json["next_review"] == (today + timedelta(weeks=weeks)).isoformat()
    single = client.put(url, headers=make.headers(officer), json={"category": 1, "level": 1}).json
    assert (single["category"], single["level"], single["next_review"]) == (1, 1, None)
    shown = client.get(url, headers=make.headers(manager))
    assert shown.status_code == 200
    assert shown.json["level"] == 1
    audited = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("mappa.%")))]
    assert audited.count("mappa.set") == 3
    assert "mappa.read" in audited


def test_others_may_not_set_it_and_bad_input_changes_nothing(client, make, session):
    case, officer, _chief, manager, social_worker = _world(make)
    adult = make.case(make.user(social_worker.agency), kind=CaseKind.ADULT)
    lead, member, outsider = make.headers(officer), make.headers(manager), make.headers(social_worker)
    before = take_snapshot(session)
    for headers, path, body, status in (
            (member, case.id, {"category": 2, "level": 2}, 403),
            (outsider, case.id, {"category": 2, "level": 2}, 404),
            (lead, case.id, {"category": 4, "level": 2}, 422),
            (lead, case.id, {"category": 2, "level": 0}, 422),
            (lead, case.id, {"category": 2}, 422),
            (lead, case.id, {"category": "2", "level": True}, 422)):
        answer = client.put(f"/api/v1/cases/{path}/mappa", headers=headers, json=body)
        assert answer.status_code == status, (body, answer.json)
    assert_nothing_written(session, before)
    own_adult = client.put(f"/api/v1/cases/{adult.id}/mappa", headers=make.headers(social_worker),
                           json={"category": 2, "level": 2})
    assert own_adult.status_code == 409


def test_the_job_raises_review_due_once_proposing_a_working_day_and_tells_the_leads(
        client, make, session, settings):
    case, officer, chief, manager, _social_worker = _world(make)
    # A lead of a member agency that does not lead the case: the reviews are the lead agency's.
    probation_lead = make.user(manager.agency, "lead")
    client.put(f"/api/v1/cases/{case.id}/mappa", headers=make.headers(officer),
               json={"category": 2, "level": 2})
    due = Policy().local_date(utcnow()) + timedelta(weeks=16)
    early = datetime.combine(due - timedelta(days=60), datetime.min.time(), UTC)
    assert mappa_reviews(session, JobContext(early, settings)) == 0
    near = datetime.combine(due - timedelta(days=7), datetime.min.time(), UTC)
    assert mappa_reviews(session, JobContext(near, settings)) == 1
    assert mappa_reviews(session, JobContext(near, settings)) == 0  # idempotent
    [alert] = session.scalars(select(MappaReviewAlert)).all()
    assert alert.due_date == due
    assert alert.proposed_date <= due
    assert is_working_day(alert.proposed_date)
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mappa.review_due")).all()
    assert mail.recipient == chief.email  # the lead agency's safeguarding lead, not the officer
    assert case.ref in mail.subject
    assert NAME not in mail.subject + mail.body
    session.commit()
    shown = client.get(f"/api/v1/cases/{case.id}/mappa", headers=make.headers(officer)).json
    assert (shown["review_due"], shown["proposed_date"]) == (due.isoformat(), alert.proposed_date.isoformat())
    dashboard = client.get("/", headers=make.headers(chief)).get_data(as_text=True)
    assert "MAPPA reviews due" in dashboard
    assert case.ref in dashboard
    partner_dashboard = client.get("/", headers=make.headers(probation_lead)).get_data(as_text=True)
    assert "MAPPA reviews due" not in partner_dashboard
    # The review held a week before it was due, the lead agency saves the level again: the alert
    # is closed and the next review is due 16 weeks on.
    set_mappa(session, Actor(officer, "test"), case.id, category=2, level=2, policy=Policy(), now=near)
    session.commit()
    again = client.get(f"/api/v1/cases/{case.id}/mappa", headers=make.headers(officer)).json
    assert again["review_due"] is None
    assert again["next_review"] == (near.date() + timedelta(weeks=16)).isoformat()
    assert "MAPPA reviews due" not in client.get("/", headers=make.headers(chief)).get_data(as_text=True)


def test_the_review_interval_and_notice_come_from_policy(client, make, session, settings):
    case, officer, _chief, _manager, _social_worker = _world(make)
    client.put(f"/api/v1/cases/{case.id}/mappa", headers=make.headers(officer),
               json={"category": 3, "level": 3})
    due = Policy().local_date(utcnow()) + timedelta(weeks=8)
    at = datetime.combine(due - timedelta(days=21), datetime.min.time(), UTC)
    assert mappa_reviews(session, JobContext(at, settings)) == 0  # ten working days' notice
    longer = replace(settings, policy=replace(settings.policy, mappa_review_notice_working_days=20))
    assert mappa_reviews(session, JobContext(at, longer)) == 1


def test_the_job_is_registered_by_its_contract_name():
    assert "mappa-reviews" in registered_jobs()


def test_the_case_page_shows_the_level_and_the_lead_agency_sets_it_through_the_form(client, make, session):
    case, officer, _chief, manager, _social_worker = _world(make)
    page = client.get(f"/cases/{case.id}", headers=make.headers(officer)).get_data(as_text=True)
    assert "MAPPA management" in page
    assert "Set the category and level" in page
    member_page = client.get(f"/cases/{case.id}", headers=make.headers(manager)).get_data(as_text=True)
    assert "Set the category and level" not in member_page
    form = client.get(f"/cases/{case.id}/mappa", headers=make.headers(officer))
    assert form.status_code == 200
    bad = client.post(f"/cases/{case.id}/mappa", headers=make.headers(officer), data={"category": "2"})
    assert bad.status_code == 422
    assert "Choose level 1, 2 or 3" in bad.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/mappa", headers=make.headers(officer),
                       data={"category": "2", "level": "2"})
    assert done.status_code == 303
    shown = client.get(f"/cases/{case.id}", headers=make.headers(manager)).get_data(as_text=True)
    assert "Level 2: multi-agency management" in shown
