"""A practitioner opens a case, sent first with nothing filled in, then adds a partner agency under
an information-sharing agreement and removes it again, in Chromium; axe-core checks every page,
the error state included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_journeys import _sign_in_as_idva

pytestmark = pytest.mark.e2e

POLICE = "Northshire Police"
SOCIAL_CARE = "Northshire County Council Adult Social Care"


def test_a_practitioner_opens_a_case_and_manages_its_members(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in_as_idva(audited, demo_site)

    page.get_by_role("button", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    audited.audit()

    # --- sent with only the name: the error summary, and the name kept ------------------------
    page.get_by_label("Full name").fill("Casey Journeyperson")
    page.get_by_role("button", name="Continue").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select the kind of case")
    expect(summary).to_contain_text("Enter the subject's date of birth")
    expect(page.get_by_label("Full name")).to_have_value("Casey Journeyperson")

    page.get_by_label("MARAC referral").check()
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("14")
    born.get_by_label("Month").fill("2")
    born.get_by_label("Year").fill("1988")
    page.get_by_label(POLICE, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before opening the case")
    audited.audit()
    expect(page.get_by_text("14 February 1988")).to_be_visible()

    page.get_by_role("button", name="Open case").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}\?done=opened$"))
    audited.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^MARAC-\d{4}-\d{5}$"))
    expect(page.get_by_text("Case opened")).to_be_visible()
    members = page.get_by_role("list").filter(has_text="(lead)")
    expect(members).to_contain_text("Northshire IDVA Service (lead)")
    expect(members).to_contain_text(POLICE)

    # --- an agency added under the MARAC protocol ----------------------------------------------
    page.get_by_role("button", name="Add an agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which agency should join the case?")
    audited.audit()
    page.get_by_label(SOCIAL_CARE).check()
    page.get_by_role("button", name="Add agency").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}\?done=added"))
    audited.audit()
    expect(page.get_by_text(f"Agency added: {SOCIAL_CARE}")).to_be_visible()
    expect(members).to_contain_text(SOCIAL_CARE)

    # --- and removed again, after confirming --------------------------------------------------
    page.get_by_role("link", name=f"Remove {SOCIAL_CARE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Remove {SOCIAL_CARE} from the case?")
    audited.audit()
    page.get_by_role("button", name="Remove agency").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}\?done=removed"))
    audited.audit()
    expect(page.get_by_text(f"Agency removed: {SOCIAL_CARE}")).to_be_visible()
    expect(members).not_to_contain_text(SOCIAL_CARE)
    expect(members).to_contain_text(POLICE)
