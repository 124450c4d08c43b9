"""The sharing package's case pages: a case's risk summary and crisis plan, the form with its
check-your-answers page naming generic fields, every version, one version, two compared, and
the dashboard and case-page panels."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.db import utcnow
from sharing.models import RiskSummary
from sharing.rules import Contact, RiskSummaryIn
from sharing.services import risk_summaries as risk_services
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

SUBJECT = "Robin Planperson"
SIGNS = "Stops answering the phone to her sister and talks about 'going quiet'"


@pytest.fixture
def world(make, session):
    """A case led by ``lead`` with ``partner`` admitted under an agreement; ``officer`` works for
    the lead agency, ``stranger`` for an agency outside the case."""
    lead, partner, outside = make.agency(), make.agency(), make.agency()
    officer = make.user(lead, name="Sam Officer")
    ConsentFactory(make).agreement(lead, partner, title="Northshire safeguarding agreement")
    case = make.case(officer, members=(partner,), name=SUBJECT)
    return {"lead": lead, "partner": partner, "outside": outside, "officer": officer,
            "stranger": make.user(outside), "case": case}


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True)).text


def title_of(response) -> str:  # type: ignore[no-untyped-def]
    return read_page(response.get_data(as_text=True)).title


def versions(session, case) -> list[int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(RiskSummary.version).where(RiskSummary.case_id == case.id)
                                .order_by(RiskSummary.version)))


def error_summary(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in body
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    found = re.findall(r'<a href="[^"]*">([^<]*)</a>', summary)
    return [html.unescape(re.sub(r"\s+", " ", m).strip()) for m in found]


def hidden_form(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields of the check page: what its Save button posts."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)
    return {name: html.unescape(value) for name, value in found if name != "csrf_token"}


def plan_form(today, **changes) -> dict[str, str]:  # type: ignore[no-untyped-def]
    review = today + timedelta(days=90)
    form = {
        "level": "high", "risk_to": "Herself, from self-harm when her mood drops",
        "risk_factors": "The anniversary of her son's death in March; drinking alone",
        "protective_factors": "Her sister Jo, who visits on Sundays; her allotment",
        "early_warning_signs": SIGNS,
        "de_escalation": "Jo phones her and offers a walk; no raised voices",
        "coping_strategies": "Working on the allotment; the breathing card from the crisis team",
        "statutory_thresholds": "Mental Health Act assessment if she says she has a plan and the means",
        "wishes": "Wants Jo called first; does not want the police at the door unless she is in danger",
        "contacts.0.stage": "1", "contacts.0.name": "Jo Planperson", "contacts.0.role": "Sister",
        "contacts.0.route": "07700 900123", "contacts.0.hours": "Evenings",
        "contacts.1.stage": "2", "contacts.1.name": "", "contacts.1.role": "", "contacts.1.route": "",
        "contacts.2.stage": "3", "contacts.2.name": "Crisis team duty worker", "contacts.2.role": "Duty",
        "contacts.2.route": "0300 555 0100", "contacts.2.hours": "24 hours",
        "contacts.3.stage": "4", "contacts.3.name": "",
        "agreed_with_person": "yes",
        "next_review-day": str(review.day), "next_review-month": str(review.month),
        "next_review-year": str(review.year), "reviewer": "Sam Officer, IDVA", "based_on": "0",
    }
    form.update(changes)
    return form


@pytest.fixture
def today(settings):  # type: ignore[no-untyped-def]
    return settings.policy.local_date(utcnow())


def save(client, headers, case, form):  # type: ignore[no-untyped-def]
    """Through the form's check page, then its Save button, as a browser would."""
    check = client.post(f"/cases/{case.id}/risk-summary/new", headers=headers, data=form)
    assert check.status_code == 200, error_summary(check)
    return check, client.post(f"/cases/{case.id}/risk-summary", headers=headers, data=hidden_form(check))


def record(make, user, case, today, **values):  # type: ignore[no-untyped-def]
    """A version saved through the service, as another page or the API would."""
    summary = RiskSummaryIn(**{"level": "medium", **values})
    recorded = risk_services.record_summary(make.session, Actor(user, "test"), case.id, summary,
                                            envelope=make.envelope, now=utcnow(), today=today)
    make.session.commit()
    return recorded.info


def page_paths(case) -> list[str]:  # type: ignore[no-untyped-def]
    base = f"/cases/{case.id}/risk-summary"
    return [base, f"{base}/new", f"{base}/versions", f"{base}/versions/1", f"{base}/versions/2",
            f"{base}/compare?from=1&to=2"]


# --- who sees what ----------------------------------------------------------------------------

def test_members_see_every_page_and_no_title_names_the_person(client, make, world, today):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself")
    record(make, officer, case, today, risk_to="Herself and her sister")
    member = make.headers(make.user(world["partner"]))
    for path in page_paths(case):
        seen = client.get(path, headers=member)
        assert seen.status_code == 200, path
        assert "There is a problem" not in text_of(seen)
        assert SUBJECT not in title_of(seen)
        assert case.ref in title_of(seen)


def test_a_non_member_gets_404_on_every_page_and_every_form_and_nothing_is_written(
        client, make, world, session, today):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself")
    record(make, officer, case, today, risk_to="Herself and her sister")
    stranger = make.headers(world["stranger"])
    for path in page_paths(case):
        hidden = client.get(path, headers=stranger)
        assert hidden.status_code == 404, path
        assert SUBJECT not in hidden.get_data(as_text=True)
        assert "Herself" not in hidden.get_data(as_text=True)
    before = take_snapshot(session)
    for path in (f"/cases/{case.id}/risk-summary/new", f"/cases/{case.id}/risk-summary"):
        assert client.post(path, headers=stranger, data=plan_form(today, based_on="2")).status_code == 404
    events = assert_nothing_written(session, before)
    assert {e["action"] for e in events} == {"access.denied"}


def test_ig_reads_the_plan_but_is_not_offered_and_cannot_write_one(client, make, world, session, today):
    case = world["case"]
    record(make, world["officer"], case, today, risk_to="Herself")
    ig = make.headers(make.user(world["lead"], "ig"))
    page = client.get(f"/cases/{case.id}/risk-summary", headers=ig)
    assert page.status_code == 200
    assert "Write a new version" not in text_of(page)
    assert client.get(f"/cases/{case.id}/risk-summary/new", headers=ig).status_code == 404
    assert client.post(f"/cases/{case.id}/risk-summary", headers=ig,
                       data=plan_form(today, based_on="1")).status_code == 404
    assert versions(session, case) == [1]


def test_a_case_without_a_plan_offers_to_write_one_on_its_page_and_the_case_page(client, make, world):
    case, headers = world["case"], make.headers(world["officer"])
    page = client.get(f"/cases/{case.id}/risk-summary", headers=headers)
    assert page.status_code == 200
    assert "No risk summary yet" in text_of(page)
    assert f'href="/cases/{case.id}/risk-summary/new"' in page.get_data(as_text=True)
    case_page = client.get(f"/cases/{case.id}", headers=headers)
    assert "No risk summary has been written." in text_of(case_page)
    assert f'href="/cases/{case.id}/risk-summary/new"' in case_page.get_data(as_text=True)


# --- the form, check your answers and saving --------------------------------------------------

def test_the_form_prompts_for_what_is_true_of_this_person_and_carries_a_csrf_token(client, make, world):
    case = world["case"]
    form = client.get(f"/cases/{case.id}/risk-summary/new", headers=make.headers(world["officer"]))
    body = form.get_data(as_text=True)
    assert "Write the signs this person shows, in their words where you can" in text_of(form)
    assert 'name="csrf_token"' in body
    for stage in ("Stage 1: early warning signs", "Stage 4: emergency or statutory intervention"):
        assert stage in text_of(form)
    assert 'name="contacts.3.route"' in body
    assert 'name="next_review-day"' in body
    assert 'name="based_on" value="0"' in body


def test_saving_makes_version_1_then_version_2_written_from_it(client, make, world, session, today):
    case, headers = world["case"], make.headers(world["officer"])
    check, saved = save(client, headers, case, plan_form(today))
    assert "Save version 1" in text_of(check)
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/cases/{case.id}/risk-summary?done=saved"
    assert versions(session, case) == [1]
    row = session.scalar(select(RiskSummary).where(RiskSummary.case_id == case.id))
    assert SIGNS.encode() not in row.content_ciphertext
    page = client.get(saved.headers["Location"], headers=headers)
    text = text_of(page)
    assert "Version 1 saved" in text
    assert SIGNS in text
    assert "Jo Planperson" in text
    assert "0300 555 0100" in text
    assert "High" in text
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "risk_summary.read",
                                 AuditEvent.case_id == case.id)) >= 1

    # The next version's form starts from version 1, every answer filled in.
    again = client.get(f"/cases/{case.id}/risk-summary/new", headers=headers)
    body = again.get_data(as_text=True)
    assert 'name="based_on" value="1"' in body
    assert "Jo Planperson" in body
    assert "Sam Officer, IDVA" in body
    assert "Write version 2" in title_of(again)
    _check, saved = save(client, headers, case, plan_form(today, level="very_high", based_on="1"))
    assert saved.status_code == 303
    assert versions(session, case) == [1, 2]
    assert "Very high" in text_of(client.get(f"/cases/{case.id}/risk-summary", headers=headers))
    listed = text_of(client.get(f"/cases/{case.id}/risk-summary/versions", headers=headers))
    assert "Version 2 (latest)" in listed
    assert "Version 1" in listed
    assert "Sam Officer" in listed


def test_change_on_the_check_page_brings_back_the_form_with_every_answer(client, make, world, today):
    case, headers = world["case"], make.headers(world["officer"])
    check = client.post(f"/cases/{case.id}/risk-summary/new", headers=headers, data=plan_form(today))
    body = check.get_data(as_text=True)
    assert f'formaction="/cases/{case.id}/risk-summary/new#early_warning_signs"' in body
    back = client.post(f"/cases/{case.id}/risk-summary/new", headers=headers,
                       data={**hidden_form(check), "change": "1"})
    assert back.status_code == 200
    text = back.get_data(as_text=True)
    assert "going quiet" in text
    assert "07700 900123" in text
    assert "Sam Officer, IDVA" in text


def test_a_plan_that_breaks_the_rules_is_shown_again_422_with_everything_typed_and_nothing_written(
        client, make, world, session, today):
    case, headers = world["case"], make.headers(world["officer"])
    form = plan_form(today, level="", **{"contacts.2.route": "", "next_review-day": "31",
                                         "next_review-month": "2"})
    before = take_snapshot(session)
    for path in (f"/cases/{case.id}/risk-summary/new", f"/cases/{case.id}/risk-summary"):
        refused = client.post(path, headers=headers, data=form)
        assert refused.status_code == 422, path
        assert title_of(refused).startswith("Error: ")
        assert error_summary(refused) == ["Choose the overall level of risk",
                                          "Give the contact's how to reach them",
                                          "The next review date must be a real date"]
        body = refused.get_data(as_text=True)
        assert 'href="#contacts.2.route"' in body
        assert 'href="#next_review-day"' in body
        assert "going quiet" in body
        assert "Crisis team duty worker" in body
    assert_nothing_written(session, before)
    assert versions(session, case) == []


@pytest.mark.parametrize("changes", [
    {"level": "catastrophic"},
    {"contacts.0.stage": "9"},
    {"contacts.0.stage": "x\x00"},
    {"next_review-year": "ninety"},
    {"risk_factors": "a" * 10_500},
    {"reviewer": "r" * 300},
    {"agreed_with_person": "perhaps", "based_on": "-1"},
    {"early_warning_signs": "\x00\x01 signs"},
], ids=["level", "stage", "stage-nul", "date", "long-text", "long-reviewer", "odd-choice", "control"])
def test_no_input_makes_a_500(client, make, world, session, today, changes):
    case, headers = world["case"], make.headers(world["officer"])
    for path in (f"/cases/{case.id}/risk-summary/new", f"/cases/{case.id}/risk-summary"):
        answer = client.post(path, headers=headers, data=plan_form(today, **changes))
        assert answer.status_code in (200, 303, 422), (path, answer.status_code)
        if answer.status_code == 422:
            assert error_summary(answer)


def test_the_check_page_warns_of_an_empty_field_and_of_a_field_copied_from_another_case(
        client, make, world, today):
    case, officer = world["case"], world["officer"]
    other = make.case(officer, name="Another Person")
    record(make, officer, other, today, de_escalation="Talk calmly; offer a cup of tea.")
    form = plan_form(today, coping_strategies="", de_escalation="talk calmly, offer a cup of tea")
    check = client.post(f"/cases/{case.id}/risk-summary/new", headers=make.headers(officer), data=form)
    assert check.status_code == 200
    text = text_of(check)
    assert "Coping strategies is empty: write what applies to this person" in text
    assert ("Agreed de-escalation strategies has the same words as another case's plan: write what "
            "applies to this person") in text
    assert "2 answers read as generic or is missing" in text
    assert "Early-warning signs and triggers has" not in text
    assert "Another Person" not in check.get_data(as_text=True)


def test_a_save_overtaken_by_a_later_version_is_409_and_keeps_everything_typed(
        client, make, world, session, today):
    case, officer = world["case"], world["officer"]
    headers = make.headers(officer)
    record(make, officer, case, today, risk_to="Herself")
    check = client.post(f"/cases/{case.id}/risk-summary/new", headers=headers,
                        data=plan_form(today, based_on="1"))
    assert "Save version 2" in text_of(check)
    # Meanwhile a partner saves version 2.
    record(make, make.user(world["partner"]), case, today, risk_to="Herself, and her neighbour")
    before = take_snapshot(session)
    refused = client.post(f"/cases/{case.id}/risk-summary", headers=headers, data=hidden_form(check))
    assert refused.status_code == 409
    assert error_summary(refused) == [
        "Version 2 was saved after you started: read it, then save yours as version 3 if it still "
        "says what you mean"]
    body = refused.get_data(as_text=True)
    assert "going quiet" in body
    assert "07700 900123" in body
    assert 'name="based_on" value="2"' in body
    assert_nothing_written(session, before)
    assert versions(session, case) == [1, 2]
    # Saving again, knowingly, makes version 3.
    again = client.post(f"/cases/{case.id}/risk-summary/new", headers=headers, data=dict(
        re.findall(r'name="(based_on)" value="(\d+)"', body), **{k: v for k, v in plan_form(today).items()
                                                                  if k != "based_on"}))
    assert "Save version 3" in text_of(again)
    saved = client.post(f"/cases/{case.id}/risk-summary", headers=headers, data=hidden_form(again))
    assert saved.status_code == 303
    assert versions(session, case) == [1, 2, 3]


# --- versions and comparing them ------------------------------------------------------------

def test_compare_marks_the_changed_fields_only(client, make, world, today):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself", wishes="Call Jo first")
    record(make, officer, case, today, risk_to="Herself and her sister", wishes="Call Jo first",
           contacts=(Contact(1, "Jo", "Sister", "07700 900123"),))
    page = client.get(f"/cases/{case.id}/risk-summary/compare?from=1&to=2",
                      headers=make.headers(officer))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    changed = set(re.findall(r'data-field="([a-z_]+)" data-changed="true"', body))
    assert changed == {"risk_to", "contacts"}
    assert "Herself and her sister" in text_of(page)
    assert "2 of 13 answers changed" in text_of(page)


@pytest.mark.parametrize("query", ["", "?from=1", "?from=one&to=2", "?from=0&to=2", "?from=2&to=2",
                                   "?from=1&to=99999999999", "?from=%00&to=2"])
def test_compare_with_bad_or_missing_numbers_is_422_with_the_error_summary(client, make, world,
                                                                           today, query):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself")
    record(make, officer, case, today, risk_to="Herself and her sister")
    page = client.get(f"/cases/{case.id}/risk-summary/compare{query}", headers=make.headers(officer))
    assert page.status_code == 422
    assert title_of(page).startswith("Error: ")
    assert error_summary(page)


def test_compare_or_open_an_unknown_version_is_404(client, make, world, today):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself")
    headers = make.headers(officer)
    compared = client.get(f"/cases/{case.id}/risk-summary/compare?from=1&to=7", headers=headers)
    assert compared.status_code == 404
    assert client.get(f"/cases/{case.id}/risk-summary/versions/7", headers=headers).status_code == 404


def test_an_earlier_version_links_to_the_latest(client, make, world, today):
    case, officer = world["case"], world["officer"]
    record(make, officer, case, today, risk_to="Herself")
    record(make, officer, case, today, risk_to="Herself and her sister")
    page = client.get(f"/cases/{case.id}/risk-summary/versions/1", headers=make.headers(officer))
    text = text_of(page)
    assert "This is an earlier version" in text
    assert "Read the latest version (version 2)" in text
    assert "Herself and her sister" not in text


# --- review dates and the panels ------------------------------------------------------------

def _make_overdue(session, case, days: int) -> None:  # type: ignore[no-untyped-def]
    row = session.scalar(select(RiskSummary).where(RiskSummary.case_id == case.id)
                         .order_by(RiskSummary.version.desc()))
    row.next_review = row.next_review - timedelta(days=days)
    session.commit()


def test_a_plan_past_its_review_date_is_flagged_on_its_page_the_case_page_and_the_dashboard(
        client, make, world, session, today):
    case, officer = world["case"], world["officer"]
    headers = make.headers(officer)
    record(make, officer, case, today, risk_to="Herself", next_review=today)
    dashboard = text_of(client.get("/", headers=headers))
    assert "Crisis plans overdue for review" not in dashboard
    assert "Review overdue" not in text_of(client.get(f"/cases/{case.id}", headers=headers))

    _make_overdue(session, case, 3)
    due = today - timedelta(days=3)
    assert "Review overdue: this plan was due for review on" in text_of(
        client.get(f"/cases/{case.id}/risk-summary", headers=headers))
    case_page = text_of(client.get(f"/cases/{case.id}", headers=headers))
    assert "Review overdue" in case_page
    assert "Version 1, saved" in case_page
    dash = client.get("/", headers=headers)
    assert "Crisis plans overdue for review" in text_of(dash)
    assert f"{case.ref} : version 1 was due for review on {due.day} {due.strftime('%B %Y')}" in text_of(dash)
    assert f'href="/cases/{case.id}/risk-summary"' in dash.get_data(as_text=True)
    # Not for an agency outside the case; and not once a new version is reviewed on time.
    assert "Crisis plans overdue" not in text_of(client.get("/", headers=make.headers(world["stranger"])))
    record(make, officer, case, today, risk_to="Herself", next_review=today + timedelta(days=30))
    assert "Crisis plans overdue" not in text_of(client.get("/", headers=headers))
