"""The meeting pages: one meeting, where the invitation's link leads, and my meetings. A meeting is
shown to the agencies of its cases, its organiser and the people invited; anyone else is told
nothing exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from hub.actor import Actor
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from meetings.rules import InviteeIn, MeetingIn
from meetings.services import meetings as services
from tests.support.factories.consent import ConsentFactory

NAME = "Alex Pageperson"


def test_the_invitations_link_opens_the_meeting_for_those_invited_and_nobody_else(
        client, make, session, envelope):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer, stranger = make.user(council, "lead"), make.user(police), make.user(make.agency())
    case = make.case(lead, members=(police,), name=NAME)
    start = utcnow() + timedelta(days=20)
    view = services.convene(session, Actor(lead, "test"), MeetingIn(
        kind="strategy", title="Strategy meeting for the s42 enquiry", start=start,
        end=start + timedelta(hours=1), location="Civic Centre, Room 3", case_ids=(case.id,),
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),),
        decided_at=utcnow() - timedelta(hours=2),
        late_reason="The family's solicitor asked for a later date"),
        envelope=envelope, policy=Policy(), now=utcnow(), uid_domain="hub.test",
        mailing=services.Mailing("hub@hub.test", "http://hub.test"))
    session.commit()
    [invitation] = session.scalars(select(OutboxMessage)).all()
    page = client.get(invitation.link_path, headers=make.headers(officer))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Strategy meeting for the s42 enquiry" in text
    assert "Civic Centre, Room 3" in text
    assert "5 working days" in text
    assert "Late" in text
    assert "The family&#39;s solicitor asked for a later date" in text
    assert "DC Officer" in text
    assert case.ref in text
    listed = client.get("/meetings", headers=make.headers(officer)).get_data(as_text=True)
    assert f"/meetings/{view.id}" in listed  # twenty days on: within the next 31 days
    hidden = client.get(f"/meetings/{view.id}", headers=make.headers(stranger))
    assert hidden.status_code == 404
    assert "s42 enquiry" not in hidden.get_data(as_text=True)


def _strategy_meeting(make, session, envelope):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer = make.user(council, "lead"), make.user(police)
    case = make.case(lead, members=(police,), name=NAME)
    start = utcnow() + timedelta(days=3)
    view = services.convene(session, Actor(lead, "test"), MeetingIn(
        kind="strategy", title="Strategy meeting", start=start, end=start + timedelta(hours=1),
        location="Room 4", case_ids=(case.id,),
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),)),
        envelope=envelope, policy=Policy(), now=utcnow(), uid_domain="hub.test",
        mailing=services.Mailing("hub@hub.test", "http://hub.test"))
    session.commit()
    return view, case, lead, officer, police


def test_the_cases_show_only_once_the_confidentiality_statement_is_acknowledged(
        client, make, session, envelope):
    view, case, _lead, officer, _police = _strategy_meeting(make, session, envelope)
    headers = make.headers(officer)
    before = client.get(f"/meetings/{view.id}", headers=headers).get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in before
    assert f"/cases/{case.id}" not in before
    assert "I acknowledge the confidentiality statement" in before
    done = client.post(f"/meetings/{view.id}/acknowledge", headers=headers)
    assert done.status_code == 303
    after = client.get(done.headers["Location"], headers=headers).get_data(as_text=True)
    assert f"/cases/{case.id}" in after
    assert "You have acknowledged the confidentiality statement" in after
    assert "DC Officer" in after
    assert "I acknowledge the confidentiality statement" not in after


def test_the_chair_records_attendance_on_the_page_and_a_wrong_answer_is_shown_back(
        client, make, session, envelope):
    view, _case, lead, officer, police = _strategy_meeting(make, session, envelope)
    chair = make.headers(lead)
    page = client.get(f"/meetings/{view.id}", headers=chair).get_data(as_text=True)
    assert "Record an agency's attendance" in page
    member_page = client.get(f"/meetings/{view.id}", headers=make.headers(officer))
    assert "Record an agency" not in member_page.get_data(as_text=True)
    bad = client.post(f"/meetings/{view.id}/attendance", headers=chair, data={"agency": police.code})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text
    assert "Choose attended" in text
    done = client.post(f"/meetings/{view.id}/attendance", headers=chair,
                       data={"agency": police.code, "status": "apology"})
    assert done.status_code == 303
    shown = client.get(done.headers["Location"], headers=chair).get_data(as_text=True)
    assert "Sent apologies" in shown
    assert "Attendance recorded" in shown


def test_my_calendar_feed_page_shows_the_link_and_makes_a_new_one(client, make, session, envelope):
    _view, _case, lead, _officer, _police = _strategy_meeting(make, session, envelope)
    headers = make.headers(lead)
    assert "/meetings/calendar-feed" in client.get("/meetings", headers=headers).get_data(as_text=True)
    first = client.get("/meetings/calendar-feed", headers=headers).get_data(as_text=True)
    old = first.split('data-meeting="feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert "/calendar/" in old
    assert old.endswith(".ics")
    revoked = client.post("/meetings/calendar-feed/revoke", headers=headers)
    assert revoked.status_code == 303
    second = client.get(revoked.headers["Location"], headers=headers).get_data(as_text=True)
    assert "the old one no longer works" in second
    assert old not in second
    assert client.get(urlsplit(old).path).status_code == 404


def test_the_chair_writes_and_issues_the_minutes_on_pages_and_the_member_reads_them(
        client, make, session, envelope):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer = make.user(council, "lead"), make.user(police)
    case = make.case(lead, members=(police,), name=NAME)
    start = utcnow() - timedelta(minutes=5)
    view = services.convene(session, Actor(lead, "test"), MeetingIn(
        kind="strategy", title="Strategy meeting", start=start, end=start + timedelta(hours=1),
        location="Room 4", case_ids=(case.id,),
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),)),
        envelope=envelope, policy=Policy(), now=utcnow(), uid_domain="hub.test",
        mailing=services.Mailing("hub@hub.test", "http://hub.test"))
    session.commit()
    chair, member = make.headers(lead), make.headers(officer)
    assert "The minutes have not been issued yet" in client.get(
        f"/meetings/{view.id}/minutes", headers=member).get_data(as_text=True)
    assert client.get(f"/meetings/{view.id}/minutes/new", headers=member).status_code == 403
    form = client.get(f"/meetings/{view.id}/minutes/new", headers=chair)
    assert form.status_code == 200
    more = client.post(f"/meetings/{view.id}/minutes/new", headers=chair,
                       data={"slots": "1", "add_decision": "1", "summary": "Kept"})
    assert more.status_code == 200
    assert 'name="decision-2"' in more.get_data(as_text=True)
    due = utcnow().date() + timedelta(days=10)
    bad = client.post(f"/meetings/{view.id}/minutes/new", headers=chair, data={
        "slots": "1", "summary": "", "decision-1": "Proceed to enquiry", "action-title-3": "Visit"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter the minutes" in text
    assert 'href="#action-case-3"' in text
    assert "Proceed to enquiry" in text  # nothing typed is lost
    saved = client.post(f"/meetings/{view.id}/minutes/new", headers=chair, data={
        "slots": "1", "summary": "The police shared two call-outs.", "decision-1": "Proceed to enquiry",
        "rationale-1": "The test is met", "action-case-1": str(case.id), "action-title-1": "Share the log",
        "action-agency-1": police.code, "action-due-1-day": str(due.day),
        "action-due-1-month": str(due.month), "action-due-1-year": str(due.year)})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    draft = client.get(saved.headers["Location"], headers=chair).get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in draft
    assert "Share the log" in draft
    assert "Draft" in draft
    issued = client.post(f"/meetings/{view.id}/minutes/issue", headers=chair)
    assert issued.status_code == 303
    read = client.get(f"/meetings/{view.id}/minutes", headers=member).get_data(as_text=True)
    assert "The police shared two call-outs." in read
    assert "Proceed to enquiry" in read
    assert "Issued on" in client.get(f"/meetings/{view.id}", headers=member).get_data(as_text=True)


def test_the_month_view_shows_each_occurrence_of_a_series_and_moves_between_months(
        client, make, session, envelope):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead = make.user(council, "lead")
    case = make.case(lead, members=(police,), name=NAME, kind=CaseKind.MARAC)
    first = datetime(2027, 3, 4, 10, tzinfo=UTC)  # a Thursday, 10:00 GMT
    services.convene(session, Actor(lead, "test"), MeetingIn(
        kind="marac", title="MARAC", start=first, end=first + timedelta(hours=2), location="Room 1",
        case_ids=(case.id,), rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=6"), envelope=envelope, policy=Policy(),
        now=datetime(2027, 3, 1, tzinfo=UTC), uid_domain="hub.test",
        mailing=services.Mailing("hub@hub.test", "http://hub.test"))
    session.commit()
    headers = make.headers(lead)
    april = client.get("/meetings/calendar?month=2027-04", headers=headers)
    assert april.status_code == 200
    text = april.get_data(as_text=True)
    assert "My meetings in April 2027" in text
    # 1, 15 and 29 April, at 10:00 London time (BST) each.
    assert text.count("10:00 MARAC") == 3
    assert "Thursday 1 April, 10:00" in text
    assert NAME not in text
    assert 'month=2027-03' in text
    assert client.get("/meetings/calendar?month=garbage", headers=headers).status_code == 200
