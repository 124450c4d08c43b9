"""Day-to-day safeguarding in Chromium (the demo's). The community nurse, on a phone-sized
screen, records Daniel's daily observation; his mood at 3 crosses a threshold, and the trust's
named lead, at her desk, finds the alert on her dashboard, reads his 28-day chart, and
acknowledges the alert with the action taken. The council's safeguarding lead triages the
immediate-risk concern about Margaret to an s42 enquiry, answering the three-part test, and
follows the link to convene the strategy meeting, whose decision is already filled in.
axe-core checks every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from hub.config import Policy
from hub.db import utcnow
from hub.demo import PERSONAS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess

pytestmark = pytest.mark.e2e

TRUST = "Northshire Mental Health NHS Foundation Trust"
COUNCIL = "Northshire County Council Adult Social Care"
NOTE = "Very low this morning; would not come out of his room"


@pytest.fixture
def phone(browser: Browser, axe_source: str) -> Iterator[AuditedPage]:
    """A phone's screen: 390 by 844 CSS pixels, touch, as the nurse uses on a home visit."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="en-GB")
    page = AuditedPage(context.new_page(), axe_source)
    yield page
    context.close()
    page.assert_every_page_audited()


def _sign_in(audited: AuditedPage, demo_site: DemoProcess, provider: str, email: str) -> str:
    page = audited.page
    person = next(p for p in PERSONAS if p.email == email)
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name=provider).click()
    audited.audit()
    page.get_by_label(person.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()
    return person.name


def test_a_nurse_records_an_observation_on_a_phone_and_the_named_lead_acknowledges_its_alert(
        phone: AuditedPage, second_browser: AuditedPage, demo_site: DemoProcess) -> None:
    page = phone.page
    _sign_in(phone, demo_site, TRUST, "nurse.okafor@nmh.northshire.example")
    # Daniel's case is the trust's newest.
    page.get_by_role("link", name=re.compile(r"^ADULT-\d{4}-\d{5}$")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    expect(page.locator('[data-panel="daily-observation"]')).to_contain_text("agreed daily observation")
    phone.audit()
    page.get_by_role("link", name="Record an observation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a daily observation")
    phone.audit()
    # The scores stay on one line on the phone: 0 and 3 of one indicator side by side.
    zero, three = page.locator('input[name="scores.mood"][value="0"]'), page.locator(
        'input[name="scores.mood"][value="3"]')
    assert zero.bounding_box()["y"] == three.bounding_box()["y"]
    scores = {"mood": "3", "sleep": "2", "appetite": "1", "self_care": "1", "engagement": "2",
              "agitation": "1", "self_harm_thoughts": "1", "substance_use": "0", "missed_medication": "0"}
    for indicator, score in scores.items():
        page.locator(f'input[name="scores.{indicator}"][value="{score}"]').check()
    page.get_by_label("Note (optional)").fill(NOTE)
    page.get_by_role("button", name="Record the observation").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Observation recorded")
    crossed = page.locator('[data-observation="thresholds"]')
    expect(crossed).to_contain_text("Mood scored 3 or more")
    expect(page.locator("body")).not_to_contain_text(NOTE)  # the confirmation never echoes the note
    phone.audit()

    # --- the trust's named lead, at her desk ---------------------------------------------------
    desk = second_browser.page
    _sign_in(second_browser, demo_site, TRUST, "lead.banda@nmh.northshire.example")
    alerts = desk.locator('[data-panel="alerts"]')
    expect(alerts).to_contain_text("open observation alert")
    alerts.get_by_role("link").first.click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Observation alerts")
    second_browser.audit()
    row = desk.locator("tbody tr", has_text="Mood scored 3 or more")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Mood scored 3 or more")
    second_browser.audit()
    # His chart first: the same figures as the table beneath it.
    alert_url = desk.url
    desk.get_by_role("link", name=re.compile(r"^ADULT-")).first.click()
    desk.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    second_browser.audit()
    desk.get_by_role("link", name="See the last 28 days").click()
    # Today's row is the nurse's observation (the demo's week ends yesterday): her scores, their
    # total, and the mood chart's point for the same day, red for the threshold it crossed.
    today = desk.locator('[data-observation="table"] tbody tr').first
    for indicator in ("mood", "sleep", "self_harm_thoughts", "substance_use"):
        expect(today.locator(f'[data-indicator="{indicator}"]')).to_have_text(scores[indicator])
    expect(today.locator("td").last).to_have_text(str(sum(int(score) for score in scores.values())))
    point = desk.locator(f'svg[data-indicator="mood"] circle[data-day="{today.get_attribute("data-day")}"]')
    expect(point).to_have_attribute("data-score", "3")
    expect(point).to_have_attribute("fill", re.compile(r"^#d4351c$", re.IGNORECASE))
    second_browser.audit()
    second_browser.goto(alert_url)
    second_browser.audit()
    # Sent with nothing chosen: the error summary.
    desk.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(desk.locator(".govuk-error-summary")).to_be_visible()
    second_browser.audit()
    desk.get_by_label("Contacted the person").check()
    desk.get_by_label("Note").fill("Phoned Daniel; the home treatment team is visiting this afternoon")
    desk.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(desk.locator("body")).to_contain_text("Acknowledged")
    second_browser.audit()


def test_the_council_lead_triages_a_concern_to_an_s42_enquiry_and_convenes_the_strategy_meeting(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in(audited, demo_site, COUNCIL, "lead.price@asc.northshire.example")
    waiting = page.locator('[data-panel="concerns-awaiting"]')
    expect(waiting).to_contain_text("1 concern awaits your agency's triage")
    expect(waiting).to_contain_text("1 with immediate risk")
    waiting.get_by_role("link").first.click()
    audited.audit()
    row = page.locator("tbody tr", has_text="Immediate risk")
    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/concerns/[0-9a-f-]{36}$"))
    expect(page.locator('[data-concern="account"]')).to_contain_text("pension day")
    audited.audit()
    # An s42 enquiry without the test's answers: refused, everything kept.
    page.get_by_label("Section 42 enquiry").check()
    page.get_by_label("Reasons for the decision").fill("Financial abuse by her nephew, against the plan")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Reasons for the decision")).to_have_value(
        "Financial abuse by her nephew, against the plan")
    audited.audit()
    for question in ("care_and_support_needs", "experiencing_or_at_risk", "unable_to_protect"):
        page.locator(f'input[name="s42.{question}"][value="yes"]').check()
        page.locator(f'textarea[name="s42.{question}.evidence"]').fill(f"Recorded at the visit ({question})")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator('[data-concern="outcome-case"]')).to_have_text(re.compile(r"^ADULT-\d{4}-\d{5}$"))
    strategy = page.locator('[data-concern="strategy"]')
    expect(strategy).to_contain_text("Convene the strategy meeting by")
    audited.audit()
    strategy.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/meetings/new\?"))
    expect(page.locator('input[name="decided_time"]')).to_have_value(re.compile(r"^\d{2}:\d{2}$"))
    audited.audit()


def test_a_supervisor_is_prompted_about_an_undiscussed_high_risk_case_and_records_the_session(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    """Jordan's very-high-risk case, allocated to the council's social worker 29 days ago, has not
    been discussed: the lead's dashboard says so; she records the session, with a note and an
    action for him, through check your answers, and nothing is overdue any more."""
    page = audited.page
    _sign_in(audited, demo_site, COUNCIL, "lead.price@asc.northshire.example")
    prompt = page.locator('[data-panel="supervision"]')
    expect(prompt).to_contain_text("1 discussion overdue in supervision")
    prompt.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision due")
    overdue_row = page.locator("tbody tr", has_text="Overdue")
    expect(overdue_row).to_have_count(1)
    expect(overdue_row).to_contain_text("MARAC-")
    expect(overdue_row).to_contain_text("Never")
    audited.audit()
    page.get_by_role("link", name="Record a session with Sam Carter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a supervision session")
    audited.audit()
    # Sent with no case chosen: the error summary.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audited.audit()
    case_box = page.get_by_role("checkbox", name=re.compile(r"^MARAC-"))
    case_box.check()
    jordan = page.locator("[data-session-case]", has_text="If you discussed MARAC-")
    jordan.locator("textarea").fill("The refuge referral and his finding out about it")
    jordan.locator('input[name^="actions."]').fill("Update the MARAC on the refuge place")
    due = Policy().local_date(utcnow()) + timedelta(days=7)
    for part, value in (("day", due.day), ("month", due.month), ("year", due.year)):
        jordan.locator(f'input[name^="action_due."][name$="-{part}"]').fill(str(value))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before recording the session")
    audited.audit()
    page.get_by_role("button", name="Record the session").click()
    expect(page.locator("body")).to_contain_text("MARAC-")
    audited.audit()
    audited.goto(f"{demo_site.base_url}/supervision")
    expect(page.locator('[data-supervision="summary"]')).to_contain_text("none overdue for discussion")
    audited.audit()
