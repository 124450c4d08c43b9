"""The supervision pages: allocating a case from its page; what is due for discussion, by
practitioner, overdue first, for the agency's managers and leads; recording a session through
its form, check your answers and the confirmation; the dashboard's count of overdue discussions.
Each page refuses as the API does: 403 for a practitioner, 404 for another agency's case."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import event, func, select

from concerns.models import Allocation, SupervisionAction, SupervisionDiscussion, SupervisionSession
from concerns.services import supervision
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases import services as case_services
from hub.config import Policy
from hub.db import utcnow
from hub.web.forms import long_date
from sharing.models import Action
from sharing.rules import RiskSummaryIn
from sharing.services import risk_summaries
from sharing.services.actions import create_action
from tests.concerns.test_pages import count, csrf_of, error_summary, hidden_fields, summary_links, text_of
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

NOTE = "Discussed the son's visits and the locksmith"
ACTION = "Ask the council for a locksmith"


def _today() -> date:
    return Policy().local_date(utcnow())


@pytest.fixture
def team(make, session, envelope):
    """A council team: a manager, a lead and a social worker with two cases, one of them high
    risk by its risk summary, neither allocated yet; an outside agency with its own manager."""
    council = make.agency(kind="council_adults")
    worker = make.user(council, name="Sam Carter")
    high = make.case(worker, name="Margaret Ellery")
    low = make.case(worker, name="Peter Lane")
    risk_summaries.record_summary(session, Actor(worker, "test"), high.id, RiskSummaryIn(level="high"),
                                  envelope=envelope, now=utcnow(), today=_today())
    session.commit()
    return {"council": council, "worker": worker, "high": high, "low": low,
            "manager": make.user(council, "manager", name="Grace Obi"),
            "lead": make.user(council, "lead", name="Hannah Okafor"),
            "ig": make.user(council, "ig"), "outsider": make.user(make.agency(), "manager")}


def allocate(session, by, case, to, *, weeks_ago: int = 0) -> None:  # type: ignore[no-untyped-def]
    supervision.allocate(session, Actor(by, "test"), case.id, to.id,
                         now=utcnow() - timedelta(weeks=weeks_ago))
    session.commit()


def flat(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text with its tags taken out, as a reader sees a sentence with links in it."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def row_of(body: str, case_id: uuid.UUID) -> str:
    return body.split(f'data-case-id="{case_id}"')[1].split("</tr>")[0]


def date_input(name: str, day: date | None) -> dict[str, str]:
    return {f"{name}-{part}": str(getattr(day, part)) if day else "" for part in ("day", "month", "year")}


def session_form(team, *, held_on: date | None = None, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The session's form discussing the high-risk case, with a note and an action due in a week."""
    held_on, high = held_on or _today(), team["high"].id
    due = _today() + timedelta(days=7)
    form: dict[str, object] = {
        "supervisee_id": str(team["worker"].id), "held_on-day": str(held_on.day),
        "held_on-month": str(held_on.month), "held_on-year": str(held_on.year), "cases": [str(high)],
        f"notes.{high}": NOTE, f"actions.{high}": ACTION, f"action_due.{high}-day": str(due.day),
        f"action_due.{high}-month": str(due.month), f"action_due.{high}-year": str(due.year)}
    form.update(changes)
    return form


# --- allocation ---------------------------------------------------------------------------------

def test_allocating_a_case_from_its_page_shows_the_worker_in_the_panel(client, make, session, team):
    high, manager = team["high"], team["manager"]
    sign_in(client, session, manager)
    page = client.get(f"/cases/{high.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Allocated worker (your agency)" in text
    assert "Your agency has not allocated this case to anyone." in text
    body = page.get_data(as_text=True)
    form = body.split(f'action="/cases/{high.id}/allocation"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', form) == [
        "", *(str(p.id) for p in sorted((team["worker"], manager, team["lead"]), key=lambda p: p.name))]
    assert str(team["ig"].id) not in form  # IG holds no caseload
    refused = client.post(f"/cases/{high.id}/allocation", data={"allocate_to": str(team["worker"].id)})
    assert refused.status_code == 403  # no CSRF token
    done = client.post(f"/cases/{high.id}/allocation",
                       data={"allocate_to": str(team["worker"].id), "csrf_token": csrf_of(page)})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/cases/{high.id}#allocated-worker"
    shown = client.get(f"/cases/{high.id}").get_data(as_text=True)
    worker_line = shown.split('data-allocation="worker">', 1)[1].split("</p>", 1)[0]
    assert "Sam Carter" in worker_line
    assert f'<option value="{team["worker"].id}" selected' in shown
    session.expire_all()
    [row] = session.scalars(select(Allocation)).all()
    assert (row.case_id, row.user_id, row.agency_id, row.ended_at) == (high.id, team["worker"].id,
                                                                       team["council"].id, None)
    # "No one" ends it; IG sees who it is (no one) but not the form.
    ended = client.post(f"/cases/{high.id}/allocation", data={"allocate_to": "", "csrf_token": csrf_of(page)})
    assert ended.status_code == 303
    ig_page = client.get(f"/cases/{high.id}", headers=make.headers(team["ig"]))
    assert "Your agency has not allocated this case to anyone." in text_of(ig_page)
    assert "/allocation" not in ig_page.get_data(as_text=True)


def test_allocating_someone_of_another_agency_asks_again_with_the_error_summary(client, make, session, team):
    high, headers = team["high"], make.headers(team["manager"])
    outsider, ig = make.headers(team["outsider"]), make.headers(team["ig"])
    before = take_snapshot(session)
    refused = client.post(f"/cases/{high.id}/allocation", headers=headers,
                          data={"allocate_to": str(team["outsider"].id)})
    assert refused.status_code == 422
    assert read_page(refused.get_data(as_text=True)).title.startswith("Error: ")
    assert error_summary(refused) == ["Choose an active practitioner of your agency"]
    assert summary_links(refused) == ["allocate_to"]
    assert client.post(f"/cases/{high.id}/allocation", headers=headers,
                       data={"allocate_to": "not-a-person"}).status_code == 422
    # Another agency's case does not exist for the outsider; IG may not allocate.
    assert client.post(f"/cases/{high.id}/allocation", headers=outsider,
                       data={"allocate_to": ""}).status_code == 404
    assert client.post(f"/cases/{high.id}/allocation", headers=ig,
                       data={"allocate_to": ""}).status_code == 404
    assert_nothing_written(session, before)


# --- who may see and record supervision ---------------------------------------------------------

def test_a_practitioner_is_refused_supervision_and_the_session_form(client, make, session, team):
    allocate(session, team["manager"], team["high"], team["worker"], weeks_ago=5)
    headers = make.headers(team["worker"])
    before = take_snapshot(session)
    for response in (client.get("/supervision", headers=headers),
                     client.get("/supervision/new", headers=headers),
                     client.post("/supervision/new", headers=headers, data=session_form(team)),
                     client.post("/supervision/check", headers=headers, data=session_form(team)),
                     client.post("/supervision", headers=headers, data=session_form(team)),
                     client.get(f"/supervision/{uuid.uuid4()}/recorded", headers=headers)):
        assert response.status_code == 403
        assert read_page(response.get_data(as_text=True)).h1 == ["Forbidden"]
        assert NOTE not in response.get_data(as_text=True)
    events = assert_nothing_written(session, before)
    assert [e["action"] for e in events] == ["access.denied"] * 6
    assert count(session, SupervisionSession) == 0
    dashboard = client.get("/", headers=headers).get_data(as_text=True)
    assert 'href="/supervision"' not in dashboard


# --- what is due ---------------------------------------------------------------------------------

def test_a_manager_sees_an_undiscussed_high_risk_case_as_overdue(client, make, session, team):
    high, low, worker = team["high"], team["low"], team["worker"]
    allocate(session, team["manager"], low, worker)
    allocate(session, team["manager"], high, worker)
    for allocation in session.scalars(select(Allocation)):
        allocation.allocated_at = utcnow() - timedelta(weeks=5)
    session.commit()
    response = client.get("/supervision", headers=make.headers(team["manager"]))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    team_table = body.split(f'data-supervisee-id="{worker.id}"')[1].split("</table>")[0]
    assert "Sam Carter" in team_table
    assert team_table.index(str(high.id)) < team_table.index(str(low.id))  # overdue first
    overdue = row_of(body, high.id)
    assert f'href="/cases/{high.id}">{high.ref}</a>' in overdue
    assert "High" in overdue
    assert "Never" in overdue
    assert long_date(_today() - timedelta(weeks=1)) in overdue  # due four weeks after allocation
    assert 'govuk-tag--red">Overdue' in overdue
    other = row_of(body, low.id)
    assert "Not assessed" in other
    assert long_date(_today() + timedelta(weeks=7)) in other
    assert "Overdue" not in other
    assert f'href="/supervision/new?supervisee={worker.id}"' in body
    assert "2 allocated cases, 1 overdue for discussion" in flat(response)
    # Listing what is due is audited, as over the API.
    session.expire_all()
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "supervision.due"
    # The outside agency's manager has nothing allocated; IG is refused.
    assert "has not allocated any cases" in text_of(client.get("/supervision",
                                                               headers=make.headers(team["outsider"])))
    assert client.get("/supervision", headers=make.headers(team["ig"])).status_code == 403


def test_the_list_of_what_is_due_sends_as_many_statements_for_many_cases_as_for_one(
        client, make, session, team, engine):
    allocate(session, team["manager"], team["high"], team["worker"])
    headers = make.headers(team["lead"])

    def statements() -> int:
        sent: list[str] = []

        def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            sent.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert client.get("/supervision", headers=headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return len(sent)

    statements()  # once, so that what a first request alone does is not counted
    one = statements()
    for n in range(4):
        colleague = make.user(team["council"], name=f"Colleague {n}")
        allocate(session, team["manager"], make.case(colleague, name=f"Person {n}"), colleague)
    assert statements() == one


def test_the_dashboard_counts_overdue_discussions_for_managers_and_writes_no_audit_row(
        client, make, session, team):
    headers = make.headers(team["manager"])
    allocate(session, team["manager"], team["high"], team["worker"])

    def listed() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "supervision.due"))

    before = listed()
    calm = client.get("/", headers=headers)
    assert "No discussions are overdue in supervision." in flat(calm)
    assert 'href="/supervision"' in calm.get_data(as_text=True)
    assert listed() == before  # nothing to show: no audit row
    for allocation in session.scalars(select(Allocation)):
        allocation.allocated_at = utcnow() - timedelta(weeks=5)
    session.commit()
    late = client.get("/", headers=headers)
    assert "1 discussion overdue in supervision" in flat(late)
    assert '<a class="govuk-link" href="/supervision">1 discussion overdue' in late.get_data(as_text=True)
    assert listed() == before  # a count names nobody: no audit row either
    assert "discussion overdue" in flat(client.get("/", headers=make.headers(team["lead"])))


# --- recording a session --------------------------------------------------------------------------

def test_recording_a_session_through_the_form_and_check_answers_writes_the_discussion_and_an_action(
        client, make, session, team, envelope):
    high, low, worker, manager = team["high"], team["low"], team["worker"], team["manager"]
    allocate(session, manager, high, worker, weeks_ago=5)
    allocate(session, manager, low, worker, weeks_ago=5)
    sign_in(client, session, manager)
    form = client.get(f"/supervision/new?supervisee={worker.id}")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert f'<option value="{worker.id}" selected' in body
    assert f'value="{manager.id}"' not in body  # a supervisor does not supervise themselves
    assert f'name="cases" type="checkbox" value="{high.id}"' in body
    assert f'name="cases" type="checkbox" value="{low.id}"' in body
    assert re.search(rf'name="held_on-day" type="text" value="{_today().day}"', body.replace(
        'inputmode="numeric" ', ""))
    token = csrf_of(form)
    check = client.post("/supervision/check", data={**session_form(team), "csrf_token": token})
    assert check.status_code == 200, text_of(check)
    shown = text_of(check)
    assert "Check your answers before recording the session" in shown
    assert NOTE in shown
    assert f"Action for Sam Carter: {ACTION}, due {long_date(_today() + timedelta(days=7))}" in shown
    assert low.ref not in shown
    assert count(session, SupervisionSession) == 0
    carried = hidden_fields(check, "/supervision")
    assert carried[f"notes.{high.id}"] == NOTE
    assert carried.getlist("cases") == [str(high.id)]
    recorded = client.post("/supervision", data=carried)
    assert recorded.status_code == 303, text_of(recorded)
    session.expire_all()
    [row] = session.scalars(select(SupervisionSession)).all()
    assert recorded.headers["Location"] == f"/supervision/{row.id}/recorded"
    assert (row.supervisor_id, row.supervisee_id, row.held_on) == (manager.id, worker.id, _today())
    [discussion] = session.scalars(select(SupervisionDiscussion)).all()
    assert discussion.case_id == high.id
    assert NOTE.encode() not in bytes(discussion.note_ciphertext)
    [action] = session.scalars(select(Action)).all()
    assert (action.case_id, action.assignee_id, action.agency_id, action.due) == (
        high.id, worker.id, worker.agency_id, _today() + timedelta(days=7))
    [link] = session.scalars(select(SupervisionAction)).all()
    assert (link.action_id, link.discussion_id) == (action.id, discussion.id)
    # An action the supervisor sets the worker on the same case outside the session is not the
    # session's, although it is the same case, people and (here) instant.
    other = create_action(session, Actor(manager, "test"), high.id, title="Unrelated visit",
                          agency_code=manager.agency.code, due=_today() + timedelta(days=3),
                          assignee_id=worker.id, envelope=envelope,
                          now=action.created_at, today=_today())
    session.commit()
    confirmation = client.get(recorded.headers["Location"])
    assert f"/actions/{other.id}" not in confirmation.get_data(as_text=True)
    text = text_of(confirmation)
    assert "Supervision session recorded" in text
    assert f"With Sam Carter on {long_date(_today())}" in text
    confirmed = confirmation.get_data(as_text=True)
    assert f'href="/cases/{high.id}">{high.ref}</a>' in confirmed
    assert f'href="/actions/{action.id}">Action on {high.ref}</a>' in confirmed
    assert NOTE not in confirmed
    assert ACTION not in confirmed
    # The case is no longer overdue; the other still is.
    due = client.get("/supervision").get_data(as_text=True)
    assert "Overdue" not in row_of(due, high.id)
    assert long_date(_today()) in row_of(due, high.id)  # last discussed
    assert "Never" in row_of(due, low.id)
    # Only the supervisor who recorded it sees the confirmation.
    for other in (team["lead"], team["outsider"]):
        assert client.get(recorded.headers["Location"], headers=make.headers(other)).status_code == 404


def test_a_validation_error_shows_the_error_summary_and_keeps_the_answers(client, make, session, team):
    allocate(session, team["manager"], team["high"], team["worker"])
    headers = make.headers(team["manager"])
    tomorrow = _today() + timedelta(days=1)
    before = take_snapshot(session)
    response = client.post("/supervision/check", headers=headers,
                           data=session_form(team, held_on=tomorrow, cases=[]))
    assert response.status_code == 422
    assert read_page(response.get_data(as_text=True)).title.startswith("Error: ")
    assert error_summary(response) == ["The session must have taken place: a date today or earlier",
                                       "Choose at least one case discussed"]
    assert summary_links(response) == ["held_on-day", "cases"]
    body = response.get_data(as_text=True)
    assert str(escape(NOTE)) in body
    assert f'value="{escape(ACTION)}"' in body
    typed_day = f'name="held_on-day" type="text" value="{tomorrow.day}"'
    assert typed_day in body.replace('inputmode="numeric" ', "")
    assert f'<option value="{team["worker"].id}" selected' in body
    # Recording straight away meets the same problems, and writes nothing.
    recorded = client.post("/supervision", headers=headers, data=session_form(team, held_on=tomorrow))
    assert recorded.status_code == 422
    assert error_summary(recorded) == ["The session must have taken place: a date today or earlier"]
    assert_nothing_written(session, before)
    assert count(session, SupervisionSession) == 0


def test_a_discussions_problems_are_shown_at_its_cases_fields(client, make, session, team):
    high, low, worker = team["high"], team["low"], team["worker"]
    allocate(session, team["manager"], high, worker)
    allocate(session, team["manager"], low, worker)
    headers = make.headers(team["manager"])
    # The low case is discussed second: its action says what but not when, and its note is too long.
    response = client.post("/supervision/check", headers=headers, data=session_form(
        team, cases=[str(high.id), str(low.id)],
        **{f"actions.{low.id}": "Visit", f"notes.{low.id}": "x" * 2001, f"action_due.{high.id}-month": "13"}))
    assert response.status_code == 422
    # In page order: the caseload by reference, and each case's note, action and due date.
    problems = {high.id: [(f"action_due.{high.id}-day", "The date the action is due must be a real date")],
                low.id: [(f"notes.{low.id}", "Keep the note to 2,000 characters of text"),
                         (f"action_due.{low.id}-day", "Give a due date, today or later")]}
    expected = [p for case in sorted((high, low), key=lambda c: c.ref) for p in problems[case.id]]
    assert error_summary(response) == [message for _field, message in expected]
    assert summary_links(response) == [field for field, _message in expected]
    body = response.get_data(as_text=True)
    assert 'value="Visit"' in body
    assert f'name="cases" type="checkbox" value="{low.id}" checked' in body
    # A case that is not the supervisee's (the form offers only theirs) is refused at the checkboxes.
    theirs = make.case(team["lead"], name="Other Person")
    stray = client.post("/supervision/check", headers=headers,
                        data=session_form(team, cases=[str(theirs.id)]))
    assert stray.status_code == 422
    assert error_summary(stray) == ["Choose from the cases allocated to Sam Carter"]
    assert summary_links(stray) == ["cases"]
    # A case of the caseload the agency has since been removed from: the services' problem with
    # the discussion (``discussions.0.case_id``) is shown at the checkboxes.
    police = make.agency()
    ConsentFactory(make).agreement(police, team["council"])
    officer = make.user(police)
    shared = make.case(officer, members=(team["council"],), name="Shared Person")
    allocate(session, team["manager"], shared, worker)
    case_services.remove_member(session, Actor(officer, "test"), shared.id, team["council"].code,
                                now=utcnow())
    session.commit()
    gone = client.post("/supervision/check", headers=headers, data=session_form(team, cases=[str(shared.id)]))
    assert gone.status_code == 422
    assert error_summary(gone) == ["Choose a case your agency works on"]
    assert summary_links(gone) == ["cases"]


@pytest.mark.parametrize("change", [
    lambda t: {"held_on": (_today() + timedelta(days=1)).isoformat()},
    lambda t: {"supervisee_id": str(t["outsider"].id)},
    lambda t: {"supervisee_id": str(t["manager"].id)},
    lambda t: {"discussions": [{"case_id": str(t["high"].id), "actions": [
        {"title": "Late", "due": (_today() - timedelta(days=1)).isoformat()}]}]},
])
def test_the_check_page_finds_the_problems_recording_the_session_would_meet(
        client, make, session, team, change):
    allocate(session, team["manager"], team["high"], team["worker"])
    headers = make.headers(team["manager"])
    body = {"supervisee_id": str(team["worker"].id), "held_on": _today().isoformat(),
            "discussions": [{"case_id": str(team["high"].id)}], **change(team)}
    api = client.post("/api/v1/supervision", json=body, headers=headers)
    assert api.status_code == 422
    high = team["high"].id
    [discussion] = body["discussions"]
    [action] = discussion.get("actions") or [{"title": "", "due": None}]
    form = {"supervisee_id": body["supervisee_id"], "cases": [str(high)], f"actions.{high}": action["title"],
            **date_input("held_on", date.fromisoformat(body["held_on"])),
            **date_input(f"action_due.{high}", date.fromisoformat(action["due"]) if action["due"] else None)}
    page = client.post("/supervision/check", headers=headers, data=form)
    assert page.status_code == 422
    assert error_summary(page) == list(api.json["errors"].values())


def test_changing_answers_or_the_supervisee_keeps_what_was_typed(client, make, session, team):
    high, worker = team["high"], team["worker"]
    allocate(session, team["manager"], high, worker)
    colleague = make.user(team["council"], name="Alex Morgan")
    theirs = make.case(colleague, name="Ruth Newcase")
    allocate(session, team["manager"], theirs, colleague)
    headers = make.headers(team["manager"])
    check = client.post("/supervision/check", headers=headers, data=session_form(team))
    back = client.post("/supervision/new", headers=headers, data=hidden_fields(check, "/supervision"))
    assert back.status_code == 200
    body = back.get_data(as_text=True)
    assert str(escape(NOTE)) in body
    assert f'name="cases" type="checkbox" value="{high.id}" checked' in body
    assert 'formaction="/supervision/new"' in body  # "Show their cases", without JavaScript
    # Another supervisee: their caseload, and the date typed is kept.
    other = client.post("/supervision/new", headers=headers, data=session_form(
        team, supervisee_id=str(colleague.id), **{"held_on-day": "1"}))
    body = other.get_data(as_text=True)
    assert f'value="{theirs.id}"' in body
    assert f'value="{high.id}"' not in body
    assert 'name="held_on-day" type="text" value="1"' in body.replace('inputmode="numeric" ', "")
    assert "Which of Alex Morgan&#39;s cases did you discuss?" in body
    # Nobody chosen yet: the cases wait for a supervisee.
    assert "Choose who you supervised" in text_of(client.get("/supervision/new", headers=headers))
    assert session.scalar(select(func.count()).select_from(SupervisionSession)) == 0
