"""Answering an invitation from the signed link in its e-mail: no sign-in, PARTSTAT updated and
carried into the next invitation's ATTENDEE; a forged or altered link is not found; audited."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from icalendar import Calendar
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.mail.models import OutboxMessage
from meetings.models import MeetingInvitee
from tests.meetings.helpers import NAME, body, world

LINK = re.compile(r"https?://\S+/rsvp/\S+")


def test_the_person_invited_answers_from_the_link_and_the_next_invitation_carries_it(client, make, session):
    case, worker, officer, _stranger, police, _outsider = world(make)
    invitees = [{"email": officer.email, "name": "DC Officer", "agency": police.code}]
    meeting = client.post("/api/v1/meetings", headers=make.headers(worker),
                          json=body(case, police, invitees=invitees)).json
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting.invitation")).all()
    [link] = LINK.findall(mail.body)
    path = urlsplit(link).path
    assert NAME not in link
    page = client.get(path)  # no sign-in
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert case.ref in text
    assert NAME not in text
    assert "DC Officer" not in text
    assert client.post(path, data={"partstat": "MAYBE"}).status_code == 422
    answered = client.post(path, data={"partstat": "ACCEPTED"})
    assert answered.status_code == 303
    assert "Thank you" in client.get(answered.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(MeetingInvitee.partstat)) == "ACCEPTED"
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.rsvp")).all()
    assert (event.user_id, event.details["partstat"]) == (officer.id, "ACCEPTED")
    client.patch(f"/api/v1/meetings/{meeting['id']}", headers=make.headers(worker),
                 json={"location": "Room 9"})
    [changed] = session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("Changed:%"))).all()
    [vevent] = Calendar.from_ical(changed.calendar).walk("VEVENT")
    attendee = vevent["ATTENDEE"]
    assert attendee.params["PARTSTAT"] == "ACCEPTED"


def test_a_forged_or_altered_link_is_not_found(client, make, session):
    case, worker, officer, _stranger, police, _outsider = world(make)
    invitees = [{"email": officer.email, "name": "DC Officer", "agency": police.code}]
    client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police, invitees=invitees))
    [mail] = session.scalars(select(OutboxMessage)).all()
    path = urlsplit(LINK.findall(mail.body)[0]).path
    altered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(altered).status_code == 404
    assert client.post(altered, data={"partstat": "DECLINED"}).status_code == 404
    assert client.get("/rsvp/not-a-token").status_code == 404
    assert session.scalar(select(MeetingInvitee.partstat)) == "NEEDS-ACTION"
