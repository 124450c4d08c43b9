"""Cross-agency actions in Chromium: the MARAC case's lead agency (the IDVA service) sets an action
for the police, sent first with nothing filled in; the officer finds it on the dashboard, is told
a done action needs its evidence, and marks it done with evidence; the history shows both
changes. axe-core checks every page, the error states included."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from hub.config import Policy
from hub.db import utcnow
from hub.demo import PERSONAS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_journeys import _sign_in_as_idva

pytestmark = pytest.mark.e2e

POLICE = "Northshire Police"
TITLE = "Fit a video doorbell at Jordan's flat and brief the response team"
EVIDENCE = "Doorbell fitted; briefing note PPU-7781 on the force system"


def _sign_in_as_officer(audited: AuditedPage, demo_site: DemoProcess) -> str:
    page = audited.page
    officer = next(p for p in PERSONAS if p.agency == "POL-NS")
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name=POLICE).click()
    audited.audit()
    page.get_by_label(officer.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()
    return officer.name


def test_a_lead_sets_an_action_for_a_partner_who_marks_it_done_with_evidence(
        audited: AuditedPage, second_browser: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    idva_name = _sign_in_as_idva(audited, demo_site)
    expect(page.get_by_role("heading", name="My agency's open actions")).to_be_visible()

    # --- the lead agency's practitioner opens the case's actions ------------------------------
    page.get_by_role("link", name=re.compile(r"^MARAC-\d{4}-\d{5}$")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    audited.audit()
    page.get_by_role("link", name="See the case's actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    audited.audit()
    expect(page.get_by_role("table")).to_contain_text("Overdue")
    page.get_by_role("button", name="Set an action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set an action")
    audited.audit()

    # --- sent with nothing filled in: the error summary --------------------------------------
    page.get_by_role("button", name="Set action").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Say what the agency is to do")
    expect(summary).to_contain_text("Choose the agency the action is for")
    expect(summary).to_contain_text("Enter the date the action is due")

    page.get_by_label("What is to be done?").fill(TITLE)
    page.get_by_label(POLICE, exact=True).check()
    due = Policy().local_date(utcnow()) + timedelta(days=14)
    when = page.get_by_role("group", name="When is it due?")
    when.get_by_label("Day").fill(str(due.day))
    when.get_by_label("Month").fill(str(due.month))
    when.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Set action").click()
    page.wait_for_url(re.compile(r"/actions/[0-9a-f-]{36}\?done=set$"))
    audited.audit()
    expect(page.get_by_text("Action set", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    action_url = page.url.split("?", 1)[0]

    # --- the police officer finds it on the dashboard -------------------------------------------
    officer = second_browser.page
    officer_name = _sign_in_as_officer(second_browser, demo_site)
    panel = officer.locator('[data-panel="open-actions"]')
    expect(panel).to_contain_text(TITLE)
    officer.get_by_role("link", name=TITLE).click()
    officer.wait_for_url(action_url)
    second_browser.audit()

    # --- done without evidence: told what is missing; then done with it -------------------------
    officer.get_by_label("Done", exact=True).check()
    officer.get_by_role("button", name="Change status").click()
    second_browser.audit()
    expect(officer).to_have_title(re.compile(r"^Error: "))
    expect(officer.get_by_role("alert")).to_contain_text("Say what was done, as evidence of completion")
    officer.get_by_label("Done", exact=True).check()
    officer.get_by_label("Evidence of completion").fill(EVIDENCE)
    officer.get_by_role("button", name="Change status").click()
    officer.wait_for_url(re.compile(r"/actions/[0-9a-f-]{36}\?done=changed$"))
    second_browser.audit()
    expect(officer.get_by_text("Status changed", exact=True)).to_be_visible()
    history = officer.locator('[data-actions="history"]')
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Open")
    expect(rows.nth(0)).to_contain_text(idva_name)
    expect(rows.nth(1)).to_contain_text("Done")
    expect(rows.nth(1)).to_contain_text(officer_name)
    expect(rows.nth(1)).to_contain_text(EVIDENCE)

    # --- the agency's list, done ones included ----------------------------------------------------
    second_browser.goto(f"{demo_site.base_url}/actions?status=done")
    expect(officer.get_by_role("heading", level=1)).to_have_text("My agency's actions")
    expect(officer.get_by_role("table")).to_contain_text(TITLE)
    second_browser.goto(f"{demo_site.base_url}/actions?status=nonsense")
    expect(officer.get_by_role("alert")).to_contain_text("Choose a status from the list")

    # --- and the lead sees the history too ------------------------------------------------------
    audited.goto(action_url)
    expect(page.locator('[data-actions="history"]')).to_contain_text(EVIDENCE)
