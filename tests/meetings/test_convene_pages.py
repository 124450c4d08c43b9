"""Convening a meeting in the browser's pages: the form, check your answers with the law's clock
and the target date, the reason asked when the meeting would be late, and the meeting made."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from meetings.models import Meeting
from tests.support.factories.consent import ConsentFactory

NAME = "Kim Conveneperson"


def _world(make):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer = make.user(council, "lead"), make.user(police, name="DC Ada Officer")
    case = make.case(lead, members=(police,), name=NAME)
    return case, lead, officer


def _answers(officer, *, days_on: int, decided_days_ago: int = 1, **changes) -> dict:
    day = utcnow().date() + timedelta(days=days_on)
    decided = utcnow().date() - timedelta(days=decided_days_ago)
    return {"title": "Strategy meeting", "start-day": str(day.day), "start-month": str(day.month),
            "start-year": str(day.year), "start_time": "10:00", "end_time": "11:00", "location": "Room 6",
            "decided-day": str(decided.day), "decided-month": str(decided.month),
            "decided-year": str(decided.year), "decided_time": "00:01", "invitees": [str(officer.id)],
            **changes}


def test_a_lead_convenes_from_the_case_through_check_your_answers(client, make, session):
    case, lead, officer = _world(make)
    headers = make.headers(lead)
    case_page = client.get(f"/cases/{case.id}", headers=headers).get_data(as_text=True)
    assert f"/cases/{case.id}/meetings/new" in case_page
    form = client.get(f"/cases/{case.id}/meetings/new", headers=headers).get_data(as_text=True)
    assert "DC Ada Officer" in form
    check = f"/cases/{case.id}/meetings/check"
    checked = client.post(check, headers=headers, data=_answers(officer, days_on=1))
    assert checked.status_code == 200
    text = checked.get_data(as_text=True)
    assert "Check your answers before convening the meeting" in text
    assert "5 working days" in text
    assert "Why is the meeting later" not in text
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0
    made = client.post(f"/cases/{case.id}/meetings", headers=headers, data=_answers(officer, days_on=1))
    assert made.status_code == 303
    shown = client.get(made.headers["Location"], headers=headers).get_data(as_text=True)
    assert "Meeting convened" in shown
    [row] = session.scalars(select(Meeting)).all()
    assert row.starts_at.astimezone(ZoneInfo(Policy().timezone)).strftime("%H:%M") == "10:00"
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting.invitation")).all()
    assert mail.recipient == officer.email


def test_a_late_meeting_asks_why_and_keeps_the_answers(client, make, session):
    case, lead, officer = _world(make)
    headers = make.headers(lead)
    late = _answers(officer, days_on=30)
    checked = client.post(f"/cases/{case.id}/meetings/check", headers=headers, data=late).get_data(
        as_text=True)
    assert "Why is the meeting later than that?" in checked
    refused = client.post(f"/cases/{case.id}/meetings", headers=headers, data=late)
    assert refused.status_code == 422
    assert "Say why the meeting is after" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0
    made = client.post(f"/cases/{case.id}/meetings", headers=headers,
                       data={**late, "late_reason": "The adult asked to be there"})
    assert made.status_code == 303
    assert "The adult asked to be there" in client.get(made.headers["Location"], headers=headers).get_data(
        as_text=True)


def test_bad_answers_are_shown_back_with_the_error_summary_and_nothing_written(client, make, session):
    case, lead, officer = _world(make)
    headers = make.headers(lead)
    for changes, message in (({"start_time": "25:00"}, "24-hour clock"),
                             ({"end_time": "09:00"}, "must end after it starts"),
                             ({"start-day": "31", "start-month": "2"}, "must be a real date"),
                             ({"location": ""}, "Enter where the meeting is"),
                             ({"invitees": ["not-a-person"]}, "Choose people from the list")):
        answer = client.post(f"/cases/{case.id}/meetings/check", headers=headers,
                             data=_answers(officer, days_on=2, **changes))
        assert answer.status_code == 422, changes
        text = answer.get_data(as_text=True)
        assert "There is a problem" in text
        assert message in text, changes
    past = client.post(f"/cases/{case.id}/meetings/check", headers=headers,
                       data=_answers(officer, days_on=-3))
    assert past.status_code == 422
    assert "in the past" in past.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0
    stranger = make.user(make.agency())
    assert client.get(f"/cases/{case.id}/meetings/new", headers=make.headers(stranger)).status_code == 404
