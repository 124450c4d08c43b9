"""Professional challenge in Chromium: the mental-health nurse finds, on the dashboard, the IDVA
service's challenge of the trust's overdue action, moved to stage 2 by the escalation job, and
reads it (only the raiser or a safeguarding lead resolves it); the IDVA worker resolves it, sent
first without an outcome, and challenges the police about another action at immediate risk,
which starts at stage 3. axe-core checks every page, the error states included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hub.demo import PERSONAS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_journeys import _sign_in_as_idva

pytestmark = pytest.mark.e2e

TRUST = "Northshire Mental Health NHS Foundation Trust"


def _sign_in_as_nurse(audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    nurse = next(p for p in PERSONAS if p.email.startswith("nurse."))
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name=TRUST).click()
    audited.audit()
    page.get_by_label(nurse.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()


def test_a_challenge_at_stage_two_is_read_by_the_trust_and_resolved_by_the_idva_service(
        audited: AuditedPage, second_browser: AuditedPage, demo_site: DemoProcess) -> None:
    # --- the nurse: the dashboard lists the challenge about the trust --------------------------
    nurse = second_browser.page
    _sign_in_as_nurse(second_browser, demo_site)
    panel = nurse.locator('[data-panel="open-challenges"]')
    expect(panel).to_contain_text("raised by IDVA-NS about your agency")
    panel.get_by_role("link", name=re.compile(r"stage 2$")).click()
    nurse.wait_for_url(re.compile(r"/challenges/[0-9a-f-]{36}$"))
    second_browser.audit()
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Stage 2: manager to manager")
    expect(nurse.get_by_text("tablets are running out")).to_be_visible()
    expect(nurse.get_by_role("button", name="Resolve the challenge")).to_have_count(0)
    history = nurse.locator('[data-challenge="history"] tbody tr')
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("Moved up at stage 2")
    challenge_url = nurse.url

    # --- the IDVA worker resolves it from the agency's list ------------------------------------
    page = audited.page
    _sign_in_as_idva(audited, demo_site)
    audited.goto(f"{demo_site.base_url}/challenges")
    expect(page.get_by_role("heading", level=1)).to_have_text("My agency's professional challenges")
    page.get_by_role("table").get_by_role("link").first.click()
    page.wait_for_url(challenge_url)
    audited.audit()
    page.get_by_role("button", name="Resolve the challenge").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Say how the challenge was resolved")
    page.get_by_label("Outcome").fill("The trust's pharmacist reviewed her tablets on Tuesday")
    page.get_by_label("Agreed plan and timescales").fill(
        "A medication review every month until the next MARAC")
    page.get_by_role("button", name="Resolve the challenge").click()
    page.wait_for_url(re.compile(r"\?done=resolved$"))
    audited.audit()
    expect(page.get_by_text("Challenge resolved", exact=True)).to_be_visible()
    expect(page.locator('[data-challenge="history"]')).to_contain_text("every month")

    # --- and challenges the police about another action, at immediate risk ----------------------
    page.get_by_role("link", name="Back to the action").click()
    audited.audit()
    page.get_by_role("link", name="Back to the case's actions").click()
    audited.audit()
    page.get_by_role("link", name="Flag the address for an urgent police response").click()
    audited.audit()
    page.get_by_role("link", name="Challenge Northshire Police about this action").click()
    audited.audit()
    page.get_by_role("button", name="Raise the challenge").click()
    audited.audit()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Say what concerns your agency")
    expect(summary).to_contain_text("Say whether there is an immediate risk")
    page.get_by_label("What concerns your agency?").fill("He has been seen outside her flat twice this week")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Raise the challenge").click()
    page.wait_for_url(re.compile(r"\?done=raised$"))
    audited.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stage 3: safeguarding leads and heads of service")
