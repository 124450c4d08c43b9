"""The pages of professional challenge: raised from an action by another member agency, one
challenge with its stage, deadline and history, resolved by the raiser or a safeguarding lead,
and the agency's list. Non-members are told nothing exists; bad forms are shown again (422)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.config import Policy
from hub.db import utcnow
from sharing.models import Challenge
from sharing.services import actions as action_services
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot


def _world(make, session, envelope):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    worker, officer = make.user(council), make.user(police)
    case = make.case(worker, members=(police,), name="Alex Pagetestperson")
    today = Policy().local_date(utcnow())
    action = action_services.create_action(
        session, Actor(worker, "test"), case.id, title="Visit Alex at home", agency_code=police.code,
        due=today + timedelta(days=3), envelope=envelope, now=utcnow(), today=today)
    session.commit()
    return case, worker, officer, action


def test_another_agency_challenges_an_action_and_the_raiser_resolves_it(client, make, session, envelope):
    case, worker, officer, action = _world(make, session, envelope)
    worker_headers, officer_headers = make.headers(worker), make.headers(officer)
    # The police see no challenge link on their own action; the council does.
    assert "Challenge" not in client.get(f"/actions/{action.id}", headers=officer_headers).get_data(
        as_text=True).split("History")[0]
    action_page = client.get(f"/actions/{action.id}", headers=worker_headers).get_data(as_text=True)
    assert f"/actions/{action.id}/challenge" in action_page
    form = client.get(f"/actions/{action.id}/challenge", headers=worker_headers)
    assert form.status_code == 200
    assert "Alex Pagetestperson" not in form.get_data(as_text=True).split("</title>")[0]

    raised = client.post(f"/actions/{action.id}/challenge", headers=worker_headers, data={
        "concern": "No visit booked and she has stopped answering", "evidence": "Calls on Monday",
        "immediate_risk": "no"})
    assert raised.status_code == 303, raised.get_data(as_text=True)[:500]
    page = client.get(raised.headers["Location"], headers=worker_headers)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stage 1: practitioner to practitioner" in text
    assert "Challenge raised" in text
    assert "Resolve the challenge" in text
    challenge = session.scalars(select(Challenge)).one()

    # The police practitioner reads it but may not resolve it.
    theirs = client.get(f"/challenges/{challenge.id}", headers=officer_headers).get_data(as_text=True)
    assert "No visit booked" in theirs
    assert "Resolve the challenge" not in theirs
    before = take_snapshot(session)
    refused = client.post(f"/challenges/{challenge.id}/resolve", headers=officer_headers,
                          data={"outcome": "Done", "agreed_plan": "Visit"})
    assert refused.status_code == 403
    assert_nothing_written(session, before)

    resolved = client.post(f"/challenges/{challenge.id}/resolve", headers=worker_headers,
                           data={"outcome": "Visit booked", "agreed_plan": "PC visits Wednesday"})
    assert resolved.status_code == 303
    done = client.get(resolved.headers["Location"], headers=worker_headers).get_data(as_text=True)
    assert "Challenge resolved" in done
    assert "PC visits Wednesday" in done

    listed = client.get("/challenges?status=any", headers=officer_headers)
    assert listed.status_code == 200
    assert case.ref in listed.get_data(as_text=True)
    assert client.get("/challenges?status=lost", headers=officer_headers).status_code == 422


def test_bad_forms_are_shown_again_with_the_error_summary_and_nothing_is_written(
        client, make, session, envelope):
    _case, worker, officer, action = _world(make, session, envelope)
    worker_headers, officer_headers = make.headers(worker), make.headers(officer)
    before = take_snapshot(session)
    for headers, data, message in (
            (worker_headers, {"concern": "", "immediate_risk": "no"}, "Say what concerns your agency"),
            (worker_headers, {"concern": "x"}, "Say whether there is an immediate risk"),
            (worker_headers, {"concern": "nul\x00", "immediate_risk": "no"}, "control characters"),
            (officer_headers, {"concern": "Our own", "immediate_risk": "no"}, "this one is")):
        page = client.post(f"/actions/{action.id}/challenge", headers=headers, data=data)
        assert page.status_code == 422, data
        text = page.get_data(as_text=True)
        assert "govuk-error-summary" in text
        assert message in text
    assert_nothing_written(session, before)


def test_non_members_are_told_nothing_exists(client, make, session, envelope):
    _case, worker, _officer, action = _world(make, session, envelope)
    raised = client.post(f"/actions/{action.id}/challenge", headers=make.headers(worker),
                         data={"concern": "No visit", "immediate_risk": "yes"})
    challenge = session.scalars(select(Challenge)).one()
    assert raised.status_code == 303
    assert challenge.stage == 3  # immediate risk starts with the safeguarding leads
    headers = make.headers(make.user(make.agency()))
    before = take_snapshot(session)
    for method, path, data in (("GET", f"/actions/{action.id}/challenge", None),
                               ("POST", f"/actions/{action.id}/challenge",
                                {"concern": "x", "immediate_risk": "no"}),
                               ("GET", f"/challenges/{challenge.id}", None),
                               ("POST", f"/challenges/{challenge.id}/resolve",
                                {"outcome": "x", "agreed_plan": "y"})):
        answer = client.open(path, method=method, data=data, headers=headers)
        assert answer.status_code == 404, (method, path)
        assert "No visit" not in answer.get_data(as_text=True)
    assert_nothing_written(session, before)


def test_the_challenged_agency_records_its_steps_on_the_page_and_bad_steps_are_shown_again(
        client, make, session, envelope):
    _case, worker, officer, action = _world(make, session, envelope)
    client.post(f"/actions/{action.id}/challenge", headers=make.headers(worker), data={
        "concern": "No visit booked", "evidence": "", "immediate_risk": "no"})
    challenge = session.scalars(select(Challenge)).one()
    page = client.get(f"/challenges/{challenge.id}", headers=make.headers(officer)).get_data(as_text=True)
    assert "Record the steps taken at stage 1" in page
    officer_headers = make.headers(officer)
    before = take_snapshot(session)
    bad = client.post(f"/challenges/{challenge.id}/steps", headers=officer_headers,
                      data={"steps_taken": "", "step_plan": "Visit Friday"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "govuk-error-summary" in text
    assert 'href="#steps_taken"' in text
    assert "Visit Friday" in text  # what was typed is kept
    assert_nothing_written(session, before)
    done = client.post(f"/challenges/{challenge.id}/steps", headers=make.headers(officer),
                       data={"steps_taken": "Rang the duty sergeant", "step_plan": "Visit Friday"})
    assert done.status_code == 303
    mine = client.get(done.headers["Location"], headers=make.headers(officer)).get_data(as_text=True)
    assert "Steps recorded at this stage" in mine
    # The raising agency reads them in the history.
    theirs = client.get(f"/challenges/{challenge.id}", headers=make.headers(worker)).get_data(as_text=True)
    history = theirs.split('data-challenge="history"')[1].split("</table>")[0]
    assert "Steps recorded" in history
    assert "Rang the duty sergeant" in history
    assert "Visit Friday" in history
