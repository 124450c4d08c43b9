"""Invitations as iMIP (RFC 6047) through the outbox, received by a real SMTP server (aiosmtpd)
and parsed back with `email` and icalendar: the MIME method matches METHOD, the UID holds, SEQUENCE
rises on a change and on cancelling, and nothing in subject, body or calendar names the person."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from hub.actor import Actor
from hub.db import utcnow
from hub.jobs import JobContext
from hub.mail.delivery import deliver_outbox
from meetings.rules import InviteeIn, MeetingIn
from meetings.services import meetings as services
from tests.support.factories.consent import ConsentFactory

NAME = "Jamie Invitationperson"


def _calendar_part(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, Calendar.from_ical(part.get_content())


def test_invitations_arrive_change_and_cancel_with_one_uid_and_no_personal_data(
        session, make, envelope, mail_settings, smtp_server):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead = make.user(council, "lead")
    case = make.case(lead, members=(police,), name=NAME)
    mailing = services.Mailing(mail_settings.smtp.sender, mail_settings.base_url)
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    actor, policy = Actor(lead, "test"), mail_settings.policy
    view = services.convene(session, actor, MeetingIn(
        kind="strategy", title=f"Strategy meeting about {NAME}", start=start, end=start + timedelta(hours=1),
        location="Room 3", case_ids=(case.id,),
        invitees=(InviteeIn("dc.smith@police.example", "DC Smith", police.code),
                  InviteeIn("sw.jones@council.example", "SW Jones", council.code))),
        envelope=envelope, policy=policy, now=utcnow(), uid_domain="hub.northshire.example", mailing=mailing)

    def deliver() -> list:
        before = len(smtp_server.received)
        deliver_outbox(session, JobContext(utcnow() + timedelta(seconds=1), mail_settings))
        return smtp_server.received[before:]

    sent = deliver()
    assert sorted(m["To"] for m in sent) == ["dc.smith@police.example", "sw.jones@council.example"]
    for message in sent:
        part, calendar = _calendar_part(message)
        assert part.get_param("method") == "REQUEST" == calendar["METHOD"]
        [event] = calendar.walk("VEVENT")
        assert (str(event["UID"]), int(event["SEQUENCE"])) == (view.uid, 0)
        whole = message.as_string()
        assert NAME not in whole
        assert "Strategy meeting about" not in whole
        assert case.ref in message["Subject"]
        assert f"/meetings/{view.id}" in message.get_body(("plain",)).get_content()

    later = start + timedelta(days=1)
    services.change_meeting(session, actor, view.id, start=later, end=later + timedelta(hours=1),
                            location=None, envelope=envelope, policy=policy, now=utcnow(), mailing=mailing)
    changed = deliver()
    assert len(changed) == 2
    _part, calendar = _calendar_part(changed[0])
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (view.uid, 1)
    assert changed[0]["Subject"].startswith("Changed:")

    services.cancel_meeting(session, actor, view.id, envelope=envelope, policy=policy, now=utcnow(),
                            mailing=mailing)
    cancelled = deliver()
    assert len(cancelled) == 2
    part, calendar = _calendar_part(cancelled[0])
    assert part.get_param("method") == "CANCEL" == calendar["METHOD"]
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (view.uid, 2, "CANCELLED")
