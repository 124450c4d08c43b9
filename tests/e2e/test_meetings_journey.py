"""Meetings in Chromium. The police officer, invited to Margaret's strategy meeting and to the
fortnightly MARAC (the demo's), opens My meetings and each meeting's page, where the strategy
meeting shows the law's clock and the people invited and the MARAC its series. The council's
safeguarding lead convenes a strategy meeting from Margaret's case through check your answers,
acknowledges the confidentiality statement, keeps the attendance register, and minutes the
strategy discussion held two days ago with a decision, a dissent and an action, and issues them;
the officer, in a second browser, reads them. As MARAC coordinator she lists probation's repeat
referral (of which probation was not told) from the queue, reads the MARAC's agenda in order, and,
on last fortnight's MARAC (found in the month view), marks the police's action carried over to it as
not done (after being told a reason is missing), then minutes and issues it. axe-core checks every
page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from hub.config import Policy
from hub.db import utcnow
from hub.demo import CARRIED_OVER_ACTION, PERSONAS
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
    # The strategy meeting, the MARAC series' next two meetings and the MAPPA review.
    expect(rows).to_have_count(4)

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
    summary = page.locator('[data-meeting="summary"]')
    expect(summary).to_contain_text("Fortnightly, 26 meetings: this is meeting 1 of 26.")
    expect(summary).to_contain_text("1 listed of 16")
    expect(page.locator('[data-meeting="invitees"]')).to_contain_text("Chidi Okafor")
    audited.audit()
    # The series' next meeting is a meeting of its own: its own cases, the same people invited.
    page.locator('[data-meeting="next"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire MARAC")
    summary = page.locator('[data-meeting="summary"]')
    expect(summary).to_contain_text("this is meeting 2 of 26.")
    expect(summary).to_contain_text("0 listed of 16")
    expect(page.locator('[data-meeting="invitees"]')).to_contain_text("Chidi Okafor")
    page.get_by_text("All 26 meetings of this series").click()
    series = page.locator('[data-meeting="series"]')
    expect(series.locator("tbody tr")).to_have_count(26)
    expect(series).to_contain_text("(this meeting)")
    audited.audit()


COUNCIL = "Northshire County Council Adult Social Care"
DECISION = "Proceed with an s42 enquiry led by adult social care"
ACTION = "Share the two call-out logs with the enquiry officer"


def _sign_in_as_lead(audited: AuditedPage, demo_site: DemoProcess) -> str:
    page = audited.page
    lead = next(p for p in PERSONAS if p.agency == "ASC-NS" and "lead" in p.roles)
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name=COUNCIL).click()
    audited.audit()
    page.get_by_label(lead.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()
    return lead.name


def _open_margarets_case(audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    audited.goto(f"{demo_site.base_url}/")
    page.get_by_role("link", name=re.compile(r"^ADULT-\d{4}-\d{5}$")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    audited.audit()


def _fill_date(page, name: str, day) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def test_a_lead_convenes_runs_and_minutes_and_the_officer_reads_the_minutes(
        audited: AuditedPage, second_browser: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    lead = _sign_in_as_lead(audited, demo_site)
    expect(page.locator('[data-panel="meetings"]')).to_contain_text("My meetings")
    _open_margarets_case(audited, demo_site)

    # --- convening: the form, sent first with a mistake, then check your answers --------------
    page.get_by_role("link", name="Convene a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Convene a strategy meeting")
    audited.audit()
    today = Policy().local_date(utcnow())
    page.locator("#title").fill("Strategy meeting: the enquiry plan")
    _fill_date(page, "start", today + timedelta(days=1))
    page.locator("#start_time").fill("10:00")
    page.locator("#end_time").fill("09:00")
    page.locator("#location").fill("County Hall, Room 2.14")
    _fill_date(page, "decided", today - timedelta(days=1))
    page.locator("#decided_time").fill("09:00")
    page.get_by_label("DC Samira Ahmed (POL-NS)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The meeting must end after it starts")
    audited.audit()
    page.locator("#end_time").fill("11:00")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before convening the meeting")
    expect(page.locator('[data-convene="answers"]')).to_contain_text("within 5 working days")
    audited.audit()
    page.get_by_role("button", name="Convene the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/[0-9a-f-]{36}\?done=convened$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting convened")
    audited.audit()

    # --- moving it to another room: the form as the meeting stands, an error, then saved ---------
    page.get_by_role("link", name="Move the meeting or change its place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move the meeting or change its place")
    expect(page.locator("#location")).to_have_value("County Hall, Room 2.14")
    page.locator("#end_time").fill("08:00")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The meeting must end after it starts")
    audited.audit()
    page.locator("#end_time").fill("11:00")
    page.locator("#location").fill("County Hall, Room 3.01")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting changed")
    expect(page.locator('[data-meeting="summary"]')).to_contain_text("County Hall, Room 3.01")
    audited.audit()
    # Cancelling asks first; the lead goes back without cancelling.
    page.get_by_role("link", name="Cancel the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to cancel this meeting?")
    audited.audit()
    page.get_by_role("link", name="Back to the meeting").click()
    expect(page.locator('[data-meeting="summary"]')).to_contain_text("County Hall, Room 3.01")
    audited.audit()

    # --- running it: the statement acknowledged, then the register ------------------------------
    expect(page.locator('[data-meeting="cases"]')).to_have_count(0)
    page.get_by_role("button", name="I acknowledge the confidentiality statement").click()
    expect(page.locator('[data-meeting="cases"]')).to_contain_text("ADULT-")
    audited.audit()
    page.locator("#agency").select_option("POL-NS")
    page.get_by_label("Sent apologies").check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.locator('[data-meeting="attendance"]')).to_contain_text("Sent apologies")
    audited.audit()

    # --- minuting the discussion held two days ago -----------------------------------------------
    _open_margarets_case(audited, demo_site)
    page.locator('[data-panel="case-meetings"]').get_by_role("link", name=re.compile(r", 14:00$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategy discussion: Margaret's care at home")
    audited.audit()
    page.get_by_role("link", name="Read or write the minutes").click()
    audited.audit()
    page.get_by_role("link", name="Write the minutes").click()
    audited.audit()
    page.locator("#summary").fill("The police shared two call-outs to the address this month. The "
                                  "district nurse has seen unexplained bruising.")
    page.locator("#decision-1").fill(DECISION)
    page.locator("#rationale-1").fill("The three-part test is met on what the agencies shared")
    page.locator("#dissent-1").fill("None recorded")
    page.locator("#action-case-1").select_option(index=1)
    page.locator("#action-title-1").fill(ACTION)
    page.locator("#action-agency-1").select_option("POL-NS")
    _fill_date(page, "action-due-1", today + timedelta(days=7))
    page.get_by_role("button", name="Save the minutes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved as a draft")
    expect(page.locator('[data-minutes="marking"]')).to_have_text("OFFICIAL-SENSITIVE")
    expect(page.locator('[data-minutes="actions"]')).to_contain_text(ACTION)
    audited.audit()
    page.get_by_role("button", name="Issue version 1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("issued")
    audited.audit()
    del lead

    # --- the officer reads the issued minutes in her own browser --------------------------------
    other = second_browser.page
    _sign_in_as_officer(second_browser, demo_site)
    _open_margarets_case(second_browser, demo_site)
    other.locator('[data-panel="case-meetings"]').get_by_role("link", name=re.compile(r", 14:00$")).click()
    expect(other.locator('[data-meeting="minutes"]')).to_contain_text("Issued on")
    second_browser.audit()
    other.get_by_role("button", name="I acknowledge the confidentiality statement").click()
    expect(other.locator('[data-meeting="acknowledged"]')).to_be_visible()
    second_browser.audit()
    other.get_by_role("link", name="The minutes").click()
    expect(other.locator('[data-minutes="decisions"]')).to_contain_text(DECISION)
    expect(other.locator('[data-minutes="actions"]')).to_contain_text(ACTION)
    second_browser.audit()


def test_the_coordinator_lists_a_hidden_repeat_runs_the_agenda_and_minutes_the_last_marac(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in_as_lead(audited, demo_site)
    page.get_by_role("link", name="MARAC referrals waiting to be heard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MARAC referrals")
    queue = page.locator('[data-marac="queue"]')
    # Probation's referral of Jordan repeats the IDVA service's, of which probation is not a member.
    expect(queue).to_contain_text("Repeat")
    expect(queue).to_contain_text("PRB-NS")
    expect(queue).not_to_contain_text("Jordan")
    audited.audit()
    # Probation's referral is listed at the MARAC, which takes it within its capacity.
    page.get_by_role("button", name="List").first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case listed")
    audited.audit()

    audited.goto(f"{demo_site.base_url}/meetings")
    page.get_by_role("link", name=re.compile(r"^MARAC: MARAC-")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire MARAC")
    audited.audit()
    page.get_by_role("button", name="I acknowledge the confidentiality statement").click()
    agenda = page.locator('[data-meeting="agenda"]')
    expect(agenda).to_contain_text("New cases with children")
    expect(agenda).to_contain_text("Any other business")
    expect(agenda.locator("li").first).to_contain_text("Confidentiality statement")
    audited.audit()

    audited.goto(f"{demo_site.base_url}/meetings")
    page.get_by_role("link", name="See my meetings month by month").click()
    expect(page.locator('[data-meetings="month"]')).to_be_visible()
    audited.audit()

    # --- minuting last fortnight's MARAC, found in the month view --------------------------------
    held = Policy().local_date(utcnow()) - timedelta(days=14)
    audited.goto(f"{demo_site.base_url}/meetings/calendar?month={held:%Y-%m}")
    page.locator('[data-meetings="month"]').get_by_role("link", name="14:00 MARAC").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire MARAC (last fortnight)")
    audited.audit()
    page.get_by_role("button", name="I acknowledge the confidentiality statement").click()
    expect(page.locator('[data-meeting="agenda"]')).to_contain_text("Adult-only cases")
    audited.audit()
    # The police's action on Casey's case was due before the meeting and is still open: carried
    # over, it is marked at the meeting (first without a reason: told what is missing).
    carried = page.locator('table[data-meeting="carried-over"]')
    expect(carried).to_contain_text(CARRIED_OVER_ACTION)
    expect(carried).to_contain_text("POL-NS")
    carried.get_by_role("link", name=re.compile(r"^Mark")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark an action carried over")
    expect(page.locator('[data-carried="action"]')).to_contain_text(CARRIED_OVER_ACTION)
    audited.audit()
    page.get_by_label("Not done by the agency").check()
    page.get_by_role("button", name="Mark the action").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Say why the action was not done")
    expect(page.get_by_label("Not done by the agency")).to_be_checked()
    audited.audit()
    page.get_by_label("What the meeting heard").fill("The police had not checked: the officer was on leave")
    page.get_by_role("button", name="Mark the action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action marked")
    expect(page.locator('[data-meeting="carried-over"]')).to_contain_text("None")
    audited.audit()
    page.get_by_role("link", name="Read or write the minutes").click()
    audited.audit()
    page.get_by_role("link", name="Write the minutes").click()
    audited.audit()
    page.locator("#summary").fill("Casey's case was heard: three incidents this year, DASH 17. The police "
                                  "and adult social care shared their research.")
    page.locator("#decision-1").fill("Refer to the IDVA service and fit a target-hardening package")
    page.locator("#rationale-1").fill("High risk on DASH, escalating incidents")
    page.locator("#dissent-1").fill("Adult social care would also seek a care assessment first")
    page.locator("#action-case-1").select_option(index=1)
    page.locator("#action-title-1").fill("Arrange the target-hardening visit")
    page.locator("#action-agency-1").select_option("POL-NS")
    _fill_date(page, "action-due-1", Policy().local_date(utcnow()) + timedelta(days=5))
    page.get_by_role("button", name="Save the minutes").click()
    expect(page.locator('[data-minutes="decisions"]')).to_contain_text("Dissent: Adult social care")
    audited.audit()
    page.get_by_role("button", name="Issue version 1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("issued")
    audited.audit()
