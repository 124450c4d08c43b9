"""Journeys in a real browser (Debian Chromium via Playwright) against `hub demo`, axe-checked throughout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from hub.demo import PERSONAS, PROVIDERS
from tests.e2e.harness import AuditedPage
from tests.e2e.live import DemoProcess

pytestmark = pytest.mark.e2e

CASE_REF = re.compile(r"\b(MARAC|ADULT|MAPPA|CHILD)-\d{4}-\d{5}\b")


def test_the_sign_in_page_offers_each_agencys_provider(audited: AuditedPage, demo_site: DemoProcess) -> None:
    audited.goto(f"{demo_site.base_url}/sign-in")
    expect(audited.page.get_by_role("heading", level=1)).to_have_text("Sign in")
    for provider in PROVIDERS:
        expect(audited.page.get_by_role("button", name=provider.title)).to_be_visible()


def test_the_persona_picker_says_what_is_wrong_when_nobody_is_chosen(audited: AuditedPage,
                                                                      demo_site: DemoProcess) -> None:
    audited.goto(f"{demo_site.base_url}/sign-in")
    audited.page.get_by_role("button", name="Northshire Police").click()
    audited.audit()
    audited.page.get_by_role("button", name="Sign in").click()
    audited.audit()
    expect(audited.page.get_by_role("alert")).to_contain_text("Select who you want to sign in as")
    expect(audited.page).to_have_title(re.compile(r"^Error: "))


def _sign_in_as_idva(audited: AuditedPage, demo_site: DemoProcess) -> str:
    """Hub sign-in page → the IDVA service's demo provider (PKCE code flow) → the dashboard."""
    page = audited.page
    idva = next(p for p in PERSONAS if p.agency == "IDVA-NS")
    audited.goto(f"{demo_site.base_url}/sign-in")
    page.get_by_role("button", name="Northshire IDVA Service").click()
    audited.audit()
    assert page.url.startswith(f"{demo_site.base_url}/demo-idp/idva/authorize?")
    page.get_by_label(idva.name).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.base_url}/")
    audited.audit()
    return idva.name


def test_a_practitioner_signs_in_through_their_provider_and_sees_only_their_agencys_cases(
        audited: AuditedPage, demo_site: DemoProcess, tmp_path: Path) -> None:
    page = audited.page
    name = _sign_in_as_idva(audited, demo_site)
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    # The cases table (a panel below it may name a case too, as a challenge's does).
    refs = page.get_by_role("table", name="Cases").get_by_role("link", name=CASE_REF).all_inner_texts()
    # The IDVA service is a member of the MARAC case alone (the other seeded cases exclude it).
    assert [CASE_REF.search(r).group(1) for r in refs] == ["MARAC"]  # type: ignore[union-attr]
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    page.get_by_role("link", name=refs[0], exact=True).click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    audited.audit()
    expect(page.get_by_role("heading", level=1)).to_contain_text(refs[0])


def test_signing_out_ends_the_session_at_the_hub_and_at_the_provider(
        audited: AuditedPage, demo_site: DemoProcess) -> None:
    page = audited.page
    _sign_in_as_idva(audited, demo_site)
    copied = {c["name"]: c["value"] for c in page.context.cookies(demo_site.base_url)}
    assert requests.get(f"{demo_site.base_url}/", cookies=copied, allow_redirects=False,
                        timeout=10).status_code == 200
    page.get_by_role("button", name="Sign out").click()
    # The provider asks the person to confirm (RP-initiated logout without an ID token hint).
    page.wait_for_url(re.compile(r"/demo-idp/idva/end-session"))
    audited.audit()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo_site.base_url}/signed-out")
    audited.audit()
    # The session is over on the server: the dashboard now sends us to sign in.
    page.goto(f"{demo_site.base_url}/")
    audited.audit()
    assert page.url.startswith(f"{demo_site.base_url}/sign-in")
    # A cookie copied before signing out opens nothing afterwards.
    replay = requests.get(f"{demo_site.base_url}/", cookies=copied, allow_redirects=False, timeout=10)
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/sign-in")


def test_the_demo_providers_own_pages_pass_too(audited: AuditedPage, demo_site: DemoProcess) -> None:
    audited.goto(f"{demo_site.base_url}/demo-idp/")
    for provider in PROVIDERS:
        expect(audited.page.get_by_text(f"{demo_site.base_url}/demo-idp/{provider.name}")).to_be_visible()
    # A request from a client the provider does not know gets a plain error page, not a redirect.
    audited.goto(f"{demo_site.base_url}/demo-idp/police/authorize?client_id=stranger&response_type=code")
    expect(audited.page.get_by_role("heading", level=1)).to_have_text("Sign-in request refused")
