"""The invitation as iCalendar (RFC 5545/5546), parsed back with icalendar: METHOD, a stable UID,
SEQUENCE, VTIMEZONE Europe/London, ATTENDEE with PARTSTAT and RSVP, a series' RRULE with UNTIL in
UTC that keeps 10:00 London time across the clock change, and nothing that names the person."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from hub.cases.models import CaseKind
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

NAME = "Sam Calendarperson"
LONDON = ZoneInfo("Europe/London")


def _world(make, kind: CaseKind = CaseKind.ADULT):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer = make.user(council, "lead"), make.user(police)
    case = make.case(lead, members=(police,), name=NAME, kind=kind)
    return case, lead, officer, police


def _ics(client, make, person, meeting_id: str) -> tuple[Calendar, str, object]:
    answer = client.get(f"/api/v1/meetings/{meeting_id}/invite.ics", headers=make.headers(person))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    text = answer.get_data(as_text=True)
    return Calendar.from_ical(text), text, answer


def test_the_invitation_is_a_request_with_a_stable_uid_and_no_personal_data(client, make):
    case, lead, officer, police = _world(make)
    start = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    created = client.post("/api/v1/meetings", headers=make.headers(lead), json={
        "kind": "strategy", "title": f"Strategy meeting about {NAME}", "location": "Room 3",
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        "case_ids": [str(case.id)], "decided_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "invitees": [{"email": "dc.smith@police.example", "name": "DC Smith", "agency": police.code}]}).json
    calendar, text, answer = _ics(client, make, officer, created["id"])
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert "method=REQUEST" in answer.headers["Content-Type"]
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == created["uid"]
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == f"Strategy meeting: {case.ref}"
    assert f"/meetings/{created['id']}" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART") == start.astimezone(LONDON)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    [attendee] = [event["ATTENDEE"]] if not isinstance(event["ATTENDEE"], list) else event["ATTENDEE"]
    assert str(attendee) == "mailto:dc.smith@police.example"
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("NEEDS-ACTION", "TRUE")
    assert str(event["ORGANIZER"]).startswith("mailto:")
    # Neither the person's name nor the typed title (which names them) is anywhere in it.
    assert NAME not in text
    assert "Strategy meeting about" not in text
    assert "DC Smith" not in text
    # The same UID every time it is fetched.
    again, _text, _answer = _ics(client, make, lead, created["id"])
    assert str(again.walk("VEVENT")[0]["UID"]) == created["uid"]


def _next_clock_change(after: date) -> date:
    """The next last Sunday of March or October (when London's clocks change) after ``after``."""
    for year in range(after.year, after.year + 3):
        for month in (3, 10):
            last = date(year, month, 31)
            change = last - timedelta(days=(last.weekday() + 1) % 7)
            if change > after:
                return change
    raise AssertionError("no clock change within three years")


def test_a_fortnightly_marac_at_ten_stays_at_ten_london_time_across_the_clock_change(client, make):
    case, lead, officer, _police = _world(make, CaseKind.MARAC)
    # A fortnightly series from four weeks before the next clock change to four weeks after it.
    change = _next_clock_change(utcnow().date() + timedelta(days=29))
    first = datetime.combine(change - timedelta(days=25), time(10), LONDON)
    until = first + timedelta(weeks=8)
    created = client.post("/api/v1/meetings", headers=make.headers(lead), json={
        "kind": "marac", "title": "Northshire MARAC", "location": "Police HQ, Room 1",
        "start": first.isoformat(), "end": (first + timedelta(hours=3)).isoformat(),
        "case_ids": [str(case.id)],
        "rrule": f"FREQ=WEEKLY;INTERVAL=2;UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"})
    assert created.status_code == 201, created.json
    calendar, text, _answer = _ics(client, make, officer, created.json["id"])
    [event] = calendar.walk("VEVENT")
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"]) == (["WEEKLY"], [2])
    assert text.split("UNTIL=")[1].split(";")[0].split("\r")[0].endswith("Z")  # UNTIL in UTC
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    occurrences = list(rrulestr(rule.to_ical().decode(), dtstart=start))
    assert len(occurrences) == 5
    # 10:00 in London at every meeting, under both offsets: the UTC time moves, the local one not.
    assert {o.astimezone(LONDON).time() for o in occurrences} == {time(10, 0)}
    assert {o.astimezone(LONDON).utcoffset() for o in occurrences} == {timedelta(0), timedelta(hours=1)}
    assert len({o.astimezone(UTC).time() for o in occurrences}) == 2


def test_a_non_member_gets_no_calendar(client, make):
    case, lead, _officer, _police = _world(make)
    stranger = make.user(make.agency())
    start = utcnow() + timedelta(days=2)
    created = client.post("/api/v1/meetings", headers=make.headers(lead), json={
        "kind": "strategy", "title": "Strategy meeting", "location": "Room 3",
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        "case_ids": [str(case.id)]}).json
    answer = client.get(f"/api/v1/meetings/{created['id']}/invite.ics", headers=make.headers(stranger))
    assert answer.status_code == 404
    assert "BEGIN:VCALENDAR" not in answer.get_data(as_text=True)


def test_moving_a_meeting_raises_its_sequence_and_cancelling_sends_cancel_with_the_same_uid(
        client, make, session):
    case, lead, officer, police = _world(make)
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    created = client.post("/api/v1/meetings", headers=make.headers(lead), json={
        "kind": "strategy", "title": "Strategy meeting", "location": "Room 3",
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        "case_ids": [str(case.id)],
        "invitees": [{"email": "dc.smith@police.example", "name": "DC Smith", "agency": police.code}]}).json
    url = f"/api/v1/meetings/{created['id']}"
    lead_headers, officer_headers = make.headers(lead), make.headers(officer)
    # The police are invited and see it, but it is the council's to move: 403, nothing written.
    before = take_snapshot(session)
    refused = client.patch(url, headers=officer_headers, json={"location": "Police HQ"})
    assert refused.status_code == 403
    for body in ({}, {"end": start.isoformat()}, {"location": ""}, {"start": "soon"}):
        assert client.patch(url, headers=lead_headers, json=body).status_code == 422, body
    assert_nothing_written(session, before)

    later = start + timedelta(days=1)
    moved = client.patch(url, headers=lead_headers, json={
        "start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat(), "location": "Room 5"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["sequence"], moved.json["location"]) == (1, "Room 5")
    same = client.patch(url, headers=lead_headers, json={"location": "Room 5"})
    assert same.json["sequence"] == 1  # nothing changed, nothing to replace
    calendar, _text, _answer = _ics(client, make, officer, created["id"])
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (created["uid"], 1)
    assert event.decoded("DTSTART") == later.astimezone(LONDON)

    cancelled = client.post(f"{url}/cancel", headers=lead_headers)
    assert cancelled.status_code == 200
    assert (cancelled.json["status"], cancelled.json["sequence"]) == ("cancelled", 2)
    calendar, _text, answer = _ics(client, make, officer, created["id"])
    assert "method=CANCEL" in answer.headers["Content-Type"]
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
        created["uid"], 2, "CANCELLED")
    assert client.post(f"{url}/cancel", headers=lead_headers).status_code == 409
    assert client.patch(url, headers=lead_headers, json={"location": "Room 6"}).status_code == 409
