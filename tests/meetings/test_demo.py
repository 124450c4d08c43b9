"""The demo's meetings: Margaret's strategy meeting and the fortnightly MARAC, their invitations
queued (the demo has no mail server), and the officer invited to both."""

from __future__ import annotations

from sqlalchemy import func, select

from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.config import Policy
from hub.mail.models import OutboxMessage
from meetings.services.meetings import my_meetings


def test_the_demo_convenes_a_strategy_meeting_and_a_marac_series(session, envelope):
    assert demo.seed(session, envelope, Policy()) is True
    officer = agency_services.find_user_by_email(session, "dc.ahmed@police.northshire.example")
    found = my_meetings(session, Actor(officer, "test"), start=None, end=None, envelope=envelope,
                        policy=Policy(), now=demo.utcnow())
    assert [m.kind for m in found] == ["strategy", "marac"]
    strategy, marac = found
    assert strategy.target_date is not None
    assert strategy.late is False
    assert marac.rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=26"
    invitations = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "meeting.invitation"))
    assert invitations == 3
