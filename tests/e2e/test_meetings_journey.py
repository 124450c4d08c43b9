"""Meetings in Chromium: the police officer, invited to Margaret's strategy meeting and to the
fortnightly MARAC (the demo's), opens My meetings and each meeting's page, where the strategy
meeting shows the law's clock and the people invited and the MARAC its series. axe-core checks
every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_actions_journey import _sign_in_as_officer

pytestmark = pytest.mark.e2e


def test_an_invited_officer_reads_her_meetings_and_the_strategy_meetings_clock(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    officer = _sign_in_as_officer(audited, demo_site)
    audited.goto(f"{demo_site.base_url}/meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text("My meetings")
    audited.audit()
    rows = page.locator('[data-meetings="list"] tbody tr')
    expect(rows).to_have_count(2)

    page.get_by_role("link", name=re.compile(r"^Strategy meeting: ADULT-\d{4}-\d{5}$")).click()
    page.wait_for_url(re.compile(r"/meetings/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategy meeting: Margaret's s42 enquiry")
    summary = page.locator('[data-meeting="summary"]')
    expect(summary).to_contain_text("County Hall, Room 2.14")
    expect(summary).to_contain_text("within 5 working days of the decision to make s42 enquiries")
    expect(summary).to_contain_text("Due by")
    expect(page.locator('[data-meeting="invitees"]')).to_contain_text(officer)
    audited.audit()

    page.get_by_role("link", name="My meetings").click()
    page.get_by_role("link", name=re.compile(r"^MARAC: MARAC-\d{4}-\d{5}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire MARAC")
    expect(page.locator('[data-meeting="summary"]')).to_contain_text("FREQ=WEEKLY;INTERVAL=2;COUNT=26")
    expect(page.locator('[data-meeting="invitees"]')).to_contain_text("Chidi Okafor")
    audited.audit()
