"""The MARAC pages: the referring agency records the criteria from the case; the coordinator sees
the queue (a repeat marked, by reference only) and lists the case at the next MARAC, whose page
shows the agenda in its order once the statement is acknowledged."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.cases.models import CaseKind
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory

COORDINATOR = "MARAC-PG"
NAME = "Robin Queueperson"


@pytest.fixture
def settings(settings):
    return replace(settings, policy=replace(settings.policy, marac_coordinator_agency=COORDINATOR))


def test_refer_queue_list_and_read_the_agenda(client, make):
    coordinator, police = make.agency(COORDINATOR, kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(coordinator, police)
    chair, officer = make.user(coordinator, "lead"), make.user(police)
    make.case(officer, kind=CaseKind.MARAC, name=NAME)
    case = make.case(officer, kind=CaseKind.MARAC, name=NAME)  # a repeat, of the officer's own case
    officer_headers, chair_headers = make.headers(officer), make.headers(chair)
    page = client.get(f"/cases/{case.id}", headers=officer_headers).get_data(as_text=True)
    assert "Record the referral" in page
    bad = client.post(f"/cases/{case.id}/marac-referral", headers=officer_headers,
                      data={"dash_score": "8", "children": "yes", "victim_aware": "no"})
    assert bad.status_code == 422
    assert "Say why the victim does not know" in bad.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/marac-referral", headers=officer_headers,
                       data={"dash_score": "16", "children": "yes", "victim_aware": "yes"})
    assert done.status_code == 303
    assert "Visible high risk (DASH)" in client.get(f"/cases/{case.id}", headers=officer_headers).get_data(
        as_text=True)
    start = utcnow().replace(microsecond=0) + timedelta(days=5)
    meeting = client.post("/api/v1/meetings", headers=chair_headers, json={
        "kind": "marac", "title": "MARAC", "location": "Room 1", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "case_ids": [], "capacity": 16}).json["id"]
    dashboard = client.get("/", headers=chair_headers).get_data(as_text=True)
    assert "MARAC referrals waiting to be heard" in dashboard
    queue = client.get("/marac/queue", headers=chair_headers).get_data(as_text=True)
    assert case.ref in queue
    assert "Repeat" in queue
    assert NAME not in queue
    listed = client.post("/marac/queue/list", headers=chair_headers,
                         data={"case_id": str(case.id), "meeting_id": meeting})
    assert listed.status_code == 303
    assert client.get("/marac/queue", headers=make.headers(officer)).status_code == 403
    client.post(f"/meetings/{meeting}/acknowledge", headers=chair_headers)
    agenda = client.get(f"/meetings/{meeting}", headers=chair_headers).get_data(as_text=True)
    assert agenda.index("Incomplete actions") < agenda.index("New cases with children") < agenda.index(
        "Any other business")
    assert case.ref in agenda
    assert "Record your agency" not in agenda  # the coordinator is not a member of the case
    # The referring officer records the police's research from the agenda.
    client.post(f"/meetings/{meeting}/acknowledge", headers=officer_headers)
    mine = client.get(f"/meetings/{meeting}", headers=officer_headers).get_data(as_text=True)
    assert f"/meetings/{meeting}/research/{case.id}" in mine
    assert client.get(f"/meetings/{meeting}/research/{case.id}", headers=officer_headers).status_code == 200
    refused = client.post(f"/meetings/{meeting}/research/{case.id}", headers=officer_headers,
                          data={"withheld": "A source"})
    assert refused.status_code == 422
    assert "Say why your agency chose not to share it" in refused.get_data(as_text=True)
    saved = client.post(f"/meetings/{meeting}/research/{case.id}", headers=officer_headers,
                        data={"brought": "Three call-outs since January"})
    assert saved.status_code == 303
    assert "Three call-outs since January" in client.get(saved.headers["Location"],
                                                         headers=officer_headers).get_data(as_text=True)


def test_the_coordinator_convenes_a_marac_series_from_the_queue_page(client, make, session):
    coordinator, police = make.agency(COORDINATOR, kind="council_adults"), make.agency()
    chair, officer = make.user(coordinator, "lead", name="Chair Person"), make.user(police, name="DC Queue")
    headers = make.headers(chair)
    assert "/marac/meetings/new" in client.get("/marac/queue", headers=headers).get_data(as_text=True)
    form = client.get("/marac/meetings/new", headers=headers).get_data(as_text=True)
    assert "DC Queue" in form
    day = utcnow().date() + timedelta(days=9)
    answers = {"title": "Northshire MARAC", "start-day": str(day.day), "start-month": str(day.month),
               "start-year": str(day.year), "start_time": "10:00", "end_time": "13:00", "location": "HQ",
               "series": "fortnightly", "count": "6", "capacity": "16", "invitees": [str(officer.id)]}
    checked = client.post("/marac/meetings/check", headers=headers, data=answers)
    assert checked.status_code == 200
    assert "Cases each meeting" in checked.get_data(as_text=True)
    made = client.post("/marac/meetings", headers=headers, data=answers)
    assert made.status_code == 303
    shown = client.get(made.headers["Location"], headers=headers).get_data(as_text=True)
    assert "Fortnightly, 6 meetings: this is meeting 1 of 6." in shown
    assert client.get("/marac/meetings/new", headers=make.headers(officer)).status_code == 403
