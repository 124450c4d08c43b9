"""The web shell: layout on GOV.UK Frontend, dashboard, case page, sign-in page and error pages."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, render_template
from sqlalchemy import func, select

from hub import context
from hub.access import Permission, requires
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency
from hub.app import create_app
from hub.audit.models import AuditEvent
from hub.cases.models import Case
from hub.config import Policy, ProviderConfig
from hub.db import utcnow
from hub.sessions import services as session_services
from tests.support.factories.consent import ConsentFactory
from tests.web.page import assert_govuk_page, read_page


def html(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def without_per_request_values(body: str) -> str:
    """Nonces and tokens differ on every response; everything else must be identical."""
    return re.sub(r'(nonce|content|value)="[^"]*"', "", body)


def set_opened(session, case: Case, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    session.get(Case, case.id).created_at = moment
    session.commit()


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_lists_my_agencys_cases_in_uk_time(client, make, session):
    police, other = make.agency(), make.agency()
    officer, outsider = make.user(police, name="Dana Officer"), make.user(other)
    summer = make.case(officer)
    winter = make.case(officer)
    hidden = make.case(outsider)
    set_opened(session, summer, datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    set_opened(session, winter, datetime(2026, 1, 15, 12, 5, tzinfo=UTC))

    response = client.get("/", headers=make.headers(officer))
    assert response.status_code == 200
    page = read_page(html(response))
    assert_govuk_page(page, title="My cases", h1="My cases")
    assert summer.ref in page.text
    assert winter.ref in page.text
    assert hidden.ref not in page.text
    assert "2 July 2026 00:30" in page.text  # 23:30 UTC is 00:30 British Summer Time
    assert "15 January 2026 12:05" in page.text  # GMT in winter
    assert f"Signed in as Dana Officer, {police.name}" in page.text
    assert {"href": f"/cases/{summer.id}", "class": "govuk-link"} in page.anchors


def test_dashboard_with_no_cases_says_so(client, make):
    response = client.get("/", headers=make.headers(make.user(make.agency())))
    assert response.status_code == 200
    assert "Your agency is not a member of any case yet." in read_page(html(response)).text


def test_signed_out_visitor_is_sent_to_the_sign_in_page(client, make):
    case = make.case(make.user(make.agency()))
    for path in ("/", f"/cases/{case.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
        assert case.ref not in response.get_data(as_text=True)


def test_a_bad_bearer_token_is_not_signed_in(client, make):
    response = client.get("/", headers={"Authorization": "Bearer hub_not-a-real-token"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# --- case page --------------------------------------------------------------------------------


def test_case_page_shows_the_case_to_a_member_and_audits_the_read(client, make, session):
    police, nhs = make.agency(), make.agency(kind="nhs_mental_health")
    officer, nurse = make.user(police), make.user(nhs)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,), name="Robin Sample")
    set_opened(session, case, datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # the night clocks go forward

    response = client.get(f"/cases/{case.id}", headers=make.headers(nurse))
    assert response.status_code == 200
    page = read_page(html(response))
    assert_govuk_page(page, title=case.ref, h1=case.ref)
    assert "Robin Sample" in page.text
    assert "17 May 1980" in page.text
    assert "29 March 2026 00:30" in page.text  # still GMT at 00:30 UTC
    assert f"{police.name} (lead)" in page.text
    assert nhs.name in page.text
    reads = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                     AuditEvent.action == "case.read")).all()
    assert [(r.user_id, r.agency_code) for r in reads] == [(nurse.id, nhs.code)]


def test_case_page_of_a_non_member_is_the_same_404_as_a_missing_case(client, make, session):
    police, other = make.agency(), make.agency()
    officer, outsider = make.user(police), make.user(other)
    case = make.case(officer, name="Robin Sample")
    headers = make.headers(outsider)

    not_member = client.get(f"/cases/{case.id}", headers=headers)
    missing = client.get(f"/cases/{uuid.uuid4()}", headers=headers)
    assert not_member.status_code == missing.status_code == 404
    assert without_per_request_values(html(not_member)) == without_per_request_values(html(missing))
    page = read_page(html(not_member))
    assert_govuk_page(page, title="Page not found", h1="Page not found")
    assert "Robin Sample" not in page.text
    assert case.ref not in page.text
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "case.read")) == 0


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_administrators_and_auditors_get_404_on_their_own_agencys_case(role, client, make):
    police = make.agency()
    case = make.case(make.user(police), name="Robin Sample")
    response = client.get(f"/cases/{case.id}", headers=make.headers(make.user(police, role)))
    assert response.status_code == 404
    assert "Robin Sample" not in html(response)


def test_a_malformed_case_id_is_a_404(client, make):
    response = client.get("/cases/not-a-uuid", headers=make.headers(make.user(make.agency())))
    assert response.status_code == 404
    assert_govuk_page(read_page(html(response)), title="Page not found", h1="Page not found")


# --- sign-in page -----------------------------------------------------------------------------


def test_sign_in_page_lists_each_configured_provider(settings, database, keyring):
    providers = (
        ProviderConfig(name="police", title="Northshire Police", issuer="https://idp.police.example",
                       client_id="hub", client_secret_env="HUB_POLICE_SECRET", agencies=("POL-NS",)),
        ProviderConfig(name="nhs", title="Northshire NHS Trust", issuer="https://idp.nhs.example",
                       client_id="hub", client_secret_env="HUB_NHS_SECRET", agencies=("NMH-NS",)),
    )
    app = create_app(replace(settings, providers=providers), database=database, keyring=keyring)
    response = app.test_client().get("/sign-in")
    assert response.status_code == 200
    page = read_page(html(response))
    assert_govuk_page(page, title="Sign in", h1="Sign in")
    buttons = [(a["href"], a.get("class")) for a in page.anchors if "govuk-button" in (a.get("class") or "")]
    assert [href for href, _ in buttons] == ["/auth/police/login", "/auth/nhs/login"]
    assert "Northshire Police" in page.text
    assert "Northshire NHS Trust" in page.text

    # Sent here from a case page, the buttons bring the person back to it after sign-in ...
    back = read_page(html(app.test_client().get("/sign-in?next=/cases/abc")))
    assert [a["href"] for a in back.anchors if "govuk-button" in (a.get("class") or "")] == [
        "/auth/police/login?next=/cases/abc", "/auth/nhs/login?next=/cases/abc"]
    # ... but never to another site.
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        elsewhere = app.test_client().get("/sign-in", query_string={"next": hostile})
        assert elsewhere.status_code == 200
        assert "evil.example" not in html(elsewhere)


def test_sign_in_page_without_providers_says_who_to_ask(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    page = read_page(html(response))
    assert_govuk_page(page, title="Sign in", h1="Sign in")
    assert "No agency sign-in is configured yet" in page.text


# --- error pages ------------------------------------------------------------------------------


def test_unknown_address_gets_the_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = read_page(html(response))
    assert_govuk_page(page, title="Page not found", h1="Page not found")
    assert "check it is correct" in page.text


def test_wrong_method_gets_the_405_page(client, make):
    response = client.post("/sign-in")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert_govuk_page(read_page(html(response)), title="Method not allowed", h1="Method not allowed")


def test_an_unexpected_error_shows_a_reference_but_no_detail_and_keeps_nothing(
    app: Flask, session, caplog
):
    @requires(Permission.PUBLIC)
    def explode() -> str:
        # Written, then the request fails: nothing of it may persist (invariant 1).
        agency_services.add_agency(context.db(), Actor.system(), code="BOOM-1", name="Half-written",
                                   kind="other", now=context.now())
        raise RuntimeError("connection to 10.0.0.7 failed for hub_admin")

    app.add_url_rule("/test-only/explode", "test_only_explode", explode)  # this app instance only
    response = app.test_client().get("/test-only/explode", headers={"X-Request-ID": "ref-12345678"})
    assert response.status_code == 500
    body = html(response)
    page = read_page(body)
    assert_govuk_page(page, title="Sorry, there is a problem with the service",
                      h1="Sorry, there is a problem with the service")
    assert "ref-12345678" in page.text
    assert response.headers["X-Request-ID"] == "ref-12345678"
    for leak in ("10.0.0.7", "hub_admin", "RuntimeError", "Traceback", "explode"):
        assert leak not in body
    assert session.scalar(select(Agency).where(Agency.code == "BOOM-1")) is None
    # The operator still gets the detail, in the log, under the same reference.
    assert any("ref-12345678" in r.getMessage() and r.exc_info for r in caplog.records)


# --- templates and static assets --------------------------------------------------------------


def test_templates_render_without_a_csp_nonce_and_carry_it_when_given(app: Flask):
    with app.test_request_context("/sign-in"):
        template = app.jinja_env.get_template("web/sign_in.html")
        bare = read_page(template.render(providers=[]))
        with_nonce = read_page(render_template("web/sign_in.html", providers=[],
                                               cspNonce="n0nce-for-this-test"))
    assert [s.get("nonce") for s in bare.scripts] == [None] * len(bare.scripts)
    assert len(with_nonce.scripts) >= 2
    assert all(s.get("nonce") == "n0nce-for-this-test" for s in with_nonce.scripts)


def test_every_static_file_a_page_refers_to_is_served(client, make):
    officer = make.user(make.agency())
    case = make.case(officer)
    headers = make.headers(officer)
    pages = [client.get("/sign-in"), client.get("/nope"), client.get("/", headers=headers),
             client.get(f"/cases/{case.id}", headers=headers)]
    urls = {url for response in pages for url in read_page(html(response)).static_urls}
    assert "/static/govuk/govuk-frontend.min.css" in urls
    assert "/static/hub.js" in urls
    assert "/static/govuk/assets/images/favicon.ico" in urls
    for url in sorted(urls):
        with client.get(url) as response:
            assert response.status_code == 200, url


@pytest.mark.parametrize(("path", "types"), [
    ("/static/govuk/govuk-frontend.min.css", {"text/css"}),
    ("/static/govuk/govuk-frontend.min.js", {"text/javascript", "application/javascript"}),
    ("/static/hub.js", {"text/javascript", "application/javascript"}),
    ("/static/hub.css", {"text/css"}),
    ("/static/govuk/assets/images/favicon.svg", {"image/svg+xml"}),
    ("/static/govuk/assets/manifest.json", {"application/json", "application/manifest+json"}),
])
def test_static_assets_are_served_with_their_content_type(path, types, client):
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.mimetype in types
        assert len(response.get_data()) > 0


def test_fonts_the_govuk_stylesheet_asks_for_are_served(client):
    with client.get("/static/govuk/govuk-frontend.min.css") as response:
        css = response.get_data(as_text=True)
    fonts = set(re.findall(r"url\(([^)]+\.woff2?)\)", css))
    assert fonts, "the GOV.UK stylesheet names its fonts"
    for ref in sorted(fonts):
        ref = ref.strip("\"'")
        path = ref if ref.startswith("/") else f"/static/govuk/{ref.removeprefix('./')}"
        with client.get(path) as font:
            assert font.status_code == 200, ref
            assert font.mimetype.startswith("font/"), ref


def test_every_script_on_a_page_carries_the_nonce_its_csp_allows(client, make):
    officer = make.user(make.agency())
    response = client.get("/", headers=make.headers(officer))
    policy = response.headers["Content-Security-Policy"]
    allowed = re.findall(r"'nonce-([^']+)'", policy)
    assert len(allowed) == 1
    assert "'unsafe-inline'" not in policy
    scripts = read_page(html(response)).scripts
    assert len(scripts) >= 2
    assert all(s.get("nonce") == allowed[0] for s in scripts)


def test_templates_have_no_inline_styles_and_no_unnonced_inline_scripts():
    root = Path(__file__).resolve().parents[2] / "templates"
    templates = sorted(root.rglob("*.html"))
    assert templates
    for template in templates:
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", source), template.name
        for tag in re.findall(r"<script\b[^>]*>", source):
            assert "src=" in tag or "nonce" in tag, (template.name, tag)


# --- signed in with a browser session -----------------------------------------------------------


def test_a_browser_session_gets_a_working_sign_out_button(client, make, session):
    officer = make.user(make.agency(), name="Sam Session")
    now = utcnow()
    _row, cookie = session_services.start_session(
        session, officer, issuer="https://idp.example", provider="unconfigured", subject="s-1", sid=None,
        auth_time=now, policy=Policy(), now=now,
    )
    session.commit()
    client.set_cookie(session_services.SESSION_COOKIE, cookie)

    dashboard = client.get("/")
    assert dashboard.status_code == 200
    body = html(dashboard)
    assert "Signed in as Sam Session" in read_page(body).text
    form = re.search(r'<form method="post" action="/sign-out"[^>]*>(.*?)</form>', body, re.S)
    assert form is not None
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1))
    assert token is not None
    assert re.search(r"<button[^>]*>\s*Sign out\s*</button>", form.group(1))

    signed_out = client.post("/sign-out", data={"csrf_token": token.group(1)})
    assert signed_out.status_code in (302, 303)
    assert client.get("/").status_code == 302  # the session is over on the server


def test_a_bearer_token_caller_gets_no_sign_out_form(client, make):
    response = client.get("/", headers=make.headers(make.user(make.agency())))
    assert "/sign-out" not in html(response)


# --- health check -----------------------------------------------------------------------------


def test_health_check_answers_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_health_check_says_unavailable_when_the_database_does_not_answer(settings, keyring, tmp_path):
    unreachable = replace(settings, database_url=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'hub.db'}")
    app = create_app(unreachable, keyring=keyring)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["hub"].database.engine.dispose()
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}
