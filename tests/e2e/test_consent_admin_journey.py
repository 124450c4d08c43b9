"""In Chromium on the demo: the trust's IG reviews a decision from the dashboard through the queue
(the form's error state included), the administrator records an agreement after checking the
answers, and the report is read; axe-core checks every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from hub.demo import PERSONAS, PROVIDERS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess

pytestmark = pytest.mark.e2e


def _sign_in(audited: AuditedPage, demo_site: DemoProcess, email: str) -> None:
    page = audited.page
    persona = next(p for p in PERSONAS if p.email == email)
    provider = next(p for p in PROVIDERS if p.agency == persona.agency)
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name=provider.title).click()
    audited.audit()
    page.get_by_label(persona.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()


def test_ig_reviews_a_decision_from_the_dashboard(audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in(audited, demo_site, "ig.hughes@nmh.northshire.example")
    page.get_by_role("link", name=re.compile(r"await.? your IG review")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decisions awaiting IG review")
    audited.audit()
    page.get_by_role("link", name=re.compile(r"^Review")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review a decision made without consent")
    audited.audit()

    page.get_by_role("button", name="Record review").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    audited.audit()
    expect(page.get_by_role("alert")).to_contain_text("Choose whether you endorse the decision")

    page.get_by_label("Endorse the decision").check()
    page.get_by_label("Your comment").fill("Necessary for the MARAC safety plan and kept to the minimum")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decisions awaiting IG review")
    audited.audit()
    recorded = re.compile(r"Review recorded for the decision on MARAC-.*: endorsed")
    expect(page.get_by_text(recorded)).to_be_visible()
    expect(page.get_by_text("No decision is awaiting review.")).to_be_visible()

    audited.goto(f"{demo_site.base_url}/reports/disclosures")
    audited.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure decisions report")
    page.get_by_role("group", name="First day").get_by_label("Day").fill("31")
    page.get_by_role("group", name="First day").get_by_label("Month").fill("2")
    page.get_by_role("button", name="Show the report").click()
    audited.audit()
    expect(page.get_by_role("alert")).to_contain_text("The first day must be a real date")
    audited.assert_every_page_audited()


def test_an_administrator_records_an_agreement(audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in(audited, demo_site, "admin@hub.northshire.example")
    page.get_by_role("link", name="Information-sharing agreements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information-sharing agreements")
    audited.audit()
    expect(page.get_by_text("Overdue")).to_be_visible()
    page.get_by_role("button", name="Add an agreement").click()
    audited.audit()

    page.get_by_label("Title of the agreement").fill("Northshire probation and children's services agreement")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    audited.audit()
    expect(page.get_by_role("alert")).to_contain_text("An agreement is between at least two agencies")
    expect(page.get_by_label("Title of the agreement")).to_have_value(
        "Northshire probation and children's services agreement")

    page.get_by_label("Northshire Probation Delivery Unit").check()
    page.get_by_label("Northshire County Council Children's Services").check()
    page.get_by_label("To safeguard a child").check()
    page.get_by_label("Child protection").check()
    page.get_by_label("Public task (Article 6(1)(e))").check()
    review = page.get_by_role("group", name="When is it next reviewed?")
    review.get_by_label("Day").fill("1")
    review.get_by_label("Month").fill("4")
    review.get_by_label("Year").fill(str(datetime.now(UTC).year + 2))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the agreement before recording it")
    audited.audit()
    page.get_by_role("button", name="Record the agreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement recorded")
    audited.audit()
    page.get_by_role("link", name="Go to the agreements register").click()
    audited.audit()
    expect(page.get_by_text("Northshire probation and children's services agreement")).to_be_visible()
    audited.assert_every_page_audited()
