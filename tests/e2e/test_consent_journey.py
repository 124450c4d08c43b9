"""A practitioner records a consent and then a disclosure decision that relies on it, in Chromium,
through every question page the answers bring in; axe-core checks every page, the error states
included."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess
from tests.e2e.test_journeys import _sign_in_as_idva

pytestmark = pytest.mark.e2e


def _continue(audited: AuditedPage, next_heading: str | re.Pattern[str]) -> None:
    audited.page.get_by_role("button", name="Continue").click()
    expect(audited.page.get_by_role("heading", level=1)).to_have_text(next_heading)
    audited.audit()


def test_a_practitioner_records_a_consent_and_a_decision_sharing_on_it(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in_as_idva(audited, demo_site)
    page.get_by_role("link", name=re.compile(r"^MARAC-")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    audited.audit()

    # --- a consent: first sent without the required answers, then completed -------------------
    page.get_by_role("link", name="Record a consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a consent")
    audited.audit()
    page.get_by_label("What does the person want to happen?").fill("To be safe at home")
    page.get_by_role("button", name="Record consent").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Say who gave consent")
    expect(summary).to_contain_text("Choose at least one purpose the person agreed to")
    # What was typed is still there.
    expect(page.get_by_label("What does the person want to happen?")).to_have_value("To be safe at home")

    yesterday = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    page.get_by_label("The person themselves").check()
    capacity = page.get_by_role("group", name="Was the person's capacity to consent assessed?")
    capacity.get_by_label("No").check()
    page.get_by_label("Explicit", exact=True).check()
    page.get_by_label("MARAC", exact=True).check()
    page.get_by_label("Northshire Police", exact=True).check()
    page.get_by_label("What was the person told about the sharing?").fill(
        "What the MARAC is, what is shared with the police and why")
    page.get_by_label("Verbally").check()
    obtained = page.get_by_role("group", name="When was consent obtained?")
    obtained.get_by_label("Day").fill(str(yesterday.day))
    obtained.get_by_label("Month").fill(str(yesterday.month))
    obtained.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Time consent was obtained").fill("09:17")
    page.get_by_label("Who obtained consent?").fill("Niamh Walsh, IDVA")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consents")
    audited.audit()
    expect(page.get_by_text("Consent recorded")).to_be_visible()

    # --- the decision, question by question ----------------------------------------------------
    page.get_by_role("link", name="Back to the case").click()
    audited.audit()
    page.get_by_role("link", name="Record a disclosure decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a disclosure decision")
    audited.audit()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About the information and the request")
    audited.audit()

    # The error state of a question page.
    page.get_by_role("button", name="Continue").click()
    audited.audit()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Select who the information is about")
    page.get_by_label("An adult at risk").check()
    page.get_by_label("In answer to a request").check()
    page.get_by_label("Requesting organisation").fill("Northshire Police")
    page.get_by_label("Requester's name and role").fill("DC Samira Ahmed, MARAC representative")
    _continue(audited, "What is the purpose of sharing?")

    page.get_by_label("MARAC", exact=True).check()
    _continue(audited, "Which law applies to the processing?")
    page.get_by_label("UK GDPR", exact=True).check()
    page.get_by_label("Crime and Disorder Act 1998 section 115").check()
    _continue(audited, "Lawful basis under UK GDPR")
    page.get_by_label("Consent (Article 6(1)(a))").check()
    special = page.get_by_role("group", name="Does the information include special category data?")
    special.get_by_label("No").check()
    _continue(audited, "Is the information confidential?")
    page.get_by_label("Yes").check()
    page.get_by_label("Consent", exact=True).check()
    _continue(audited, "Where does consent stand?")
    page.get_by_label("Consent was obtained").check()
    page.get_by_label(re.compile(r"09:17")).check()
    _continue(audited, "Has the person been told?")
    page.get_by_label("Yes").check()
    page.get_by_label("What are the person's views? (optional)").fill("Wants the police to know")
    _continue(audited, "Is sharing necessary and proportionate?")
    page.get_by_label("Why is sharing necessary?").fill("The MARAC safety plan needs the police")
    page.get_by_label("Is sharing proportionate?").fill(
        "Only the risk summary; not sharing leaves her at risk")
    page.get_by_role("checkbox", name="Necessary").check()
    page.get_by_role("checkbox", name="Secure").check()
    _continue(audited, "What have you decided?")
    page.get_by_label("Share in full").check()
    page.get_by_label("Why have you decided this?").fill("She agreed, and the police need it for her safety")
    _continue(audited, "Who receives what?")
    page.get_by_label("Northshire Police", exact=True).check()
    page.get_by_label("What information is shared? One item on each line").fill("Risk summary")
    page.get_by_label("Secure email").check()
    _continue(audited, "Check your answers before recording the decision")

    expect(page.get_by_text("She agreed, and the police need it for her safety")).to_be_visible()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure decision: share in full")
    audited.audit()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.get_by_text("The MARAC safety plan needs the police")).to_be_visible()
