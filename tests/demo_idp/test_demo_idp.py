"""The demo identity provider, driven over real HTTP on loopback with authlib's client."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from hub.demo_idp import DemoClient, NotLoopbackError, Tenant, create_demo_idp
from hub.demo_idp.loopback import serve_on_loopback
from tests.demo_idp.conftest import (
    CLIENT_SECRET,
    OFFICER,
    POST_LOGOUT_URI,
    REDIRECT_URI,
    Idp,
    authorize,
)
from tests.demo_idp.forms import only_form


def _keys(idp: Idp, tenant: str = "police") -> KeySet:
    return KeySet.import_key_set(requests.get(idp.metadata(tenant)["jwks_uri"], timeout=5).json())


def _redeem(idp: Idp, code: str, verifier: str, *, secret: str = CLIENT_SECRET) -> requests.Response:
    return requests.post(idp.metadata()["token_endpoint"], auth=("hub", secret), timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    })


def _authorize_url(idp: Idp, **params: str) -> str:
    base = {"response_type": "code", "client_id": "hub", "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email", "state": generate_token(16), "nonce": generate_token(16),
            "code_challenge": create_s256_code_challenge(generate_token(64)),
            "code_challenge_method": "S256"}
    base.update(params)
    return f"{idp.metadata()['authorization_endpoint']}?{urlencode({k: v for k, v in base.items() if v})}"


def test_discovery_names_the_exact_issuer_and_offers_only_the_code_flow_with_s256(idp: Idp) -> None:
    meta = idp.metadata()
    OpenIDProviderMetadata(meta).validate()
    assert meta["issuer"] == idp.issuer()
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "end_session_endpoint"):
        assert meta[name].startswith(idp.issuer() + "/")
    assert idp.metadata("idva")["issuer"] == idp.issuer("idva")


def test_code_flow_with_pkce_gives_an_id_token_that_verifies_against_the_issuers_jwks(idp: Idp) -> None:
    client = idp.client()
    done = authorize(idp, client=client)
    assert done.params["state"] == done.state
    assert done.params["iss"] == idp.issuer()  # RFC 9207
    token = client.fetch_token(idp.metadata()["token_endpoint"], authorization_response=done.location,
                               code_verifier=done.verifier, state=done.state)

    decoded = jwt.decode(token["id_token"], _keys(idp), algorithms=["RS256"])
    assert decoded.header["kid"] == _keys(idp).keys[0].kid
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": idp.issuer()}, aud={"essential": True, "value": "hub"},
        nonce={"essential": True, "value": done.nonce}, sub={"essential": True, "value": OFFICER.subject},
        exp={"essential": True}, iat={"essential": True}, auth_time={"essential": True},
        sid={"essential": True},
    ).validate(decoded.claims)
    assert decoded.claims["name"] == OFFICER.name
    assert decoded.claims["email"] == OFFICER.email
    assert decoded.claims["roles"] == list(OFFICER.roles)

    info = client.get(idp.metadata()["userinfo_endpoint"])
    assert info.status_code == 200
    assert info.json()["sub"] == OFFICER.subject


def test_each_agency_signs_with_its_own_key(idp: Idp) -> None:
    client = idp.client()
    done = authorize(idp, client=client)
    token = client.fetch_token(idp.metadata()["token_endpoint"], authorization_response=done.location,
                               code_verifier=done.verifier, state=done.state)
    with pytest.raises(JoseError):
        jwt.decode(token["id_token"], _keys(idp, "idva"), algorithms=["RS256"])


def test_wrong_pkce_verifier_is_refused_and_the_code_is_spent(idp: Idp) -> None:
    done = authorize(idp)
    refused = _redeem(idp, done.params["code"], generate_token(64))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert "id_token" not in refused.json()
    # The right verifier afterwards is too late: a code is good for one presentation only.
    assert _redeem(idp, done.params["code"], done.verifier).status_code == 400


def test_a_code_cannot_be_redeemed_twice(idp: Idp) -> None:
    done = authorize(idp)
    assert _redeem(idp, done.params["code"], done.verifier).status_code == 200
    again = _redeem(idp, done.params["code"], done.verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused(idp: Idp) -> None:
    done = authorize(idp)
    refused = _redeem(idp, done.params["code"], done.verifier, secret="not-the-secret")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


@pytest.mark.parametrize("pkce", [
    {"code_challenge": "", "code_challenge_method": ""},
    {"code_challenge_method": "plain"},
    {"code_challenge_method": ""},
])
def test_an_authorization_request_without_pkce_s256_is_refused(idp: Idp, pkce: dict[str, str]) -> None:
    answer = requests.get(_authorize_url(idp, **pkce), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["error"] == ["invalid_request"]
    assert params["iss"] == [idp.issuer()]
    assert "code" not in params


def test_an_authorization_request_without_a_nonce_is_refused(idp: Idp) -> None:
    answer = requests.get(_authorize_url(idp, nonce=""), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]


@pytest.mark.parametrize("redirect_uri", [
    "http://127.0.0.1:9/auth/police/callback/",
    "http://127.0.0.1:9/auth/police/callback?next=/",
    "http://127.0.0.1:9/auth/idva/callback",
    "https://attacker.example/auth/police/callback",
])
def test_an_unregistered_redirect_uri_is_refused_without_redirecting(idp: Idp, redirect_uri: str) -> None:
    answer = requests.get(_authorize_url(idp, redirect_uri=redirect_uri), allow_redirects=False, timeout=5)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "Sign-in request refused" in answer.text


def test_cancelling_on_the_picker_tells_the_client_access_was_denied(idp: Idp) -> None:
    browser = requests.Session()
    page = browser.get(_authorize_url(idp, state="s-123"), timeout=5)
    form = only_form(page.text, page.url)
    answer = browser.post(form.action, data={**form.hidden, "action": "cancel"}, allow_redirects=False,
                          timeout=5)
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["error"] == ["access_denied"]
    assert params["state"] == ["s-123"]
    assert "code" not in params


def test_choosing_nobody_shows_the_error_and_issues_no_code(idp: Idp) -> None:
    browser = requests.Session()
    page = browser.get(_authorize_url(idp), timeout=5)
    form = only_form(page.text, page.url)
    answer = browser.post(form.action, data={**form.hidden, "action": "sign-in"}, allow_redirects=False,
                          timeout=5)
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert "Select who you want to sign in as" in answer.text
    # ...and the same form still works once someone is chosen.
    chosen = browser.post(form.action, data={**form.hidden, "person": OFFICER.subject, "action": "sign-in"},
                          allow_redirects=False, timeout=5)
    assert "code" in parse_qs(urlsplit(chosen.headers["Location"]).query)


def test_a_picker_form_is_good_once_and_only_for_its_own_request(idp: Idp) -> None:
    browser = requests.Session()
    page = browser.get(_authorize_url(idp), timeout=5)
    form = only_form(page.text, page.url)
    data = {**form.hidden, "person": OFFICER.subject, "action": "sign-in"}
    # Replayed against a different authorization request (another client's state): refused.
    other = _authorize_url(idp)
    moved = browser.post(other, data=data, allow_redirects=False, timeout=5)
    assert moved.status_code == 400
    assert "Location" not in moved.headers
    assert browser.post(form.action, data=data, allow_redirects=False, timeout=5).status_code == 302
    replayed = browser.post(form.action, data=data, allow_redirects=False, timeout=5)
    # Refused (the nonce is spent, so the client hears `invalid_request`): no second code.
    assert replayed.status_code == 302
    assert "code" not in parse_qs(urlsplit(replayed.headers["Location"]).query)
    assert parse_qs(urlsplit(replayed.headers["Location"]).query)["error"] == ["invalid_request"]


def test_end_session_with_an_id_token_hint_returns_to_the_registered_uri_and_revokes_tokens(idp: Idp) -> None:
    client = idp.client()
    done = authorize(idp, client=client)
    token = client.fetch_token(idp.metadata()["token_endpoint"], authorization_response=done.location,
                               code_verifier=done.verifier, state=done.state)
    answer = requests.get(idp.metadata()["end_session_endpoint"], allow_redirects=False, timeout=5, params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT_URI, "state": "bye",
    })
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{POST_LOGOUT_URI}?state=bye"
    assert client.get(idp.metadata()["userinfo_endpoint"]).status_code == 401


def test_end_session_never_redirects_to_an_unregistered_uri(idp: Idp) -> None:
    client = idp.client()
    done = authorize(idp, client=client)
    token = client.fetch_token(idp.metadata()["token_endpoint"], authorization_response=done.location,
                               code_verifier=done.verifier, state=done.state)
    answer = requests.get(idp.metadata()["end_session_endpoint"], allow_redirects=False, timeout=5, params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://attacker.example/",
    })
    assert answer.status_code == 200
    assert "Location" not in answer.headers
    assert "You have signed out" in answer.text


def test_end_session_without_a_hint_asks_the_person_first(idp: Idp) -> None:
    browser = requests.Session()
    url = idp.metadata()["end_session_endpoint"]
    params = {"client_id": "hub", "post_logout_redirect_uri": POST_LOGOUT_URI}
    page = browser.get(url, params=params, timeout=5)
    assert page.status_code == 200
    form = only_form(page.text, page.url)
    # A forged POST without the one-time confirmation does not redirect.
    forged = browser.post(form.action, data={"confirmation": "forged"}, allow_redirects=False, timeout=5)
    assert "Location" not in forged.headers
    confirmed = browser.post(form.action, data=form.hidden, allow_redirects=False, timeout=5)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == POST_LOGOUT_URI


def test_an_id_token_hint_from_another_key_is_refused(idp: Idp) -> None:
    stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
    forged = jwt.encode({"alg": "RS256", "kid": stranger.kid},
                        {"iss": idp.issuer(), "aud": "hub", "sub": OFFICER.subject}, stranger)
    answer = requests.get(idp.metadata()["end_session_endpoint"], allow_redirects=False, timeout=5, params={
        "id_token_hint": forged, "post_logout_redirect_uri": POST_LOGOUT_URI,
    })
    assert answer.status_code == 400
    assert "Location" not in answer.headers


@pytest.mark.parametrize(("method", "path", "data"), [
    ("GET", "/demo-idp/nowhere/.well-known/openid-configuration", None),
    ("GET", "/demo-idp/police/authorize", None),
    ("GET", "/demo-idp/police/authorize?client_id=nobody&response_type=code", None),
    ("POST", "/demo-idp/police/authorize?client_id=hub", {"transaction": "x"}),
    ("GET", "/demo-idp/police/token", None),
    ("POST", "/demo-idp/police/token", {"grant_type": "password", "username": "x"}),
    ("POST", "/demo-idp/police/token", {"grant_type": "authorization_code", "code": "\x00" * 5000}),
    ("GET", "/demo-idp/police/userinfo", None),
    ("GET", "/demo-idp/police/end-session?id_token_hint=not.a.jwt", None),
    ("GET", "/demo-idp/police/authorize?response_type=%C3%BC&client_id=hub", None),
    ("POST", "/demo-idp/police/token", {"code": "x" * 100_000}),
])
def test_bad_requests_get_a_clear_4xx_never_a_500(idp: Idp, method: str, path: str,
                                                   data: dict[str, str] | None) -> None:
    answer = requests.request(method, idp.base_url + path, data=data, allow_redirects=False, timeout=5)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com", ""])  # noqa: S104 (must be refused)
def test_it_refuses_to_bind_anything_but_loopback(host: str) -> None:
    app = create_demo_idp("http://127.0.0.1:9/demo-idp", [])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NotLoopbackError):
        serve_on_loopback(app, host, port)
    # Nothing was bound: the port is still free.
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


@pytest.mark.parametrize(("issuer_base", "redirect_uri"), [
    ("http://192.0.2.1:5000/demo-idp", "http://127.0.0.1:5000/auth/police/callback"),
    ("http://127.0.0.1:5000/demo-idp", "https://hub.example.org/auth/police/callback"),
])
def test_it_refuses_issuers_and_clients_that_are_not_on_loopback(issuer_base: str, redirect_uri: str) -> None:
    tenant = Tenant("police", "Northshire Police", (OFFICER,),
                    (DemoClient("hub", CLIENT_SECRET, (redirect_uri,)),))
    with pytest.raises(NotLoopbackError):
        create_demo_idp(issuer_base, [tenant])


def test_it_answers_nobody_but_this_machine() -> None:
    app = create_demo_idp("http://127.0.0.1:9/demo-idp", [])
    remote = app.test_client().get("/", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    local = app.test_client().get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert remote.status_code == 403
    assert local.status_code == 200
