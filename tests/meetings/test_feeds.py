"""A person's private calendar feed (DESIGN.md §4 `GET /me/calendar-feed`): a URL a calendar
program reads without signing in, with the person's meetings and no personal data, revocable."""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar
from sqlalchemy import select

from hub.audit.models import AuditEvent
from tests.meetings.helpers import NAME, body, world


def _path(url: str) -> str:
    return urlsplit(url).path


def test_the_feed_carries_my_meetings_with_case_references_and_no_names(client, make, session):
    case, worker, officer, stranger, police, _outsider = world(make)
    invited = officer
    invitees = [{"email": officer.email.upper(), "name": "DC Smith", "agency": police.code}]
    convened = client.post("/api/v1/meetings", headers=make.headers(worker),
                           json=body(case, police, invitees=invitees)).json
    for person, expected in ((worker, [convened["uid"]]), (invited, [convened["uid"]]), (stranger, [])):
        answer = client.get("/api/v1/me/calendar-feed", headers=make.headers(person))
        assert answer.status_code == 200, answer.json
        url = answer.json["url"]
        assert url == client.get("/api/v1/me/calendar-feed", headers=make.headers(person)).json["url"]
        read = client.get(_path(url))  # no credential but the URL
        assert read.status_code == 200
        assert read.mimetype == "text/calendar"
        assert "no-store" in read.headers["Cache-Control"]
        calendar = Calendar.from_ical(read.data)
        events = calendar.walk("VEVENT")
        assert [str(e["UID"]) for e in events] == expected
        text = read.data.decode()
        for personal in (NAME, "DC Smith", "Strategy meeting about"):
            assert personal not in text
        if expected:
            assert case.ref in str(events[0]["SUMMARY"])
            assert calendar.walk("VTIMEZONE")
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_feed.read")).all()
    assert sorted(str(e.user_id) for e in reads) == sorted(str(p.id) for p in (worker, invited, stranger))


def test_a_tampered_or_revoked_feed_url_is_not_found_and_a_new_one_works(client, make):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police))
    headers = make.headers(worker)
    url = client.get("/api/v1/me/calendar-feed", headers=headers).json["url"]
    path = _path(url)
    feed_id, mac = path.removeprefix("/calendar/").removesuffix(".ics").split("/")
    forged = f"/calendar/{feed_id}/{'A' * len(mac)}.ics"
    assert client.get(forged).status_code == 404
    assert client.get(path).status_code == 200
    assert client.delete("/api/v1/me/calendar-feed", headers=headers).status_code == 204
    assert client.get(path).status_code == 404
    assert client.delete("/api/v1/me/calendar-feed", headers=headers).status_code == 204  # none left
    fresh = client.get("/api/v1/me/calendar-feed", headers=headers).json["url"]
    assert fresh != url
    assert client.get(_path(fresh)).status_code == 200


def test_a_cancelled_meeting_stays_in_the_feed_marked_cancelled(client, make):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    convened = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police)).json
    client.post(f"/api/v1/meetings/{convened['id']}/cancel", headers=make.headers(worker))
    url = client.get("/api/v1/me/calendar-feed", headers=make.headers(worker)).json["url"]
    [event] = Calendar.from_ical(client.get(_path(url)).data).walk("VEVENT")
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_a_deactivated_persons_feed_stops(client, make, session):
    _case, worker, _officer, _stranger, _police, _outsider = world(make)
    url = client.get("/api/v1/me/calendar-feed", headers=make.headers(worker)).json["url"]
    worker.active = False
    session.commit()
    assert client.get(_path(url)).status_code == 404


def test_a_change_reaches_the_feed_at_once(client, make):
    case, worker, _officer, _stranger, police, _outsider = world(make)
    convened = client.post("/api/v1/meetings", headers=make.headers(worker), json=body(case, police)).json
    path = _path(client.get("/api/v1/me/calendar-feed", headers=make.headers(worker)).json["url"])
    [before] = Calendar.from_ical(client.get(path).data).walk("VEVENT")
    assert str(before["LOCATION"]) == "Room 3"
    client.patch(f"/api/v1/meetings/{convened['id']}", headers=make.headers(worker),
                 json={"location": "Room 8"})
    [after] = Calendar.from_ical(client.get(path).data).walk("VEVENT")
    assert (str(after["LOCATION"]), int(after["SEQUENCE"])) == ("Room 8", 1)
