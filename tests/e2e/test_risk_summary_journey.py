"""A practitioner writes a crisis plan in Chromium: the form (first with a mistake), check your
answers warning of a field left empty, a change, saving, reading it, a second version, and what
changed between the two; axe-core checks every page, the error states included."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_journeys import _sign_in_as_idva

pytestmark = pytest.mark.e2e

SIGNS = "Stops answering her phone to her sister.\nSays she is 'going quiet'."


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _review_date(page: Page, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name="When will the plan next be reviewed?")
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def _version_saved(page: Page) -> int:
    """The version number the success banner names."""
    banner = page.get_by_role("alert", name="Success")
    expect(banner).to_contain_text(re.compile(r"Version \d+ saved"))
    found = re.search(r"Version (\d+) saved", banner.inner_text())
    assert found is not None
    return int(found.group(1))


def test_a_practitioner_writes_a_crisis_plan_then_a_second_version_and_compares_them(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in_as_idva(audited, demo_site)
    page.get_by_role("link", name=re.compile(r"^MARAC-")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    audited.audit()
    expect(page.get_by_role("heading", name="Risk summary and crisis plan")).to_be_visible()

    # --- the form: the case may have a plan already (the demo's), or none -----------------------
    first = page.get_by_role("link", name="Write a risk summary")
    (first if first.count() else page.get_by_role("link", name="Write a new version")).click()
    expect(_heading(page)).to_have_text(re.compile(r"^Write a (risk summary|new version)"))
    audited.audit()
    prompt = page.get_by_text("Write the signs this person shows, in their words where you can")
    expect(prompt).to_be_visible()

    # The error state: a review date that is not a real date.
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Early-warning signs and triggers").fill(SIGNS)
    _review_date(page, "31", "2", "2030")
    page.get_by_role("button", name="Continue").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("The next review date must be a real date")
    expect(page.get_by_label("Early-warning signs and triggers")).to_have_value(SIGNS)
    assert "Jordan Example" not in page.title()

    review = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=60)
    _review_date(page, str(review.day), str(review.month), str(review.year))
    page.get_by_label("Who is at risk, and from what").fill("Herself, from her ex-partner Lee")
    page.get_by_label("Agreed de-escalation strategies").fill("Her sister phones first; no raised voices")
    page.get_by_label("Coping strategies").fill("")
    stage_1 = page.get_by_role("group", name="Stage 1: early warning signs")
    stage_1.get_by_label("Name", exact=True).fill("Jo Example")
    stage_1.get_by_label("Role", exact=True).fill("Sister")
    stage_1.get_by_label("How to reach them").fill("07700 900456")
    page.get_by_role("group", name="Was the plan agreed with the person?").get_by_label("Yes").check()
    page.get_by_label("Who will review it?").fill("Niamh Walsh, IDVA")
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check the risk summary before saving it")
    audited.audit()
    expect(page.get_by_text("Coping strategies is empty: write what applies to this person")).to_be_visible()
    expect(page.get_by_text("Jo Example, Sister: 07700 900456")).to_be_visible()

    # Change goes back to the form with every answer, and on to check your answers again.
    page.get_by_role("button", name="Change coping strategies").click()
    expect(_heading(page)).to_have_text(re.compile(r"^Write a"))
    audited.audit()
    expect(page.get_by_label("Early-warning signs and triggers")).to_have_value(SIGNS)
    page.get_by_label("Coping strategies").fill("Walking the dog on the seafront")
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check the risk summary before saving it")
    audited.audit()
    expect(page.get_by_text("Coping strategies is empty")).to_have_count(0)

    page.get_by_role("button", name=re.compile(r"^Save version \d+$")).click()
    expect(_heading(page)).to_have_text("Risk summary and crisis plan")
    audited.audit()
    saved = _version_saved(page)
    expect(page.get_by_text("Walking the dog on the seafront")).to_be_visible()
    expect(page.get_by_role("cell", name="07700 900456")).to_be_visible()

    # --- a second version, written from the first ----------------------------------------------
    page.get_by_role("button", name="Write a new version").click()
    expect(_heading(page)).to_have_text("Write a new version of the risk summary")
    audited.audit()
    expect(page.get_by_label("Coping strategies")).to_have_value("Walking the dog on the seafront")
    page.get_by_label("Very high", exact=True).check()
    page.get_by_label("Agreed de-escalation strategies").fill(
        "Her sister phones first; if Lee is there, call the police on 999")
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check the risk summary before saving it")
    audited.audit()
    page.get_by_role("button", name=f"Save version {saved + 1}").click()
    expect(_heading(page)).to_have_text("Risk summary and crisis plan")
    audited.audit()
    assert _version_saved(page) == saved + 1

    # --- every version, and what changed ------------------------------------------------------
    page.get_by_role("link", name=re.compile(r"^See every version")).click()
    expect(_heading(page)).to_have_text("Versions of the risk summary")
    audited.audit()
    expect(page.get_by_role("link", name=f"Version {saved}", exact=True)).to_be_visible()
    page.get_by_role("button", name="Compare").click()
    expect(_heading(page)).to_have_text(f"What changed from version {saved} to version {saved + 1}")
    audited.audit()
    level = page.locator('tr[data-field="level"]')
    expect(level).to_contain_text("Changed")
    expect(level).to_contain_text("Very high")
    expect(page.locator('tr[data-field="coping_strategies"]')).not_to_contain_text("Changed")

    # The compare page's error state: a version that is not a number.
    audited.goto(page.url.split("?", 1)[0] + "?from=first&to=" + str(saved + 1))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Choose a version from the list")
