"""Each meeting of a series (a fortnightly MARAC, MAPPA reviews) is a meeting of its own: its cases
within its capacity, its agenda, register and minutes, its page; one calendar entry with the rule
for the series, and an instance with its RECURRENCE-ID for a meeting moved or cancelled alone."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from icalendar import Calendar
from sqlalchemy import select

from hub import migrate
from hub.actor import Actor
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, UTCDateTime, utcnow
from hub.errors import Conflict
from hub.mail.models import OutboxMessage
from meetings.models import MaracReferral, Meeting, MeetingCase
from meetings.rules import InviteeIn, MeetingIn
from meetings.services import meetings as services
from tests.meetings.helpers import marac_partnership
from tests.support.factories.core import Factory
from tests.support.snapshot import assert_nothing_written, take_snapshot

COORDINATOR = "MARAC-CO"
LONDON = ZoneInfo("Europe/London")
REFERRAL = {"dash_score": 15, "incidents_12_months": 1, "children": True, "victim_aware": True}


@pytest.fixture
def settings(settings):
    return replace(settings, policy=replace(settings.policy, marac_coordinator_agency=COORDINATOR))


def _world(make):
    return marac_partnership(make, COORDINATOR)


def _series(client, make, chair, officer, police, *, count=4, capacity=1, days=7):
    start = datetime.combine(utcnow().date() + timedelta(days=days), time(10), LONDON)
    convened = client.post("/api/v1/meetings", headers=make.headers(chair), json={
        "kind": "marac", "title": "Northshire MARAC", "location": "Room 1", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "case_ids": [], "capacity": capacity,
        "invitees": [{"email": officer.email, "name": "DC Officer", "agency": police.code}],
        "rrule": f"FREQ=WEEKLY;INTERVAL=2;COUNT={count}"})
    assert convened.status_code == 201, convened.json
    return client.get(f"/api/v1/meetings/{convened.json['id']}", headers=make.headers(chair)).json


def _invitations(session, since):
    return [Calendar.from_ical(m.calendar) for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "meeting.invitation",
                                    OutboxMessage.created_at >= since).order_by(OutboxMessage.created_at))]


def test_each_meeting_of_a_series_has_its_own_cases_within_its_capacity_and_its_own_agenda(
        client, make, session):
    chair, officer, nurse, police = _world(make)
    first_case = make.case(officer, kind=CaseKind.MARAC, name="Jordan Firstperson")
    second_case = make.case(nurse, kind=CaseKind.MARAC, name="Sam Secondperson")
    for referrer, case in ((officer, first_case), (nurse, second_case)):
        assert client.put(f"/api/v1/cases/{case.id}/marac-referral", headers=make.headers(referrer),
                          json=REFERRAL).status_code == 200
    series = _series(client, make, chair, officer, police)
    meetings = series["occurrences"]
    assert meetings[0]["id"] == series["id"]
    assert len({m["id"] for m in meetings}) == 4
    starts = [datetime.fromisoformat(m["start"]) for m in meetings]
    assert [b - a for a, b in pairwise(starts)] == [timedelta(days=14)] * 3
    assert {s.astimezone(LONDON).time() for s in starts} == {time(10)}
    first, second = meetings[0]["id"], meetings[1]["id"]
    headers = make.headers(chair)
    assert client.post(f"/api/v1/meetings/{first}/cases", headers=headers,
                       json={"case_id": str(first_case.id)}).status_code == 201
    full = client.post(f"/api/v1/meetings/{first}/cases", headers=headers,
                       json={"case_id": str(second_case.id)})
    assert full.status_code == 409
    assert "full" in full.json["detail"]
    # The next meeting of the series takes it: its capacity is its own.
    assert client.post(f"/api/v1/meetings/{second}/cases", headers=headers,
                       json={"case_id": str(second_case.id)}).status_code == 201
    assert session.scalar(select(MaracReferral.listed_meeting_id).where(
        MaracReferral.case_id == second_case.id)) == uuid.UUID(second)
    later = client.get(f"/api/v1/meetings/{second}", headers=headers).json
    assert (later["series_id"], later["uid"], later["rrule"]) == (series["id"], series["uid"], None)
    assert later["series_rule"] == series["rrule"]
    assert later["recurrence_id"] == meetings[1]["start"]
    assert [c["ref"] for c in later["cases"]] == [second_case.ref]
    assert (later["title"], later["capacity"], later["invitees"]) == (
        "Northshire MARAC", 1, series["invitees"])
    assert [m["listed"] for m in later["occurrences"]] == [1, 1, 0, 0]
    agenda = client.get(f"/api/v1/meetings/{second}/agenda", headers=headers).json
    assert [c["case_ref"] for s in agenda["sections"] for c in s["cases"]] == [second_case.ref]
    # The trust's case is on the second meeting, not the first: it sees the one, not the other.
    trust = make.headers(nurse)
    assert client.get(f"/api/v1/meetings/{second}", headers=trust).status_code == 200
    assert client.get(f"/api/v1/meetings/{first}", headers=trust).status_code == 404
    # The police officer is invited to the series, so to each of its meetings.
    for meeting in (first, second, meetings[3]["id"]):
        assert client.get(f"/api/v1/meetings/{meeting}", headers=make.headers(officer)).status_code == 200
    # Acknowledging one meeting's statement, or its register, is not the next one's.
    assert client.post(f"/api/v1/meetings/{first}/acknowledgements", headers=trust).status_code == 404
    assert client.post(f"/api/v1/meetings/{second}/acknowledgements", headers=trust).status_code == 201
    assert client.post(f"/api/v1/meetings/{second}/attendance", headers=headers,
                       json={"agency": nurse.agency.code, "status": "apology"}).status_code == 200
    kept = client.get(f"/api/v1/meetings/{second}", headers=headers).json
    assert [a["agency"] for a in kept["attendance"]] == [nurse.agency.code]
    assert len(kept["acknowledgements"]) == 1
    other = client.get(f"/api/v1/meetings/{first}", headers=headers).json
    assert (other["attendance"], other["acknowledgements"]) == ([], [])


def test_moving_or_cancelling_one_meeting_sends_that_instance_alone_and_the_feed_carries_it(
        client, make, session):
    chair, officer, _nurse, police = _world(make)
    series = _series(client, make, chair, officer, police, count=5)
    meetings = series["occurrences"]
    second, third = meetings[1], meetings[2]
    before = utcnow()
    moved = client.patch(f"/api/v1/meetings/{second['id']}", headers=make.headers(chair),
                         json={"location": "Room 9"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["sequence"], moved.json["location"]) == (1, "Room 9")
    [calendar] = _invitations(session, before)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == series["uid"]
    assert event["RECURRENCE-ID"].dt == datetime.fromisoformat(second["start"])
    assert event["RECURRENCE-ID"].dt.tzinfo is not None
    assert (int(event["SEQUENCE"]), str(event["LOCATION"])) == (1, "Room 9")
    assert "RRULE" not in event
    before = utcnow()
    cancelled = client.post(f"/api/v1/meetings/{third['id']}/cancel", headers=make.headers(chair))
    assert cancelled.status_code == 200, cancelled.json
    [calendar] = _invitations(session, before)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert event["RECURRENCE-ID"].dt == datetime.fromisoformat(third["start"])
    # The rest of the series stands.
    statuses = [m["status"] for m in client.get(f"/api/v1/meetings/{series['id']}",
                                                headers=make.headers(chair)).json["occurrences"]]
    assert statuses == ["scheduled", "scheduled", "cancelled", "scheduled", "scheduled"]
    # The series' calendar: the rule, and the two meetings changed on their own after it.
    ics = Calendar.from_ical(client.get(f"/api/v1/meetings/{series['id']}/invite.ics",
                                        headers=make.headers(chair)).data)
    events = ics.walk("VEVENT")
    assert [("RRULE" in e, e.get("RECURRENCE-ID") is not None) for e in events] == [
        (True, False), (False, True), (False, True)]
    assert {str(e["UID"]) for e in events} == {series["uid"]}
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    # The officer's feed: the same three entries, no entry for the meetings that follow the rule.
    url = client.get("/api/v1/me/calendar-feed", headers=make.headers(officer)).json["url"]
    feed = Calendar.from_ical(client.get(urlsplit(url).path).data).walk("VEVENT")
    assert sorted((e.get("RECURRENCE-ID") is not None, str(e["STATUS"]), str(e["LOCATION"]))
                  for e in feed) == [(False, "CONFIRMED", "Room 1"), (True, "CANCELLED", "Room 1"),
                                     (True, "CONFIRMED", "Room 9")]


def test_moving_the_series_moves_its_meetings_but_keeps_one_moved_on_its_own(client, make, session):
    chair, officer, _nurse, police = _world(make)
    series = _series(client, make, chair, officer, police, count=6)
    meetings = series["occurrences"]
    own = (datetime.fromisoformat(meetings[1]["start"]) + timedelta(days=1)).astimezone(LONDON)
    assert client.patch(f"/api/v1/meetings/{meetings[1]['id']}", headers=make.headers(chair), json={
        "start": own.isoformat(), "end": (own + timedelta(hours=3)).isoformat()}).status_code == 200
    first = datetime.fromisoformat(series["start"]).astimezone(LONDON)
    later = first.replace(hour=13)
    before = utcnow()
    moved = client.patch(f"/api/v1/meetings/{series['id']}", headers=make.headers(chair), json={
        "start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat(), "location": "Hall"})
    assert moved.status_code == 200, moved.json
    rows = session.scalars(select(Meeting).where(Meeting.series_id == uuid.UUID(series["id"]))
                           .order_by(Meeting.recurrence_id)).all()
    for row in rows:
        session.refresh(row)
    assert [r.recurrence_id.astimezone(LONDON).time() for r in rows] == [time(13)] * 5
    assert [r.starts_at.astimezone(LONDON) for r in rows[1:]] == [
        r.recurrence_id.astimezone(LONDON) for r in rows[1:]]
    assert {(r.ends_at - r.starts_at, r.location) for r in rows[1:]} == {(timedelta(hours=2), "Hall")}
    # The meeting moved on its own keeps its day, time and place.
    assert (rows[0].starts_at, rows[0].location) == (own.astimezone(UTC), "Room 1")
    [calendar] = _invitations(session, before)
    master, override = calendar.walk("VEVENT")
    assert (int(master["SEQUENCE"]), master["DTSTART"].dt.hour) == (1, 13)
    assert override["RECURRENCE-ID"].dt == rows[0].recurrence_id


def test_a_series_is_moved_or_cancelled_whole_only_before_it_begins(make, session, envelope):
    chair, officer, _nurse, police = _world(make)
    case = make.case(chair, kind=CaseKind.MAPPA, name="Lee Reviewperson", members=(police,))
    start = datetime(2027, 3, 4, 10, tzinfo=UTC)
    mailing = services.Mailing("hub@hub.test", "http://hub.test")
    actor = Actor(chair, "test")
    series = services.convene(session, actor, MeetingIn(
        kind="mappa", title="MAPPA level 3 review", start=start, end=start + timedelta(hours=1),
        location="Probation office", case_ids=(case.id,), rrule="FREQ=WEEKLY;INTERVAL=8;COUNT=3",
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),)),
        envelope=envelope, policy=Policy(), now=start - timedelta(days=10), uid_domain="hub.test",
        mailing=mailing)
    [_one, second, third] = series.occurrences
    # The case convened with the series is on each of its reviews.
    assert [session.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id == o.id)).all()
            for o in series.occurrences] == [[case.id]] * 3
    held = start + timedelta(days=1)
    snapshot = take_snapshot(session)
    for attempt in (
            lambda: services.change_meeting(session, actor, series.id, start=None, end=None, location="Hall",
                                            envelope=envelope, policy=Policy(), now=held, mailing=mailing),
            lambda: services.cancel_meeting(session, actor, series.id, envelope=envelope, policy=Policy(),
                                            now=held, mailing=mailing)):
        with pytest.raises(Conflict, match="begun"):
            attempt()
    assert_nothing_written(session, snapshot)
    # The case's page: the next review to come, then the one held (not the series' last ones).
    shown = services.case_meetings(session, case, now=held, limit=2)
    assert [m.id for m in shown] == [second.id, series.id]
    done = services.cancel_meeting(session, actor, third.id, envelope=envelope, policy=Policy(), now=held,
                                   mailing=mailing)
    assert (done.status, done.series_id) == ("cancelled", series.id)
    assert session.get(Meeting, second.id).status == "scheduled"
    assert session.get(Meeting, series.id).status == "scheduled"
    # Before it begins, cancelling the first meeting cancels the series.
    again = services.convene(session, actor, MeetingIn(
        kind="mappa", title="MAPPA level 2 review", start=start, end=start + timedelta(hours=1),
        location="Probation office", case_ids=(case.id,), rrule="FREQ=MONTHLY;COUNT=3"),
        envelope=envelope, policy=Policy(), now=start - timedelta(days=10), uid_domain="hub.test",
        mailing=mailing)
    services.cancel_meeting(session, actor, again.id, envelope=envelope, policy=Policy(),
                            now=start - timedelta(days=9), mailing=mailing)
    assert {session.get(Meeting, o.id).status for o in again.occurrences} == {"cancelled"}


def test_the_series_page_lists_its_meetings_and_each_links_to_the_next(client, make, session):
    chair, officer, _nurse, police = _world(make)
    series = _series(client, make, chair, officer, police, count=3)
    meetings = series["occurrences"]
    page = client.get(f"/meetings/{meetings[1]['id']}", headers=make.headers(chair))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Fortnightly, 3 meetings: this is meeting 2 of 3." in text
    assert f'href="/meetings/{meetings[0]["id"]}" data-meeting="previous"' in text
    assert f'href="/meetings/{meetings[2]["id"]}" data-meeting="next"' in text
    assert "All 3 meetings of this series" in text
    assert "0 listed of 1" in text


def test_series_convened_before_their_meetings_were_rows_get_them_from_the_migration(fresh_database_url):
    config = migrate.alembic_config(fresh_database_url)
    command.downgrade(config, "0019")
    database = Database(fresh_database_url)
    session = database.session()
    make = Factory(session, Envelope(Keyring.generate()))
    chair = make.user(make.agency(kind="council_adults"), "lead")
    session.commit()
    # As 0019 stored a series: one row, with its rule, and a reminder sent for its third meeting.
    series_id, first = uuid.uuid4(), datetime(2027, 3, 18, 10, tzinfo=UTC)
    typed = {"id": sa.Uuid(), "organiser_id": sa.Uuid(), "organiser_agency_id": sa.Integer(),
             "capacity": sa.Integer(), "sequence": sa.Integer(), "texts_version": sa.Integer(),
             "meeting_id": sa.Uuid(), "texts_ciphertext": sa.LargeBinary(),
             **{c: UTCDateTime() for c in ("starts_at", "ends_at", "created_at", "updated_at", "occurs_at",
                                          "sent_at")}}
    table = sa.table("meetings", *(sa.column(c, typed.get(c, sa.String())) for c in (
        "id", "uid", "kind", "status", "organiser_agency_id", "organiser_id", "starts_at", "ends_at",
        "location", "rrule", "capacity", "sequence", "texts_ciphertext", "texts_version", "created_at",
        "updated_at")))
    reminders = sa.table("meeting_reminders", *(sa.column(c, typed.get(c, sa.String())) for c in (
        "meeting_id", "kind", "occurs_at", "sent_at")))
    third = datetime(2027, 4, 15, 9, tzinfo=UTC)  # 10:00 BST
    with database.engine.begin() as connection:
        connection.execute(sa.insert(table).values(
            id=series_id, uid="old@hub.test", kind="marac", status="scheduled",
            organiser_agency_id=chair.agency_id, organiser_id=chair.id, starts_at=first,
            ends_at=first + timedelta(hours=3), location="Room 1", rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=4",
            capacity=16, sequence=0, texts_ciphertext=b"sealed", texts_version=1, created_at=first,
            updated_at=first))
        connection.execute(sa.insert(reminders).values(meeting_id=series_id, kind="research",
                                                       occurs_at=third, sent_at=first))
    session.close()
    migrate.upgrade(fresh_database_url)
    session = database.session()
    later = session.scalars(select(Meeting).where(Meeting.series_id == series_id)
                            .order_by(Meeting.starts_at)).all()
    assert [m.starts_at for m in later] == [datetime(2027, 4, 1, 9, tzinfo=UTC), third,
                                            datetime(2027, 4, 29, 9, tzinfo=UTC)]
    assert {(m.uid, m.capacity, m.location, m.texts_ciphertext) for m in later} == {
        ("old@hub.test", 16, "Room 1", None)}
    moved = session.execute(sa.select(reminders.c.meeting_id)).scalars().all()
    assert moved == [later[1].id]
    session.close()
    command.downgrade(config, "0019")
    with database.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(table)) == 1
    migrate.upgrade(fresh_database_url)
    database.engine.dispose()
