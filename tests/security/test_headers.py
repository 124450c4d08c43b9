"""Protective headers on pages, API answers and error pages; HTTPS behind a proxy (ProxyFix)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Response
from flask import session as flask_session

from hub.access import Permission, requires
from hub.app import create_app
from hub.auth import is_https
from hub.config import ProviderConfig
from hub.security import HSTS
from hub.sessions.cookies import set_session_cookie
from tests.sessions.support import sign_in

BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def add_probe_routes(app):
    """A page that fails unexpectedly, and one that sets both cookies the way sign-in does."""

    @requires(Permission.PUBLIC)
    def broken() -> str:
        raise RuntimeError("boom")

    @requires(Permission.PUBLIC)
    def cookies() -> Response:
        flask_session["probe"] = 1
        response = Response("set")
        set_session_cookie(response, "probe-token", secure=is_https())
        return response

    app.add_url_rule("/test/broken", view_func=broken)
    app.add_url_rule("/test/cookies", view_func=cookies)
    return app


@pytest.fixture
def app(app):
    return add_probe_routes(app)


def https_app(settings, database, keyring, **changes):
    app = create_app(replace(settings, **changes), database=database, keyring=keyring)
    app.config["TESTING"] = True
    return add_probe_routes(app)


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";"))}


def assert_protected(response) -> None:
    for header, value in BASELINE.items():
        assert response.headers.get(header) == value, (header, response.status_code)
    csp = csp_directives(response)
    assert re.fullmatch(r"'nonce-[A-Za-z0-9_-]{16,}' 'self'", csp["script-src"])
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["style-src"] == "'self'"
    assert csp["form-action"].startswith("'self'")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


@pytest.mark.parametrize(("path", "status", "mimetype"), [
    ("/sign-in", 200, "text/html"),
    ("/healthz", 200, "application/json"),
    ("/no-such-page", 404, "text/html"),
    ("/api/v1/no-such-thing", 404, "application/problem+json"),
    ("/api/v1/me", 401, "application/problem+json"),
    ("/test/broken", 500, "text/html"),
])
def test_every_kind_of_answer_carries_the_protective_headers(client, path, status, mimetype):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == mimetype
    assert_protected(response)


def test_signed_in_pages_and_api_answers_are_not_stored(client, make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    sign_in(client, session, officer)
    for path in ("/", f"/cases/{case.id}", "/api/v1/me", f"/api/v1/cases/{case.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)
    bearer = client.get("/api/v1/cases", headers=make.headers(officer))
    assert_protected(bearer)


def test_the_only_inline_script_carries_this_requests_nonce(client, make, session):
    sign_in(client, session, make.user(make.agency()))
    nonces = set()
    for _ in range(2):
        response = client.get("/")
        nonce = re.search(r"'nonce-([^']+)'", csp_directives(response)["script-src"]).group(1)
        nonces.add(nonce)
        html = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert scripts
        for attributes in scripts:
            assert "src=" in attributes or f'nonce="{nonce}"' in attributes, attributes
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
        assert "<style" not in html
        assert not re.search(r'\sstyle="', html)
    assert len(nonces) == 2  # a fresh nonce per response


def test_static_assets_may_be_cached_when_no_credentials_are_sent(client, app):
    with client.get("/static/hub.css") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with client.get("/static/hub.css", headers={"Authorization": "Bearer hub_x"}) as response:
        assert response.headers["Cache-Control"] == "no-store"


def test_form_action_allows_the_configured_providers_for_sign_out_redirects(settings, database, keyring):
    provider = ProviderConfig(name="police", title="Police", issuer="https://idp.police.example/oidc",
                              client_id="hub", client_secret_env="X", agencies=("POL",))
    app = https_app(settings, database, keyring, providers=(provider,))
    response = app.test_client().get("/sign-in")
    assert csp_directives(response)["form-action"] == "'self' https://idp.police.example"


def test_over_http_cookies_are_plain_named_and_not_secure(client):
    response = client.get("/test/cookies")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("hub_session="))
    flask_cookie = next(c for c in cookies if c.startswith("hub_state="))
    for cookie in (session_cookie, flask_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie


def test_behind_a_trusted_proxy_https_gives_host_prefixed_secure_cookies_and_hsts(
    settings, database, keyring, make, session
):
    app = https_app(settings, database, keyring, proxy_fix=1)
    client = app.test_client()
    response = client.get("/test/cookies", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == HSTS
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-hub_session=probe-token;") for c in cookies), cookies
    assert any(c.startswith("__Host-hub_state=") for c in cookies), cookies
    for cookie in cookies:
        assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= {p.strip() for p in cookie.split(";")}
        assert "Domain" not in cookie
    # The browser's __Host- cookie then signs the person in through the proxy.
    officer = make.user(make.agency())
    sign_in(client, session, officer, secure=True)
    me = client.get("/api/v1/me", headers={"X-Forwarded-Proto": "https"})
    assert me.status_code == 200
    assert me.headers["Strict-Transport-Security"] == HSTS


def test_without_proxy_fix_a_forwarded_proto_header_is_ignored(client):
    response = client.get("/test/cookies", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("__Host-") or "Secure" in c for c in cookies), cookies


def test_an_https_base_url_means_hsts_and_secure_cookies_even_when_tls_ends_at_a_proxy(
    settings, database, keyring
):
    app = https_app(settings, database, keyring, base_url="https://hub.northshire.example")
    response = app.test_client().get("/test/cookies")
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_a_direct_https_request_gets_hsts(client):
    response = client.get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == HSTS
