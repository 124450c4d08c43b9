"""The pages of cross-agency actions: a case's actions seen by every member, the form that sets one
(422 with the error summary, nothing written), an action's page with its history and the form that
changes its status (the assigned or the lead agency; 403 for another member), "my agency's
actions", and the dashboard and case-page panels."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hub.actor import Actor
from hub.config import Policy
from hub.db import utcnow
from sharing.models import Action, ActionChange
from sharing.services import actions as action_services
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

SUBJECT = "Robin Actionperson"
NO_CONTROL = "Remove the control characters (such as NUL) from this text"
TITLE = "Visit Robin at home with the community nurse"


def _today() -> date:
    return Policy().local_date(utcnow())


@pytest.fixture
def world(make, session):
    """A case led by ``lead`` with ``partner`` and ``third`` admitted under an agreement; ``officer``
    works for the lead agency, ``nurse`` for the partner, ``clerk`` for the third member and
    ``stranger`` for an agency outside the case."""
    lead, partner, third, outside = (make.agency(), make.agency(kind="nhs_acute"),
                                     make.agency(kind="council_adults"), make.agency())
    officer = make.user(lead, name="Sam Officer")
    ConsentFactory(make).agreement(lead, partner, third, title="Northshire safeguarding agreement")
    case = make.case(officer, members=(partner, third), name=SUBJECT)
    return {"lead": lead, "partner": partner, "third": third, "officer": officer,
            "nurse": make.user(partner, name="Chris Nurse"), "clerk": make.user(third),
            "stranger": make.user(outside), "case": case}


def set_action(make, world, *, title=TITLE, agency=None, due=None, set_on=None):  # type: ignore[no-untyped-def]
    """An action the lead agency's officer sets, for the partner unless told otherwise; ``set_on``
    is the day it was set (an earlier day lets it be overdue now)."""
    agency = agency or world["partner"]
    today = set_on or _today()
    return action_services.create_action(
        make.session, Actor(world["officer"], "test"), world["case"].id, title=title,
        agency_code=agency.code, due=due or _today() + timedelta(days=7), envelope=make.envelope,
        now=utcnow(), today=today)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True)).text


def title_of(response) -> str:  # type: ignore[no-untyped-def]
    return read_page(response.get_data(as_text=True)).title


def error_summary(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in body
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<a href="[^"]*">([^<]*)</a>', summary)]


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def new_form(**changes: str) -> dict[str, str]:
    due = _today() + timedelta(days=10)
    return {"title": TITLE, "agency": "", "assignee": "", "due-day": str(due.day),
            "due-month": str(due.month), "due-year": str(due.year), **changes}


# --- who sees what ----------------------------------------------------------------------------

def test_every_member_sees_the_pages_and_anyone_else_gets_404(client, make, world):
    case = world["case"]
    action = set_action(make, world)
    paths = [f"/cases/{case.id}/actions", f"/cases/{case.id}/actions/new", f"/actions/{action.id}"]
    for member in ("officer", "nurse", "clerk"):
        headers = make.headers(world[member])
        for path in paths:
            seen = client.get(path, headers=headers)
            assert seen.status_code == 200, (member, path)
            assert "There is a problem" not in text_of(seen)
            assert SUBJECT not in title_of(seen)
    stranger = make.headers(world["stranger"])
    for path in paths:
        hidden = client.get(path, headers=stranger)
        assert hidden.status_code == 404, path
        assert TITLE not in hidden.get_data(as_text=True)
    posted = client.post(f"/actions/{action.id}/status", headers=stranger,
                         data={"status": "done", "evidence": "x"})
    assert posted.status_code == 404
    assert client.get(f"/actions/{case.id}", headers=make.headers(world["officer"])).status_code == 404


def test_the_case_actions_page_lists_every_members_action_with_status_and_overdue(client, make, world):
    case = world["case"]
    set_action(make, world, title="Check the GP record", agency=world["third"],
               due=_today() - timedelta(days=2), set_on=_today() - timedelta(days=9))
    set_action(make, world)
    page = client.get(f"/cases/{case.id}/actions", headers=make.headers(world["nurse"]))
    text = text_of(page)
    assert text.index("Check the GP record") < text.index(TITLE)
    assert "Overdue" in text
    assert "Open" in text
    assert world["third"].name in text
    assert world["partner"].name in text
    assert f'href="/cases/{case.id}/actions/new"' in page.get_data(as_text=True)


def test_ig_reads_the_actions_but_neither_sets_nor_changes_them(client, make, world):
    action = set_action(make, world)
    ig = make.headers(make.user(world["lead"], "ig"))
    assert client.get(f"/cases/{world['case'].id}/actions", headers=ig).status_code == 200
    seen = client.get(f"/actions/{action.id}", headers=ig)
    assert seen.status_code == 200
    assert "Change the status" not in text_of(seen)
    assert client.get(f"/cases/{world['case'].id}/actions/new", headers=ig).status_code == 404
    assert client.get("/actions", headers=ig).status_code == 403


# --- setting an action --------------------------------------------------------------------------

def test_setting_an_action_for_a_partner_and_a_named_person_leads_to_its_page(client, make, world,
                                                                              session):
    case, nurse = world["case"], world["nurse"]
    headers = make.headers(world["officer"])
    form = client.get(f"/cases/{case.id}/actions/new", headers=headers).get_data(as_text=True)
    assert "Chris Nurse" in form
    assert world["third"].name in form
    assert world["stranger"].name not in form
    answer = client.post(f"/cases/{case.id}/actions/new", headers=headers,
                         data=new_form(agency=world["partner"].code, assignee=str(nurse.id)))
    assert answer.status_code == 303, text_of(answer)
    location = answer.headers["Location"]
    assert re.search(r"/actions/[0-9a-f-]{36}\?done=set$", location)
    page = client.get(location, headers=headers)
    text = text_of(page)
    assert "Action set" in text
    assert TITLE in text
    assert "Chris Nurse" in text
    assert SUBJECT not in title_of(page)
    [stored] = session.scalars(select(Action).where(Action.case_id == case.id)).all()
    assert (stored.agency_id, stored.assignee_id) == (world["partner"].id, nurse.id)


@pytest.mark.parametrize(("changes", "messages"), [
    ({"title": "", "agency": "", "due-day": "", "due-month": "", "due-year": ""},
     ["Say what the agency is to do", "Choose the agency the action is for",
      "Enter the date the action is due"]),
    ({"due-day": "30", "due-month": "2"}, ["The date the action is due must be a real date"]),
    ({"due-day": "next", "due-month": "Tuesday"}, ["The date the action is due must be a real date"]),
    ({"due-year": "2001"}, ["The due date must be today or in the future"]),
    ({"title": "x" * 501}, ["The action must be 500 characters or fewer"]),
    ({"agency": "NO-SUCH"}, ["Choose an agency that is a member of this case"]),
    ({"assignee": "not-a-person"}, ["Choose a person from the list, or no one in particular"]),
    ({"title": "bad\x00byte"}, [NO_CONTROL]),
])
def test_a_bad_action_is_shown_again_with_the_error_summary_and_nothing_is_written(
        client, make, world, session, changes, messages):
    case = world["case"]
    data = {"agency": world["partner"].code, **changes}
    headers = make.headers(world["officer"])
    before = take_snapshot(session)
    answer = client.post(f"/cases/{case.id}/actions/new", headers=headers, data=new_form(**data))
    assert answer.status_code == 422
    assert error_summary(answer) == messages
    assert title_of(answer).startswith("Error: ")
    assert_nothing_written(session, before)


def test_a_person_of_another_agency_cannot_be_named_and_what_was_typed_is_kept(client, make, world,
                                                                               session):
    case = world["case"]
    headers = make.headers(world["officer"])
    before = take_snapshot(session)
    answer = client.post(f"/cases/{case.id}/actions/new", headers=headers,
                         data=new_form(agency=world["third"].code, assignee=str(world["nurse"].id)))
    assert answer.status_code == 422
    assert error_summary(answer) == ["Choose a person of the agency the action is for"]
    assert TITLE in answer.get_data(as_text=True)
    assert_nothing_written(session, before)


def test_an_agency_that_left_the_case_cannot_be_given_an_action(client, make, world, session):
    agency = make.agency()
    headers = make.headers(world["officer"])
    before = take_snapshot(session)
    answer = client.post(f"/cases/{world['case'].id}/actions/new", headers=headers,
                         data=new_form(agency=agency.code))
    assert answer.status_code == 422
    assert error_summary(answer) == ["Choose an agency that is a member of this case"]
    assert_nothing_written(session, before)


# --- changing the status ------------------------------------------------------------------------

def test_the_assigned_agency_marks_it_done_with_evidence_and_the_history_shows_both(
        client, make, world, session):
    action = set_action(make, world)
    headers = make.headers(world["nurse"])
    page = client.get(f"/actions/{action.id}", headers=headers)
    assert "Change the status" in text_of(page)
    answer = client.post(f"/actions/{action.id}/status", headers=headers,
                         data={"status": "done", "note": "Visited on Tuesday",
                               "evidence": "Visit record 4411 in the trust's notes"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/actions/{action.id}?done=changed")
    text = text_of(client.get(answer.headers["Location"], headers=headers))
    assert "Status changed" in text
    assert "Visit record 4411 in the trust's notes" in text
    assert "Visited on Tuesday" in text
    assert "Sam Officer" in text
    assert "Chris Nurse" in text
    history = text.split("History", 1)[1]
    assert history.index("Open") < history.index("Done")
    assert count(session, ActionChange) == 2


def test_the_lead_agency_changes_the_status_of_a_partners_action(client, make, world):
    action = set_action(make, world)
    answer = client.post(f"/actions/{action.id}/status", headers=make.headers(world["officer"]),
                         data={"status": "not_possible_circumstances_changed",
                               "note": "Robin moved out of the area"})
    assert answer.status_code == 303


def test_another_member_agency_gets_403_and_no_form(client, make, world, session):
    action = set_action(make, world)
    headers = make.headers(world["clerk"])
    page = client.get(f"/actions/{action.id}", headers=headers)
    assert page.status_code == 200
    assert "Change the status" not in text_of(page)
    before = take_snapshot(session)
    refused = client.post(f"/actions/{action.id}/status", headers=headers,
                          data={"status": "done", "evidence": "Done it"})
    assert refused.status_code == 403
    assert "lead agency" in text_of(refused)
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("data", "messages"), [
    ({}, ["Choose the action's new status"]),
    ({"status": "finished"}, ["Choose open, done, not possible or not done"]),
    ({"status": "open"}, ["The action is already open"]),
    ({"status": "done", "evidence": "  "}, ["Say what was done, as evidence of completion"]),
    ({"status": "not_done_by_agency"}, ["Say why the action was not done"]),
    ({"status": "done", "evidence": "x" * 10_001}, ["Keep it to 10,000 characters or fewer"]),
    ({"status": "done", "evidence": "ok\x00"}, [NO_CONTROL]),
])
def test_a_bad_status_change_is_shown_again_with_the_error_summary_and_nothing_is_written(
        client, make, world, session, data, messages):
    action = set_action(make, world)
    headers = make.headers(world["nurse"])
    before = take_snapshot(session)
    answer = client.post(f"/actions/{action.id}/status", headers=headers, data=data)
    assert answer.status_code == 422
    assert error_summary(answer) == messages
    assert title_of(answer).startswith("Error: ")
    assert TITLE in text_of(answer)
    assert_nothing_written(session, before)


# --- my agency's actions and the panels --------------------------------------------------------------

def test_my_agencys_actions_filter_sort_and_page(client, make, world):
    soon = set_action(make, world, title="Ring the GP", due=_today() + timedelta(days=1))
    set_action(make, world, title="Write to the school", due=_today() + timedelta(days=30))
    set_action(make, world, title="For someone else", agency=world["third"])
    action_services.change_status(make.session, Actor(world["nurse"], "test"), soon.id, status="done",
                                  evidence="Done", envelope=make.envelope, now=utcnow())
    headers = make.headers(world["nurse"])
    text = text_of(client.get("/actions", headers=headers))
    assert "Write to the school" in text
    assert "Ring the GP" not in text
    assert "For someone else" not in text
    text = text_of(client.get("/actions?status=all&sort=-due", headers=headers))
    assert text.index("Write to the school") < text.index("Ring the GP")
    text = text_of(client.get("/actions?status=all&sort=due", headers=headers))
    assert text.index("Ring the GP") < text.index("Write to the school")
    assert "No actions on this page" in text_of(client.get("/actions?page=2", headers=headers))


@pytest.mark.parametrize("query", ["status=finished", "sort=up", "page=0", "page=x", "page=99999",
                                   "status=%00"])
def test_a_bad_filter_is_422_with_the_error_summary(client, make, world, query):
    answer = client.get(f"/actions?{query}", headers=make.headers(world["nurse"]))
    assert answer.status_code == 422
    assert len(error_summary(answer)) == 1


def test_the_dashboard_lists_the_agencys_open_actions_the_overdue_first(client, make, world):
    set_action(make, world, title="Due next week")
    set_action(make, world, title="Long overdue", due=_today() - timedelta(days=3),
               set_on=_today() - timedelta(days=10))
    set_action(make, world, title="Not ours", agency=world["third"])
    page = client.get("/", headers=make.headers(world["nurse"]))
    body = page.get_data(as_text=True)
    panel = body.split('data-panel="open-actions"', 1)[1].split("</div>", 1)[0]
    assert panel.index("Long overdue") < panel.index("Overdue") < panel.index("Due next week")
    assert "Not ours" not in panel
    assert 'href="/actions"' in panel


def test_the_dashboard_has_no_actions_panel_for_roles_without_the_list(client, make, world):
    page = client.get("/", headers=make.headers(make.user(world["partner"], "ig")))
    assert "My agency's open actions" not in text_of(page)


def test_the_case_page_counts_open_and_overdue_actions(client, make, world):
    case = world["case"]
    set_action(make, world)
    set_action(make, world, title="Overdue one", due=_today() - timedelta(days=1),
               set_on=_today() - timedelta(days=5))
    page = client.get(f"/cases/{case.id}", headers=make.headers(world["clerk"]))
    text = text_of(page)
    assert re.search(r"2 open actions, ?1 overdue ?, of 2 set\.", re.sub(r"\s+", " ", text))
    assert f'href="/cases/{case.id}/actions"' in page.get_data(as_text=True)
