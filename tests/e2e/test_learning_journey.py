"""Learning from incidents and reviews in Chromium (the demo's). The mental-health trust's
community nurse records a near miss from her dashboard, through check your answers, naming the
council as involved and linking her case; the trust's named lead finds it awaiting review,
records the structured review (after the form has told her what is missing) and writes the
feedback, which she checks before sending; the nurse signs in again, reads it on the review's
page and records done the action the demo's near miss asked of the trust's practitioners. The
council's lead records a CSPR's rapid review against its clock, sets an action of the SAR's plan
and marks it done, opens a SAR whose decision she records through check your answers, and links
the strategy meeting an incident concerns. axe-core checks every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from hub.config import Policy
from hub.db import utcnow
from hub.demo import PERSONAS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess

pytestmark = pytest.mark.e2e

TRUST = "Northshire Mental Health NHS Foundation Trust"
COUNCIL = "Northshire County Council Adult Social Care"
NURSE = "nurse.okafor@nmh.northshire.example"
LEAD = "lead.banda@nmh.northshire.example"
SUMMARY = "Crisis plan sent to the wrong GP practice"
ACCOUNT = "The crisis plan was e-mailed to the practice he left in May; their reception rang us."
FEEDBACK = "Thank you. The team now checks the GP practice against the spine before sending a plan."


def _sign_in(audited: AuditedPage, demo_site: DemoProcess, email: str, provider: str = TRUST) -> str:
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


def _sign_out(audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/demo-idp/[a-z-]+/end-session"))
    audited.audit()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo_site.base_url}/signed-out")
    audited.audit()


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _fill_date(audited: AuditedPage, name: str, days_on: int = 0) -> None:
    day = Policy().local_date(utcnow()) + timedelta(days=days_on)
    for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
        audited.page.locator(f'input[name="{name}-{part}"]').fill(str(value))


def test_a_nurse_records_a_near_miss_the_lead_reviews_it_and_the_nurse_reads_the_feedback(
        audited: AuditedPage, second_browser: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    nurse = _sign_in(audited, demo_site, NURSE)
    case_ref = page.get_by_role("table", name="Cases").get_by_role(
        "link", name=re.compile(r"^ADULT-\d{4}-\d{5}$")).first.inner_text()
    panel = page.locator('[data-panel="reviews"]')
    panel.get_by_role("button", name="Record an incident or near miss").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a review")
    audited.audit()
    # Sent with nothing filled in: the error summary, and no statutory review on offer to her.
    expect(page.get_by_label("Safeguarding Adult Review")).to_have_count(0)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the kind of review")
    expect(page).to_have_title(re.compile(r"^Error: "))
    audited.audit()
    page.get_by_label("Near miss", exact=True).check()
    page.get_by_label("Summary", exact=True).fill(SUMMARY)
    page.get_by_label("What happened?").fill(ACCOUNT)
    _fill_date(audited, "occurred_on")
    page.get_by_label(COUNCIL).check()
    page.get_by_label("Which of your agency's cases does it concern? (optional)").fill(case_ref)
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check your answers before recording the review")
    answers = page.locator('[data-review="answers"]')
    expect(answers).to_contain_text(ACCOUNT)
    expect(answers).to_contain_text(COUNCIL)
    expect(answers).to_contain_text(case_ref)
    audited.audit()
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(re.compile(r"/reviews/[0-9a-f-]{36}\?done=raised$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SUMMARY)
    expect(page.locator('[data-review="facts"]')).to_contain_text(case_ref)
    audited.audit()

    # --- the trust's named lead ----------------------------------------------------------------
    desk = second_browser.page
    _sign_in(second_browser, demo_site, LEAD)
    waiting = desk.locator('[data-panel="reviews-awaiting"]')
    expect(waiting).to_contain_text(re.compile(r"awaits? review"))
    waiting.get_by_role("link").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Reviews")
    second_browser.audit()
    desk.locator("tbody tr", has_text=SUMMARY).get_by_role("link", name=SUMMARY).click()
    expect(desk.locator('[data-review="account"]')).to_have_text(ACCOUNT)
    second_browser.audit()
    desk.get_by_role("link", name="Record the review").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Record the review")
    second_browser.audit()
    desk.get_by_role("button", name="Record the review").click()
    summary = desk.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Add at least one entry to the timeline")
    expect(summary).to_contain_text("Choose at least one contributory factor")
    second_browser.audit()
    _fill_date(second_browser, "timeline.1.on")
    desk.get_by_label("Entry 1: what happened").fill("Plan e-mailed to the practice on file")
    desk.get_by_label("Record keeping").check()
    desk.get_by_label("Information sharing").check()
    desk.get_by_label("Themes (optional)").fill("gp-registration")
    desk.get_by_label("Findings", exact=True).fill("The practice on file had not been checked since May")
    desk.get_by_role("button", name="Record the review").click()
    expect(desk.locator(".govuk-notification-banner")).to_contain_text("Structured review recorded")
    structured = desk.locator('[data-review="structured"]')
    expect(structured).to_contain_text("Record keeping")
    expect(structured).to_contain_text("gp-registration")
    second_browser.audit()
    desk.get_by_role("link", name=f"Give feedback to {nurse}").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"Give feedback to {nurse}")
    second_browser.audit()
    desk.get_by_label("Feedback", exact=True).fill(FEEDBACK)
    desk.get_by_role("button", name="Continue").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Check the feedback before sending it")
    second_browser.audit()
    desk.get_by_role("button", name="Send the feedback").click()
    expect(desk.locator(".govuk-notification-banner")).to_contain_text("Feedback sent")
    expect(desk.locator('[data-review="status"]')).to_contain_text("Closed")
    second_browser.audit()

    # --- the nurse, signing in again -----------------------------------------------------------
    _sign_out(audited, demo_site)
    _sign_in(audited, demo_site, NURSE)
    told = page.locator('[data-panel="review-feedback"]')
    expect(told).to_contain_text(re.compile(r"Feedback on \d+ reviews? you raised"))  # the demo's too
    told.get_by_role("link").click()
    row = page.locator("tbody tr", has_text=SUMMARY)
    expect(row).to_contain_text("Feedback to read")
    audited.audit()
    row.get_by_role("link", name=SUMMARY).click()
    expect(page.get_by_role("heading", name="Feedback to you")).to_be_visible()
    expect(page.locator('[data-review="feedback"]')).to_have_text(FEEDBACK)
    audited.audit()

    # The demo's near miss asked the trust's practitioners for an action: from the dashboard to
    # its page, where she records it done (after being told the evidence is needed).
    audited.goto(f"{demo_site.base_url}/")
    page.locator('[data-panel="review-actions"]').get_by_role("link").click()
    expect(_heading(page)).to_have_text("Actions from reviews")
    audited.audit()
    action = "Check the address on the national record before printing a letter"
    page.locator('[data-list="review-actions"]').get_by_role("link", name=action).click()
    expect(_heading(page)).to_have_text(action)
    expect(page.locator(".govuk-caption-l")).to_have_text("From a near-miss review")
    audited.audit()
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what was done")
    audited.audit()
    page.get_by_label("Evidence").fill("The address is checked on the national record for every letter")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action's status changed")
    expect(page.locator('[data-action="history"]')).to_contain_text("for every letter")
    audited.audit()


def test_the_council_lead_works_the_statutory_reviews_their_clocks_dates_decision_and_action_plan(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in(audited, demo_site, "lead.price@asc.northshire.example", COUNCIL)
    page.locator('[data-panel="reviews"]').get_by_role("link").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    audited.audit()

    # The demo's CSPR: the panel notified on its third working day, the rapid review still due.
    page.get_by_role("link", name="Serious incident notification").click()
    clocks = page.locator('[data-review="clocks"]')
    expect(clocks.locator('[data-clock="notification"]')).to_contain_text("Met")
    expect(clocks.locator('[data-clock="rapid_review"]')).to_contain_text("Due")
    audited.audit()
    page.get_by_role("link", name=re.compile("Record when the review started")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the review's dates")
    audited.audit()
    _fill_date(audited, "rapid_review_on", days_on=1)  # tomorrow: refused, everything kept
    page.get_by_role("button", name="Record the dates").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The date must be today or in the past")
    audited.audit()
    _fill_date(audited, "rapid_review_on")
    page.get_by_role("button", name="Record the dates").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Dates recorded")
    expect(page.locator('[data-clock="rapid_review"]')).to_contain_text("Met")
    audited.audit()

    # The demo's SAR: an action of its plan for the trust's managers, then done.
    audited.goto(f"{demo_site.base_url}/reviews")
    page.get_by_role("link", name="Referral for a Safeguarding Adult Review").click()
    expect(page.locator('[data-review="sar"]')).to_contain_text("the law requires one")
    expect(page.locator('[data-review="facts"]')).to_contain_text("days so far")
    audited.audit()
    action = "Share the self-neglect pathway with the ward teams"
    page.get_by_role("link", name="Add an action").click()
    audited.audit()
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what the agency is to do")
    audited.audit()
    page.get_by_label("What is to be done?").fill(action)
    page.get_by_label(TRUST).check()
    page.get_by_label("Managers").check()
    _fill_date(audited, "due", days_on=28)
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action added")
    audited.audit()
    page.locator('[data-review="actions"]').get_by_role("link", name=action).click()
    expect(_heading(page)).to_have_text(action)
    audited.audit()
    page.get_by_label("Done", exact=True).check()
    page.get_by_label("Evidence").fill("Presented at the trust's safeguarding forum")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action's status changed")
    expect(page.locator('[data-review="actions"]')).to_contain_text("Done")
    audited.audit()

    # A new SAR, opened from the list, and the board's decision through check your answers.
    audited.goto(f"{demo_site.base_url}/reviews")
    page.get_by_role("button", name="Open a SAR").click()
    expect(page.get_by_label("Safeguarding Adult Review")).to_be_checked()
    audited.audit()
    page.get_by_label("Summary", exact=True).fill("Referral after a fall at home")
    page.get_by_label("What happened?").fill("A fall after weeks without the agreed visits")
    _fill_date(audited, "occurred_on", days_on=-10)
    page.get_by_role("button", name="Continue").click()
    audited.audit()
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral after a fall at home")
    audited.audit()
    page.get_by_role("link", name="Record the decision").click()
    audited.audit()
    decision = page.locator("form")
    for name in ("care_and_support_needs", "joint_working_concern", "known_or_suspected"):
        decision.locator(f'input[name="{name}"][value="yes"]').check()
    page.get_by_label("The adult experienced serious neglect").check()
    page.get_by_label("Do not arrange a review").check()
    page.get_by_label("Reasons for the decision").fill("The family asked for no review")
    _fill_date(audited, "decided_on")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("the board must arrange")
    audited.audit()
    page.get_by_label("Arrange a Safeguarding Adult Review").check()
    page.get_by_label("Reasons for the decision").fill("The criteria of section 44 are met")
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check your answers before recording the decision")
    audited.audit()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")
    expect(page.locator('[data-review="sar"]')).to_contain_text("The criteria of section 44 are met")
    audited.audit()

    # The themes its reviews keep finding: the trust's near miss, which involved the council.
    audited.goto(f"{demo_site.base_url}/reviews")
    page.get_by_role("link", name="Themes and trends").click()
    audited.audit()
    expect(_heading(page)).to_have_text("Themes and trends")
    expect(page.locator('[data-theme="tag:addresses"]')).to_contain_text("addresses")
    expect(page.locator('[data-theme="factor:record_keeping"]')).to_contain_text("Record keeping")

    # The social worker's incident about Margaret's case: the strategy meeting it concerns linked.
    audited.goto(f"{demo_site.base_url}/reviews")
    page.get_by_role("link", name="Strategy meeting held without the police").click()
    audited.audit()
    page.get_by_role("link", name="Link the cases, meetings and actions the findings concern").click()
    expect(_heading(page)).to_have_text("What the findings concern")
    audited.audit()
    refs = page.get_by_label("Which of your agency's cases does the review concern?")
    case_ref = refs.input_value()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d+", case_ref), case_ref
    refs.fill(f"{case_ref}, NOPE-1")
    page.get_by_role("button", name="Save what the findings concern").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("has the reference 'NOPE-1'")
    expect(refs).to_have_value(f"{case_ref}, NOPE-1")
    audited.audit()
    refs.fill(case_ref)
    page.get_by_label(re.compile(r"Strategy meeting, ")).first.check()
    page.get_by_role("button", name="Save what the findings concern").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("What the findings concern recorded")
    expect(page.locator('[data-review="facts"]')).to_contain_text("Strategy meeting")
    audited.audit()
    # The review's summary prints without the page's furniture.
    page.emulate_media(media="print")
    expect(page.locator(".govuk-header")).to_be_hidden()
    expect(page.locator(".govuk-back-link")).to_be_hidden()
    expect(page.locator('[data-review="reviewer-links"]')).to_be_hidden()
    expect(page.locator('[data-review="facts"]')).to_be_visible()
    expect(page.locator('[data-review="account"]')).to_be_visible()
    page.emulate_media(media="screen")


def test_a_manager_reads_the_partnership_report_its_charts_and_tables_and_changes_the_period(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in(audited, demo_site, "lead.price@asc.northshire.example", COUNCIL)
    page.get_by_role("link", name="Partnership report").click()
    audited.audit()
    expect(_heading(page)).to_have_text("Partnership report")
    # The demo's year: charts with their words, and the tables of the same figures.
    chart = page.locator('[data-chart="concerns_raised"]')
    expect(chart.get_by_role("img")).to_have_attribute("alt", re.compile(r"^Concerns raised, month by month"))
    expect(page.locator('[data-measure="concerns_raised"] [data-agency="overall"]')).not_to_be_empty()
    expect(page.get_by_role("link", name="Download every figure as a spreadsheet (CSV)")).to_be_visible()
    # A period that ends before it starts: the error summary, the dates as typed.
    today = Policy().local_date(utcnow())
    page.get_by_role("group", name="First day").get_by_label("Year").fill(str(today.year + 1))
    page.get_by_role("button", name="Show the report").click()
    audited.audit()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The period must not end before it starts")
    page.get_by_role("group", name="First day").get_by_label("Year").fill(str(today.year - 1))
    page.get_by_role("button", name="Show the report").click()
    audited.audit()
    expect(page.locator('[data-report="period"]')).to_contain_text(f"{today.year - 1} to")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Show the report")).to_be_hidden()
    expect(chart).to_be_visible()

