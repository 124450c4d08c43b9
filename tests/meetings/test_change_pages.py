"""Moving a meeting, changing its place or cancelling it from its page (the convening agency):
the form filled in as the meeting stands, errors in the summary with nothing written, the changed
or cancelled invitation sent; from a series' first meeting, the series."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from hub.actor import Actor
from hub.config import Policy
from hub.db import utcnow
from hub.errors import Conflict
from hub.mail.models import OutboxMessage
from meetings.models import Meeting
from meetings.rules import InviteeIn, MeetingIn
from meetings.services import meetings as services
from tests.meetings.helpers import body, world
from tests.support.snapshot import assert_nothing_written, take_snapshot

LONDON = ZoneInfo("Europe/London")


def _invitations(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting.invitation")
                           .order_by(OutboxMessage.created_at)).all()


def test_the_chair_moves_a_meeting_from_its_page_and_those_invited_are_sent_the_change(
        client, make, session):
    case, worker, officer, _stranger, police, _outsider = world(make)
    convened = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police)).json
    meeting = convened["id"]
    chair = make.headers(worker)
    shown = client.get(f"/meetings/{meeting}", headers=chair).get_data(as_text=True)
    assert f'href="/meetings/{meeting}/change"' in shown
    assert f'href="/meetings/{meeting}/cancel"' in shown
    # Those who only see the meeting are not offered the change.
    assert "/change" not in client.get(f"/meetings/{meeting}", headers=make.headers(officer)).get_data(
        as_text=True)
    form = client.get(f"/meetings/{meeting}/change", headers=chair)
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert 'value="Room 3"' in text
    day = (utcnow() + timedelta(days=5)).astimezone(LONDON).date()
    snapshot = take_snapshot(session)
    wrong = client.post(f"/meetings/{meeting}/change", headers=chair, data={
        "start-day": str(day.day), "start-month": str(day.month), "start-year": str(day.year),
        "start_time": "11:00", "end_time": "10:00", "location": "Room 7"})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert "The meeting must end after it starts" in page
    assert 'value="Room 7"' in page  # nothing typed is lost
    assert_nothing_written(session, snapshot)
    moved = client.post(f"/meetings/{meeting}/change", headers=chair, data={
        "start-day": str(day.day), "start-month": str(day.month), "start-year": str(day.year),
        "start_time": "11:00", "end_time": "12:30", "location": "Room 7"})
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"/meetings/{meeting}?done=changed")
    row = session.get(Meeting, uuid.UUID(meeting))
    session.refresh(row)
    assert row.starts_at == datetime.combine(day, time(11), LONDON)
    assert (row.location, row.sequence) == ("Room 7", 1)
    changed = Calendar.from_ical(_invitations(session)[-1].calendar)
    [event] = changed.walk("VEVENT")
    assert (int(event["SEQUENCE"]), str(event["LOCATION"])) == (1, "Room 7")
    assert "Meeting changed" in client.get(moved.headers["Location"], headers=chair).get_data(as_text=True)


def test_cancelling_asks_first_and_from_a_series_first_meeting_cancels_the_series(client, make, session):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    chair = make.headers(worker)
    start = datetime.combine(utcnow().date() + timedelta(days=7), time(10), LONDON)
    series = client.post("/api/v1/meetings", headers=chair, json={
        **body(case, police), "kind": "mappa", "decided_at": None, "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(), "rrule": "FREQ=MONTHLY;COUNT=4"})
    assert series.status_code == 201, series.json
    meetings = client.get(f"/api/v1/meetings/{series.json['id']}", headers=chair).json["occurrences"]
    later = client.get(f"/meetings/{meetings[2]['id']}/change", headers=chair).get_data(as_text=True)
    assert "This meeting alone moves" in later
    asked = client.get(f"/meetings/{series.json['id']}/cancel", headers=chair)
    assert asked.status_code == 200
    assert "This cancels all 4 meetings of the series" in asked.get_data(as_text=True)
    before = len(_invitations(session))
    done = client.post(f"/meetings/{series.json['id']}/cancel", headers=chair)
    assert done.status_code == 303
    statuses = [m["status"] for m in client.get(f"/api/v1/meetings/{series.json['id']}",
                                                headers=chair).json["occurrences"]]
    assert statuses == ["cancelled"] * 4
    cancellations = _invitations(session)[before:]
    assert {m.calendar_method for m in cancellations} == {"CANCEL"}
    # A cancelled meeting is not offered the change again, and its form is refused.
    shown = client.get(done.headers["Location"], headers=chair).get_data(as_text=True)
    assert "/cancel\"" not in shown
    assert client.get(f"/meetings/{series.json['id']}/change", headers=chair).status_code == 409


def test_a_meeting_that_has_started_is_neither_moved_nor_cancelled_nor_offered(
        client, make, session, envelope):
    case, worker, officer, _stranger, police, _outsider = world(make)
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)  # held this morning
    mailing = services.Mailing("hub@hub.test", "http://hub.test")
    actor = Actor(worker, "test")
    held = services.convene(session, actor, MeetingIn(
        kind="strategy", title="Strategy meeting", start=start, end=start + timedelta(hours=1),
        location="Room 3", case_ids=(case.id,), decided_at=start - timedelta(days=4),
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),)),
        envelope=envelope, policy=Policy(), now=start - timedelta(days=3), uid_domain="hub.test",
        mailing=mailing)
    after = utcnow()
    assert not services.may_change(actor, held, after)
    assert services.may_change(actor, held, start - timedelta(minutes=5))
    snapshot = take_snapshot(session)
    for attempt in (
            lambda: services.change_meeting(session, actor, held.id, start=None, end=None, location="Room 9",
                                            envelope=envelope, policy=Policy(), now=after, mailing=mailing),
            lambda: services.cancel_meeting(session, actor, held.id, envelope=envelope, policy=Policy(),
                                            now=after, mailing=mailing)):
        with pytest.raises(Conflict, match="has started"):
            attempt()
    assert_nothing_written(session, snapshot)
    # Through the pages, now (after the meeting): the form is refused and the page offers neither.
    session.commit()
    chair = make.headers(worker)
    assert client.get(f"/meetings/{held.id}/change", headers=chair).status_code == 409
    assert client.post(f"/meetings/{held.id}/cancel", headers=chair).status_code == 409
    assert f'href="/meetings/{held.id}/change"' not in client.get(
        f"/meetings/{held.id}", headers=chair).get_data(as_text=True)
    assert session.get(Meeting, held.id).status == "scheduled"
