"""The case pages: open a case through the form and check-your-answers, the case page's members,
and the lead agency's pages to add and remove member agencies."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases.models import Case, CaseKind, CaseMembership
from hub.db import utcnow
from hub.security import CSRF_HEADER
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

NAME = "Robin Pageperson"
FORM = {"kind": "child", "name": NAME, "date_of_birth-day": "3", "date_of_birth-month": "11",
        "date_of_birth-year": "2015"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True)).text


def actions(session, case_id: uuid.UUID) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.id)))


def current_codes(session, case_id: uuid.UUID) -> set[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    case = session.get(Case, case_id)
    return {m.agency.code for m in case.current_memberships}


# --- opening a case -----------------------------------------------------------------------------

def test_dashboard_offers_to_open_a_case_to_those_who_may(client, make):
    agency = make.agency()
    practitioner, ig = make.user(agency), make.user(agency, "ig")
    assert "Open a case" in text(client.get("/", headers=make.headers(practitioner)))
    assert "Open a case" not in text(client.get("/", headers=make.headers(ig)))


def test_opening_a_case_through_the_form_and_check_answers(client, make, session):
    police, health, social = make.agency(), make.agency(), make.agency()
    officer = make.user(police)
    ConsentFactory(make).agreement(police, health)
    headers = make.headers(officer)

    form = client.get("/cases/new", headers=headers)
    assert form.status_code == 200
    page = text(form)
    assert "Open a case" in page
    assert health.name in page
    assert social.name in page
    assert 'value="' + police.code + '"' not in form.get_data(as_text=True)

    check = client.post("/cases/new", headers=headers, data={**FORM, "agencies": health.code})
    assert check.status_code == 200
    page = text(check)
    assert "Check your answers before opening the case" in page
    assert NAME in page
    assert "3 November 2015" in page
    assert health.name in page
    assert "Child safeguarding" in page
    assert session.scalar(select(Case.id).where(Case.lead_agency_id == police.id)) is None

    opened = client.post("/cases", headers=headers, data={**FORM, "agencies": health.code})
    assert opened.status_code == 303
    case_id = uuid.UUID(opened.headers["Location"].split("/cases/")[1].split("?")[0])
    assert NAME not in opened.headers["Location"]
    case = session.get(Case, case_id)
    assert case.kind == CaseKind.CHILD
    assert case.lead_agency_id == police.id
    lead = session.scalars(select(CaseMembership).where(CaseMembership.case_id == case_id,
                                                        CaseMembership.is_lead)).one()
    assert lead.agency_id == police.id
    assert current_codes(session, case_id) == {police.code, health.code}
    assert "case.create" in actions(session, case_id)

    shown = client.get(opened.headers["Location"], headers=headers)
    assert shown.status_code == 200
    page = text(shown)
    assert "Case opened" in page
    assert NAME in page
    assert f"{police.name} (lead)" in page
    assert health.name in page


def test_changing_answers_from_the_check_page_keeps_them(client, make):
    officer = make.user(make.agency())
    back = client.post("/cases/new", headers=make.headers(officer), data={**FORM, "change": "1"})
    assert back.status_code == 200
    body = back.get_data(as_text=True)
    assert f'value="{NAME}"' in body
    assert 'value="2015"' in body
    assert 'value="child" checked' in body


def test_a_form_with_problems_is_shown_again_with_what_was_typed_and_nothing_written(
        client, make, session):
    headers = make.headers(make.user(make.agency()))
    before = take_snapshot(session)
    bad = {"name": "  Sam Typedname ", "date_of_birth-day": "31", "date_of_birth-month": "2",
           "date_of_birth-year": "1990", "agencies": "NO-SUCH"}
    for path in ("/cases/new", "/cases"):
        response = client.post(path, headers=headers, data=bad)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        page = text(response)
        assert "There is a problem" in page
        assert "Select the kind of case" in page
        assert "The subject's date of birth must be a real date" in page
        assert "Select partner agencies from the list" in page
        assert 'value="  Sam Typedname "' in body
        assert 'value="31"' in body
        assert 'href="#kind"' in body
        assert 'href="#date_of_birth-day"' in body
    future = client.post("/cases", headers=headers,
                         data={**FORM, "date_of_birth-year": str(utcnow().year + 1)})
    assert future.status_code == 422
    assert "Date of birth must be in the past" in text(future)
    assert_nothing_written(session, before)


def test_a_partner_without_an_agreement_is_refused_409_and_nothing_written(client, make, session):
    police, health = make.agency(), make.agency()
    headers = make.headers(make.user(police))
    before = take_snapshot(session)
    response = client.post("/cases", headers=headers, data={**FORM, "agencies": health.code})
    assert response.status_code == 409
    page = text(response)
    assert "There is a problem" in page
    assert f"{health.code} cannot join this case" in page
    assert "after recording a disclosure decision" in page
    assert "Open the case without partner agencies" in page
    assert_nothing_written(session, before)

    # Opening without them is one button away.
    alone = client.post("/cases", headers=headers, data=FORM)
    assert alone.status_code == 303


def test_roles_that_may_not_open_cases_are_refused(client, make, session):
    agency = make.agency()
    for role in ("ig", "admin", "auditor"):
        headers = make.headers(make.user(agency, role))
        assert client.get("/cases/new", headers=headers).status_code == 403
        before = take_snapshot(session)
        assert client.post("/cases", headers=headers, data=FORM).status_code == 403
        assert_nothing_written(session, before)


# --- adding and removing members ---------------------------------------------------------------

def test_the_lead_agency_sees_add_and_remove_other_members_do_not(client, make):
    police, health = make.agency(), make.agency()
    ConsentFactory(make).agreement(police, health)
    officer, nurse = make.user(police), make.user(health)
    case = make.case(officer, members=(health,))
    lead_page = client.get(f"/cases/{case.id}", headers=make.headers(officer)).get_data(as_text=True)
    assert f"/cases/{case.id}/members/new" in lead_page
    assert f"/cases/{case.id}/members/{health.code}/remove" in lead_page
    assert f"/cases/{case.id}/members/{police.code}/remove" not in lead_page
    member_page = client.get(f"/cases/{case.id}", headers=make.headers(nurse)).get_data(as_text=True)
    assert "/members/" not in member_page
    assert health.name in member_page


def test_adding_an_agency_on_a_disclosure_decision(client, make, session):
    police, health, social = make.agency(), make.agency(), make.agency()
    officer = make.user(police)
    case = make.case(officer)
    ConsentFactory(make).decision(officer, case, recipients=(health.code,))
    headers = make.headers(officer)

    form = client.get(f"/cases/{case.id}/members/new", headers=headers)
    assert form.status_code == 200
    page = text(form)
    assert health.name in page
    assert social.name in page
    assert f'value="{police.code}"' not in form.get_data(as_text=True)

    added = client.post(f"/cases/{case.id}/members", headers=headers, data={"agency": health.code})
    assert added.status_code == 303
    assert current_codes(session, case.id) == {police.code, health.code}
    assert "case.member.add" in actions(session, case.id)
    shown = text(client.get(added.headers["Location"], headers=headers))
    assert f"Agency added: {health.name}" in shown


def test_adding_an_agency_without_a_decision_says_why_and_writes_nothing(client, make, session):
    police, health = make.agency(), make.agency()
    officer = make.user(police)
    case = make.case(officer)
    headers = make.headers(officer)
    before = take_snapshot(session)
    response = client.post(f"/cases/{case.id}/members", headers=headers,
                           data={"agency": health.code})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "There is a problem" in text(response)
    assert f"{health.code} cannot join this case" in text(response)
    assert f'action="/cases/{case.id}/decisions/drafts"' in body
    assert "Record a disclosure decision" in body
    assert f'value="{health.code}" checked' in body
    assert_nothing_written(session, before)


def test_adding_with_no_choice_or_an_unknown_agency_is_422(client, make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    headers = make.headers(officer)
    before = take_snapshot(session)
    for data in ({}, {"agency": "NOPE-01"}, {"agency": "bad\x00code"}):
        response = client.post(f"/cases/{case.id}/members", headers=headers, data=data)
        assert response.status_code == 422
        assert "There is a problem" in text(response)
    assert_nothing_written(session, before)


def test_removing_a_member_after_confirming(client, make, session):
    police, health = make.agency(), make.agency()
    ConsentFactory(make).agreement(police, health)
    officer = make.user(police)
    case = make.case(officer, members=(health,))
    headers = make.headers(officer)
    path = f"/cases/{case.id}/members/{health.code}/remove"

    confirm = client.get(path, headers=headers)
    assert confirm.status_code == 200
    assert f"Remove {health.name} from the case?" in text(confirm)
    assert current_codes(session, case.id) == {police.code, health.code}

    removed = client.post(path, headers=headers)
    assert removed.status_code == 303
    assert current_codes(session, case.id) == {police.code}
    assert "case.member.remove" in actions(session, case.id)
    assert f"Agency removed: {health.name}" in text(client.get(removed.headers["Location"],
                                                                headers=headers))
    # Gone already, and the lead agency itself: neither can be removed.
    for code in (health.code, police.code, "bad\x00"):
        assert client.get(f"/cases/{case.id}/members/{code}/remove", headers=headers).status_code == 404
        assert client.post(f"/cases/{case.id}/members/{code}/remove", headers=headers).status_code == 404


def test_only_the_lead_agency_manages_members(client, make, session):
    police, health, outsider = make.agency(), make.agency(), make.agency()
    ConsentFactory(make).agreement(police, health)
    case = make.case(make.user(police), members=(health,))
    nurse, stranger = make.user(health), make.user(outsider)
    for person, status in ((nurse, 403), (stranger, 404)):
        headers = make.headers(person)
        before = take_snapshot(session)
        assert client.get(f"/cases/{case.id}/members/new", headers=headers).status_code == status
        assert client.post(f"/cases/{case.id}/members", headers=headers,
                           data={"agency": outsider.code}).status_code == status
        assert client.get(f"/cases/{case.id}/members/{health.code}/remove",
                          headers=headers).status_code == status
        response = client.post(f"/cases/{case.id}/members/{health.code}/remove", headers=headers)
        assert response.status_code == status
        assert "Alex Testperson" not in response.get_data(as_text=True)
        audited = assert_nothing_written(session, before)
        assert "access.denied" in [e["action"] for e in audited]
    assert current_codes(session, case.id) == {police.code, health.code}


def test_an_old_browser_session_is_sent_to_sign_in_again_before_adding_a_member(
        client, make, session):
    police, health = make.agency(), make.agency()
    officer = make.user(police)
    case = make.case(officer)
    ConsentFactory(make).decision(officer, case, recipients=(health.code,))
    sign_in(client, session, officer, auth_time=utcnow() - timedelta(hours=1))
    token = client.get("/api/v1/me").headers[CSRF_HEADER]

    page = client.get(f"/cases/{case.id}/members/new")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/auth/police/login?max_age=900")
    before = take_snapshot(session)
    response = client.post(f"/cases/{case.id}/members", data={"agency": health.code,
                                                               "csrf_token": token})
    assert response.status_code == 302
    assert "max_age=900" in response.headers["Location"]
    assert_nothing_written(session, before)
    assert current_codes(session, case.id) == {police.code}

    # Signed in just now, the same browser adds the agency (the form's own token).
    sign_in(client, session, officer)
    form = client.get(f"/cases/{case.id}/members/new")
    assert form.status_code == 200
    token = form.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    added = client.post(f"/cases/{case.id}/members", data={"agency": health.code, "csrf_token": token})
    assert added.status_code == 303
    assert current_codes(session, case.id) == {police.code, health.code}
