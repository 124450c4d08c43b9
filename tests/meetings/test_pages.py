"""The meeting pages: one meeting, where the invitation's link leads, and my meetings. A meeting is
shown to the agencies of its cases, its organiser and the people invited; anyone else is told
nothing exists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from meetings import services
from meetings.rules import InviteeIn, MeetingIn
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
