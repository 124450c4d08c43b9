"""The concerns package's pages: raising a concern through the form, check your answers and the
confirmation; the named leads' queue and a concern's page with the triage form; daily observation
on a case, recording one from a phone-sized form, the chart and its table; the alerts and their
acknowledgement; the agency's named leads and deputies; the dashboard panel. Each page refuses
as the API does: 404 for another agency's concern, alert or case, 403 for someone who may see a
concern but is not a named lead."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from concerns.models import Alert, Concern, Deputy, Observation
from concerns.rules import ConcernIn, ObservationIn
from concerns.services import observations as observation_services
from concerns.services.concerns import raise_concern
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.web.forms import long_date
from hub.workdays import add_working_days
from tests.sessions.support import sign_in
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

NAME = "Margaret Ellery"
BORN = date(1941, 3, 9)
ACCOUNT = "Bruising to both forearms; she said her son grips her when he is angry."
OPINION = "The injuries look deliberate."
NOTE = "Said she felt hopeless and had not slept"


def _today() -> date:
    return Policy().local_date(utcnow())


@pytest.fixture
def world(make):
    """A council with a named lead, a practitioner, a manager and an IG officer, and a case of
    the practitioner's; an outside agency with its own lead."""
    council, outside = make.agency(kind="council_adults"), make.agency()
    worker = make.user(council, name="Sam Carter")
    return {"council": council, "lead": make.user(council, "lead", name="Hannah Okafor"),
            "worker": worker, "manager": make.user(council, "manager", name="Rita Manager"),
            "ig": make.user(council, "ig"), "colleague": make.user(council),
            "outsider": make.user(outside, "lead"), "case": make.case(worker, name="Dora Casefile")}


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True)).text


def error_summary(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in body
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<a href="[^"]*">([^<]*)</a>', summary)]


def summary_links(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]*)">', summary)


def hidden_fields(response, action: str) -> MultiDict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields of the form posting to ``action``: what its button sends."""
    body = response.get_data(as_text=True)
    form = body.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return MultiDict([(name, html.unescape(value)) for name, value in
                      re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)])


def csrf_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def concern_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": NAME, "date_of_birth-day": str(BORN.day), "date_of_birth-month": str(BORN.month),
        "date_of_birth-year": str(BORN.year), "categories_adult": ["physical", "domestic"],
        "account": ACCOUNT, "opinion": OPINION, "immediate_risk": "no",
        "views": "She wants her son to get help", "desired_outcomes": "To stay at home safely",
        "person_aware": "yes", "consent_status": "obtained"}
    form.update(changes)
    return form


def raise_one(make, user, *, days_ago: int = 0, **changes: object) -> Concern:  # type: ignore[no-untyped-def]
    """A concern raised through the service (``days_ago`` puts it in the past: overdue)."""
    fields: dict[str, object] = {
        "case_id": None, "subject_name": NAME, "subject_date_of_birth": BORN, "categories": ("physical",),
        "account": ACCOUNT, "opinion": OPINION, "immediate_risk": False, "immediate_action": "",
        "views": "", "desired_outcomes": "", "person_aware": True, "consent_status": "obtained", **changes}
    view = raise_concern(make.session, Actor(user, "test"), ConcernIn(**fields),  # type: ignore[arg-type]
                         envelope=make.envelope, policy=Policy(),
                         now=utcnow() - timedelta(days=days_ago))
    make.session.commit()
    return make.session.get(Concern, view.line.id)


def agree_daily(make, user, case) -> None:  # type: ignore[no-untyped-def]
    observation_services.set_daily_observation(make.session, Actor(user, "test"), case.id, agreed=True,
                                               policy=Policy(), now=utcnow() - timedelta(days=8))
    make.session.commit()


# --- raising a concern ------------------------------------------------------------------------------

def test_raising_a_concern_through_the_form_check_answers_and_confirmation_writes_one_concern(
        client, make, session, world):
    ours = make.case(world["worker"], name=NAME, dob=BORN)  # the agency's own case of her
    sign_in(client, session, world["worker"])
    form = client.get("/concerns/new")
    assert form.status_code == 200
    assert "Raise a safeguarding concern" in text_of(form)
    token = csrf_of(form)
    refused = client.post("/concerns/check", data=concern_form())  # no CSRF token
    assert refused.status_code == 403
    check = client.post("/concerns/check", data={**concern_form(), "csrf_token": token})
    assert check.status_code == 200, text_of(check)
    shown = text_of(check)
    assert "Check your answers before raising the concern" in shown
    assert ACCOUNT in shown
    assert OPINION in shown
    assert "Physical abuse, Domestic abuse" in shown
    assert count(session, Concern) == 0
    carried = hidden_fields(check, "/concerns")
    assert carried["account"] == ACCOUNT
    assert carried.getlist("categories_adult") == ["physical", "domestic"]
    raised = client.post("/concerns", data=carried)
    assert raised.status_code == 303, text_of(raised)
    assert count(session, Concern) == 1
    [row] = session.scalars(select(Concern)).all()
    assert raised.headers["Location"] == f"/concerns/{row.id}/raised"
    assert (row.categories, row.raised_by_id, row.case_id) == (["physical", "domestic"], world["worker"].id,
                                                               ours.id)
    confirmation = client.get(raised.headers["Location"])
    text = text_of(confirmation)
    due = add_working_days(_today(), 1)
    assert "Concern raised" in text
    assert f"17:00 on {due:%A} {due.day} {due:%B %Y}" in text
    assert ours.ref in text
    assert ACCOUNT not in text
    # Only the person who raised it sees the confirmation.
    assert client.get(raised.headers["Location"], headers=make.headers(world["lead"])).status_code == 404


def test_changing_answers_from_the_check_page_keeps_them(client, make, world):
    headers = make.headers(world["worker"])
    check = client.post("/concerns/check", data=concern_form(), headers=headers)
    back = client.post("/concerns/new", data=hidden_fields(check, "/concerns"), headers=headers)
    assert back.status_code == 200
    body = back.get_data(as_text=True)
    assert f'value="{NAME}"' in body
    assert html.escape(ACCOUNT, quote=False) in body
    assert 'name="categories_adult" type="checkbox" value="domestic" checked' in body


def test_a_validation_error_keeps_what_was_typed_and_shows_the_error_summary(client, make, session, world):
    headers = make.headers(world["worker"])
    before = take_snapshot(session)
    response = client.post("/concerns/check", headers=headers, data=concern_form(
        immediate_risk="yes", immediate_action="", **{"date_of_birth-month": "13"}))
    assert response.status_code == 422
    assert read_page(response.get_data(as_text=True)).title.startswith("Error: ")
    assert error_summary(response) == ["The date of birth must be a real date",
                                       "Say what was done at once about the immediate risk"]
    assert summary_links(response) == ["date_of_birth-day", "immediate_action"]
    body = response.get_data(as_text=True)
    assert html.escape(ACCOUNT, quote=False) in body
    assert f'value="{NAME}"' in body
    assert 'value="13"' in body
    # The rules' problems are found before the check page: a child's category for an adult.
    wrong = client.post("/concerns/check", headers=headers,
                        data=concern_form(categories_adult=[], categories_child=["emotional"]))
    assert wrong.status_code == 422
    [problem] = error_summary(wrong)
    assert "emotional is not a category for an adult" in problem
    assert summary_links(wrong) == ["categories_adult"]
    # Recording straight away meets the same problems, and writes nothing.
    recorded = client.post("/concerns", headers=headers, data=concern_form(account=""))
    assert recorded.status_code == 422
    assert error_summary(recorded) == ["Say what was seen or heard"]
    assert_nothing_written(session, before)


def test_a_concern_raised_from_a_case_offers_its_persons_categories_and_another_agencys_case_is_not_found(
        client, make, session, world):
    case = world["case"]
    headers = make.headers(world["worker"])
    page = client.get(f"/cases/{case.id}", headers=headers).get_data(as_text=True)
    assert f"/concerns/new?case_id={case.id}" in page
    form = client.get(f"/concerns/new?case_id={case.id}", headers=headers)
    assert form.status_code == 200
    text = text_of(form)
    assert case.ref in text
    assert "Financial or material abuse" in text
    assert "Full name" not in text
    child = make.case(world["worker"], kind=CaseKind.CHILD, name="Tyler Brook",
                      dob=_today() - timedelta(days=9 * 365))
    child_text = text_of(client.get(f"/concerns/new?case_id={child.id}", headers=headers))
    assert "Emotional abuse" in child_text
    assert "Financial or material abuse" not in child_text
    answers = {key: value for key, value in concern_form().items()
               if key not in ("name", "categories_adult") and not key.startswith("date_of_birth")}
    raised = client.post("/concerns", headers=headers,
                         data={**answers, "case_id": str(case.id), "categories": ["neglect_omission"]})
    assert raised.status_code == 303
    assert session.scalar(select(Concern.case_id)) == case.id
    theirs = make.case(world["outsider"])
    for response in (client.get(f"/concerns/new?case_id={theirs.id}", headers=headers),
                     client.post("/concerns/check", headers=headers,
                                 data={**answers, "case_id": str(theirs.id), "categories": ["physical"]}),
                     client.get("/concerns/new?case_id=not-a-case", headers=headers)):
        assert response.status_code == 404


# --- the list, a concern's page and its triage ------------------------------------------------------

def test_a_leads_queue_is_ordered_by_deadline_with_overdue_ones_tagged_and_others_see_what_they_raised(
        client, make, world):
    late = raise_one(make, world["worker"], days_ago=6)
    fresh = raise_one(make, world["colleague"])
    queue = client.get("/concerns", headers=make.headers(world["lead"]))
    assert queue.status_code == 200
    body = queue.get_data(as_text=True)
    assert body.index(f'data-concern-id="{late.id}"') < body.index(f'data-concern-id="{fresh.id}"')
    late_row = body.split(f'data-concern-id="{late.id}"')[1].split("</tr>")[0]
    fresh_row = body.split(f'data-concern-id="{fresh.id}"')[1].split("</tr>")[0]
    assert "Overdue" in late_row
    assert "Overdue" not in fresh_row
    assert 'aria-current="page">Awaiting triage' in body
    assert "No concerns have been triaged." in text_of(client.get("/concerns?status=triaged",
                                                                 headers=make.headers(world["lead"])))
    mine = client.get("/concerns", headers=make.headers(world["worker"])).get_data(as_text=True)
    assert f'data-concern-id="{late.id}"' in mine
    assert f'data-concern-id="{fresh.id}"' not in mine
    assert client.get("/concerns", headers=make.headers(world["ig"])).status_code == 403


def test_a_concerns_page_shows_facts_and_opinion_apart_to_the_lead_and_the_raiser_and_nobody_else(
        client, make, session, world):
    concern = raise_one(make, world["worker"])
    url = f"/concerns/{concern.id}"
    lead_page = client.get(url, headers=make.headers(world["lead"]))
    assert lead_page.status_code == 200
    body = lead_page.get_data(as_text=True)
    account = body.split('data-concern="account">')[1].split("</div>")[0]
    opinion = body.split('data-concern="opinion">')[1].split("</div>")[0]
    assert html.unescape(account).strip() == ACCOUNT
    assert html.unescape(opinion).strip() == OPINION
    assert "Record the decision" in text_of(lead_page)
    assert 'name="s42.care_and_support_needs"' in body
    assert "Referral to children&#39;s services" not in body  # an adult
    raiser = client.get(url, headers=make.headers(world["worker"]))
    assert raiser.status_code == 200
    assert "Record the decision" not in text_of(raiser)
    for stranger in (world["colleague"], world["outsider"]):
        headers = make.headers(stranger)
        before = take_snapshot(session)
        hidden = client.get(url, headers=headers)
        assert hidden.status_code == 404
        assert ACCOUNT not in hidden.get_data(as_text=True)
        [event] = assert_nothing_written(session, before)
        assert (event["action"], event["object_id"]) == ("access.denied", str(concern.id))


def test_the_raiser_posting_a_triage_gets_the_standard_refusal_and_nothing_is_written(
        client, make, session, world):
    concern = raise_one(make, world["worker"])
    headers = make.headers(world["worker"])
    before = take_snapshot(session)
    refused = client.post(f"/concerns/{concern.id}/triage", headers=headers,
                          data={"outcome": "advice_given", "rationale": "Advice on a carer's assessment"})
    assert refused.status_code == 403
    assert read_page(refused.get_data(as_text=True)).h1 == ["Forbidden"]
    assert "named safeguarding lead" in text_of(refused)
    [event] = assert_nothing_written(session, before)
    assert (event["action"], event["object_id"]) == ("access.denied", str(concern.id))
    outsider = make.headers(world["outsider"])
    assert client.post(f"/concerns/{concern.id}/triage", headers=outsider,
                       data={"outcome": "advice_given", "rationale": "x"}).status_code == 404


def s42_form(**changes: str) -> dict[str, str]:
    form = {"outcome": "s42_enquiry", "rationale": "All three parts of the test are met"}
    for question in ("care_and_support_needs", "experiencing_or_at_risk", "unable_to_protect"):
        form[f"s42.{question}"] = "yes"
        form[f"s42.{question}.evidence"] = f"Evidence for {question.replace('_', ' ')}"
    form.update(changes)
    return form


def test_a_lead_triages_to_s42_from_the_page_and_sees_the_case_link_and_the_strategy_date(
        client, make, session, world):
    concern = raise_one(make, world["worker"])
    headers = make.headers(world["lead"])
    url = f"/concerns/{concern.id}"
    before = take_snapshot(session)
    bad = client.post(f"{url}/triage", headers=headers,
                      data=s42_form(**{"s42.unable_to_protect.evidence": "", "dash_score": "7"}))
    assert bad.status_code == 422
    assert error_summary(bad) == ["Give the evidence for this answer"]
    assert summary_links(bad) == ["s42.unable_to_protect.evidence"]
    body = bad.get_data(as_text=True)
    assert "All three parts of the test are met" in body  # what was typed is kept
    assert "Evidence for care and support needs" in body
    assert_nothing_written(session, before)
    done = client.post(f"{url}/triage", headers=headers, data=s42_form())
    assert done.status_code == 303, text_of(done)
    page = client.get(done.headers["Location"], headers=headers)
    text = text_of(page)
    assert "Decision recorded" in text
    assert "Section 42 enquiry" in text
    assert "Evidence for unable to protect" in text
    session.expire_all()
    row = session.get(Concern, concern.id)
    case = session.get(Case, row.outcome_case_id)
    assert case.kind == CaseKind.ADULT
    body = page.get_data(as_text=True)
    assert f'href="/cases/{case.id}" data-concern="outcome-case">{case.ref}</a>' in body
    strategy = body.split('data-concern="strategy">')[1].split("</p>")[0]
    due = add_working_days(_today(), 5)
    assert f'href="/cases/{case.id}/meetings/new?decided-day=' in strategy
    assert f"Convene the strategy meeting by {long_date(due)}" in strategy
    assert "Record the decision" not in text
    # Triaged already: the form is gone, and a second decision is refused 409.
    again = client.post(f"{url}/triage", headers=headers, data=s42_form())
    assert again.status_code == 409
    assert error_summary(again) == ["This concern has been triaged already"]


def test_a_marac_referral_needs_its_dash_count_and_an_other_agency_its_name(client, make, world):
    concern = raise_one(make, world["worker"], categories=("domestic",))
    headers = make.headers(world["lead"])
    url = f"/concerns/{concern.id}/triage"
    marac = client.post(url, headers=headers, data={"outcome": "marac_referral", "rationale": "High risk",
                                                    "dash_score": "lots"})
    assert marac.status_code == 422
    assert error_summary(marac) == ["Enter the number of yes answers on the DASH checklist, 0 to 24"]
    other = client.post(url, headers=headers, data={"outcome": "other_agency", "rationale": "Housing"})
    assert error_summary(other) == ["Name the agency or panel the concern was passed to"]
    assert summary_links(other) == ["referred_to-other_agency"]
    nothing = client.post(url, headers=headers, data={})
    assert error_summary(nothing) == ["Select the decision", "Give the reasons for the decision"]
    done = client.post(url, headers=headers, data={"outcome": "other_agency", "rationale": "Housing",
                                                   "referred_to-other_agency": "Northshire Homes"})
    assert done.status_code == 303
    assert "Northshire Homes" in text_of(client.get(f"/concerns/{concern.id}", headers=headers))


# --- daily observation, alerts ----------------------------------------------------------------------

def test_an_observation_recorded_from_the_page_raises_an_alert_seen_on_alerts_and_acknowledged_there(
        client, make, session, world):
    case = world["case"]
    worker, lead = make.headers(world["worker"]), make.headers(world["lead"])
    assert "Agree daily observation" in text_of(client.get(f"/cases/{case.id}", headers=worker))
    not_agreed = client.get(f"/cases/{case.id}/observations/new", headers=worker)
    assert "has not agreed daily observation" in text_of(not_agreed)
    agreed = client.post(f"/cases/{case.id}/observation-plan", headers=worker, data={"daily": "yes"})
    assert agreed.status_code == 303
    assert agreed.headers["Location"] == f"/cases/{case.id}#daily-observation"
    assert "End daily observation" in text_of(client.get(f"/cases/{case.id}", headers=worker))
    form = client.get(f"/cases/{case.id}/observations/new", headers=worker)
    body = form.get_data(as_text=True)
    for indicator in Policy().observations.indicators:
        assert f'name="scores.{indicator}"' in body
    assert "Self harm thoughts" in body
    assert body.count("govuk-radios--inline") == len(Policy().observations.indicators)
    assert f'name="observed_at-day" type="text" value="{_today().day}"' in body.replace(
        'inputmode="numeric" ', "")
    bad = client.post(f"/cases/{case.id}/observations/new", headers=worker,
                      data={"note": NOTE, "observed_time": "25:00", "observed_at-day": str(_today().day),
                            "observed_at-month": str(_today().month), "observed_at-year": str(_today().year)})
    assert bad.status_code == 422
    assert error_summary(bad) == ["Score at least one indicator",
                                  "Enter the time of the observation on the 24-hour clock, such as 14:30"]
    assert NOTE in bad.get_data(as_text=True)
    recorded = client.post(f"/cases/{case.id}/observations/new", headers=worker, data={
        "scores.mood": "1", "scores.self_harm_thoughts": "2", "note": NOTE,
        **{k: v for k, v in hidden_defaults(body).items()}})
    assert recorded.status_code == 303, text_of(recorded)
    confirmation = client.get(recorded.headers["Location"], headers=worker)
    text = text_of(confirmation)
    assert "Observation recorded" in text
    assert "Self harm thoughts scored 2 or more" in text
    assert NOTE not in confirmation.get_data(as_text=True)
    assert client.get(recorded.headers["Location"], headers=lead).status_code == 404  # not theirs
    assert count(session, Observation) == 1
    [alert] = session.scalars(select(Alert)).all()
    # The practitioner is not shown the agency's alerts; a named lead and a manager are.
    assert client.get("/alerts", headers=worker).status_code == 403
    assert client.get(f"/alerts/{alert.id}", headers=worker).status_code == 403
    dashboard = client.get("/", headers=lead).get_data(as_text=True)
    assert "1 open observation alert" in html.unescape(re.sub(r"<[^>]+>", "", dashboard))
    listed = client.get("/alerts", headers=lead).get_data(as_text=True)
    assert f'data-alert-id="{alert.id}"' in listed
    assert client.get("/alerts", headers=make.headers(world["manager"])).status_code == 200
    assert client.get(f"/alerts/{alert.id}", headers=make.headers(world["outsider"])).status_code == 404
    case_page = client.get(f"/cases/{case.id}", headers=lead).get_data(as_text=True)
    assert f"/alerts/{alert.id}" in case_page
    alert_page = client.get(f"/alerts/{alert.id}", headers=lead)
    assert "Acknowledge the alert" in text_of(alert_page)
    assert NOTE not in alert_page.get_data(as_text=True)
    missing = client.post(f"/alerts/{alert.id}/acknowledge", headers=lead,
                          data={"action_taken": "no_action_with_reason", "note": ""})
    assert missing.status_code == 422
    assert error_summary(missing) == ["Give the reason no action is taken"]
    done = client.post(f"/alerts/{alert.id}/acknowledge", headers=lead,
                       data={"action_taken": "contact_person", "note": "Phoned her; her sister is with her"})
    assert done.status_code == 303
    shown = text_of(client.get(done.headers["Location"], headers=lead))
    assert "Alert acknowledged" in shown
    assert "Contacted the person" in shown
    assert "Phoned her; her sister is with her" in shown
    assert f'data-alert-id="{alert.id}"' not in client.get("/alerts", headers=lead).get_data(as_text=True)
    assert f'data-alert-id="{alert.id}"' in client.get("/alerts?status=acknowledged",
                                                       headers=lead).get_data(as_text=True)


def hidden_defaults(body: str) -> dict[str, str]:
    """The date and time the observation form offers (now)."""
    found = {}
    for name in ("observed_at-day", "observed_at-month", "observed_at-year", "observed_time"):
        found[name] = html.unescape(re.search(rf'name="{name}"[^>]*value="([^"]*)"', body)[1])
    return found


def test_observation_pages_are_not_found_for_an_agency_that_is_not_a_member(client, make, session, world):
    case = world["case"]
    agree_daily(make, world["worker"], case)
    headers = make.headers(world["outsider"])
    for response in (client.get(f"/cases/{case.id}/observations/new", headers=headers),
                     client.get(f"/cases/{case.id}/observations", headers=headers),
                     client.post(f"/cases/{case.id}/observations/new", headers=headers,
                                 data={"scores.mood": "3"}),
                     client.post(f"/cases/{case.id}/observation-plan", headers=headers, data={"daily": "no"}),
                     client.get(f"/cases/{case.id}/observations/{uuid.uuid4()}/recorded", headers=headers)):
        assert response.status_code == 404
    assert count(session, Observation) == 0
    # IG reads the case, but not its observations: the case page shows no observation panel.
    page = client.get(f"/cases/{case.id}", headers=make.headers(world["ig"]))
    assert page.status_code == 200
    assert "Daily observation" not in text_of(page)


def test_the_chart_svg_and_its_table_show_the_same_figures(client, make, session, world):
    case = world["case"]
    agree_daily(make, world["worker"], case)
    now = utcnow()
    actor = Actor(world["worker"], "test")
    for days_ago, scores in ((5, {"mood": 1, "sleep": 2}), (3, {"mood": 2, "sleep": 0}),
                             (2, {"mood": 3}), (0, {"mood": 0, "sleep": 1, "self_harm_thoughts": 2})):
        observation_services.record_observation(
            session, actor, case.id, ObservationIn(scores=scores, note="A note", observed_at=now - timedelta(
                days=days_ago)), envelope=make.envelope, policy=Policy(), now=now)
    session.commit()
    response = client.get(f"/cases/{case.id}/observations", headers=make.headers(world["worker"]))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert read_page(body).styled == []
    charted: dict[tuple[str, str], str] = {}
    for svg in re.findall(r"<svg .*?</svg>", body, flags=re.S):
        indicator = re.search(r'data-indicator="([^"]+)"', svg)[1]
        assert 'role="img"' in svg
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg)[1].split()
        for ref in labelled:
            assert f'id="{ref}"' in svg
        for day, score in re.findall(r'data-day="([^"]+)" data-score="([^"]+)"', svg):
            charted[(day, indicator)] = score
    tabled: dict[tuple[str, str], str] = {}
    table = body.split('data-observation="table"')[1]
    rows = re.findall(r'<tr class="govuk-table__row" data-day="([^"]+)">(.*?)</tr>', table, flags=re.S)
    for day, row in rows:
        for indicator, cell in re.findall(r'data-indicator="([^"]+)">([^<]*)</td>', row):
            if cell != "\N{EN DASH}":
                tabled[(day, indicator)] = cell
    assert charted == tabled
    today = _today()
    assert charted[(today.isoformat(), "self_harm_thoughts")] == "2"
    assert charted[((today - timedelta(days=2)).isoformat(), "mood")] == "3"
    # A day without an observation is a gap in the chart and says so in the table.
    gap = (today - timedelta(days=4)).isoformat()
    assert not any(day == gap for day, _ in charted)
    assert "No observation" in table.split(f'data-day="{gap}"')[1].split("</tr>")[0]
    # The scores at an alert level are drawn in red.
    mood = re.search(r'<svg [^>]*data-indicator="mood".*?</svg>', body, flags=re.S)[0]
    assert '#d4351c" data-day="' + (today - timedelta(days=2)).isoformat() in mood
    assert '#1d70b8" data-day="' + (today - timedelta(days=3)).isoformat() in mood
    assert mood.count("<polyline") == 1  # days 3 and 2 ago; day 5 ago stands alone, today after a gap
    assert "A note" not in body


@pytest.mark.parametrize("role", ["ig", "admin", "auditor"])
def test_roles_that_do_no_case_work_are_refused_the_concern_and_alert_pages(client, make, role):
    headers = make.headers(make.user(make.agency(), role))
    for path in ("/concerns/new", "/concerns", "/alerts"):
        assert client.get(path, headers=headers).status_code == 403, path
    assert client.get("/agency/leads", headers=headers).status_code == 200
    assert 'href="/concerns/new"' not in client.get("/", headers=headers).get_data(as_text=True)


def test_an_observation_left_without_a_date_and_time_is_made_now(client, make, session, world):
    case = world["case"]
    agree_daily(make, world["worker"], case)
    before = utcnow()
    recorded = client.post(f"/cases/{case.id}/observations/new", headers=make.headers(world["worker"]),
                           data={"scores.sleep": "1"})
    assert recorded.status_code == 303
    assert "It crossed no threshold." in text_of(client.get(recorded.headers["Location"],
                                                            headers=make.headers(world["worker"])))
    session.expire_all()
    observed = session.scalar(select(Observation.observed_at))
    assert observed >= before - timedelta(seconds=1)


# --- named leads and deputies -----------------------------------------------------------------------

def test_everyone_sees_the_named_leads_and_a_lead_names_and_ends_a_deputy(client, make, session, world):
    page = client.get("/agency/leads", headers=make.headers(world["worker"]))
    assert page.status_code == 200
    text = text_of(page)
    assert "Hannah Okafor" in text
    assert "Name a deputy" not in text
    assert client.post("/agency/leads/deputies", headers=make.headers(world["worker"]),
                       data={"user_id": str(world["manager"].id)}).status_code == 403
    headers = make.headers(world["lead"])
    form = client.get("/agency/leads", headers=headers)
    assert f'value="{world["manager"].id}"' in form.get_data(as_text=True)
    today = _today()
    starts, ends = today, today + timedelta(days=6)
    dates = {f"{name}-{part}": str(getattr(day, part)) for name, day in (("starts", starts), ("ends", ends))
             for part in ("day", "month", "year")}
    wrong = client.post("/agency/leads/deputies", headers=headers, data={
        **dates, "user_id": "", "ends-year": str(starts.year - 1)})
    assert wrong.status_code == 422
    assert error_summary(wrong) == ["Choose an active person of your agency",
                                    "The last day must be on or after the first"]
    assert count(session, Deputy) == 0
    named = client.post("/agency/leads/deputies", headers=headers,
                        data={**dates, "user_id": str(world["manager"].id)})
    assert named.status_code == 303
    listed = text_of(client.get(named.headers["Location"], headers=headers))
    assert "Deputy named" in listed
    assert "Rita Manager" in listed
    # The deputy triages for these days.
    concern = raise_one(make, world["worker"])
    deputy_page = client.get(f"/concerns/{concern.id}", headers=make.headers(world["manager"]))
    assert "Record the decision" in text_of(deputy_page)
    [deputy] = session.scalars(select(Deputy)).all()
    assert client.post(f"/agency/leads/deputies/{deputy.id}/end",
                       headers=make.headers(world["outsider"])).status_code == 404
    ended = client.post(f"/agency/leads/deputies/{deputy.id}/end", headers=headers)
    assert ended.status_code == 303
    assert "No deputies are named" in text_of(client.get("/agency/leads", headers=headers))


# --- the dashboard ---------------------------------------------------------------------------------

def test_the_dashboard_panel_counts_for_a_lead_and_offers_to_raise_a_concern_without_audit_rows(
        client, make, session, world):
    raise_one(make, world["worker"], days_ago=6)
    raise_one(make, world["worker"])
    headers = make.headers(world["lead"])
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    page = client.get("/", headers=headers)
    body = page.get_data(as_text=True)
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    assert "2 concerns await your agency's triage" in text
    assert "1 overdue" in text
    assert "immediate risk" not in text
    assert 'href="/concerns/new"' in body
    assert 'href="/alerts"' in body
    assert 'href="/agency/leads"' in body
    session.expire_all()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id).offset(before)).all()
    assert not [a for a in actions if a.startswith(("concern.", "alert."))]
    worker = client.get("/", headers=make.headers(world["worker"])).get_data(as_text=True)
    assert 'href="/concerns/new"' in worker
    assert "await your agency" not in worker
    assert 'href="/alerts"' not in worker
    # A concern with immediate risk is counted apart on the lead's dashboard.
    client.post("/api/v1/concerns", headers=make.headers(world["worker"]), json={
        "subject": {"name": "Edith Imaginary", "date_of_birth": "1934-11-05"}, "categories": ["physical"],
        "account": "Bruises", "immediate_risk": True, "immediate_action": "Called 999",
        "person_aware": True, "consent_status": "obtained"})
    again = client.get("/", headers=headers).get_data(as_text=True)
    assert "1 with immediate risk" in html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", again)))


def test_the_triage_links_to_the_strategy_meeting_form_with_the_decision_filled_in(client, make, session):
    """The s42 outcome proposes the strategy meeting: its link fills in the decision's date and
    time (and nothing about the person), which the convene form shows."""
    council = make.agency(kind="council_adults")
    lead = make.user(council, "lead")
    worker = make.user(council)
    raised = client.post("/api/v1/concerns", headers=make.headers(worker), json={
        "subject": {"name": "Edith Imaginary", "date_of_birth": "1934-11-05"}, "categories": ["physical"],
        "account": "Bruises", "immediate_risk": False, "person_aware": True,
        "consent_status": "obtained"}).json
    answers = {q: {"answer": True, "evidence": "Seen"} for q in
               ("care_and_support_needs", "experiencing_or_at_risk", "unable_to_protect")}
    assert client.post(f"/api/v1/concerns/{raised['id']}/triage", headers=make.headers(lead), json={
        "outcome": "s42_enquiry", "rationale": "Met", "s42": answers}).status_code == 200
    row = session.scalars(select(Concern).where(Concern.id == uuid.UUID(raised["id"]))).one()
    page = client.get(f"/concerns/{raised['id']}", headers=make.headers(lead)).get_data(as_text=True)
    href = re.search(r'href="([^"]+/meetings/new[^"]*)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    local = row.triaged_at.astimezone(ZoneInfo("Europe/London"))
    assert query == {"decided-day": [str(local.day)], "decided-month": [str(local.month)],
                     "decided-year": [str(local.year)], "decided_time": [f"{local:%H:%M}"]}
    assert "Edith" not in href
    form = client.get(href, headers=make.headers(lead)).get_data(as_text=True)
    assert f'value="{local:%H:%M}"' in form
