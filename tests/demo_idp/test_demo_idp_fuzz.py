"""No input makes the demo identity provider answer with a 500 (property-based)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.demo_idp import DemoClient, Tenant, create_demo_idp
from tests.demo_idp.conftest import OFFICER, POST_LOGOUT_URI, REDIRECT_URI

PARAMETERS = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
              "code_challenge_method", "prompt", "max_age", "response_mode", "request", "id_token_hint",
              "post_logout_redirect_uri", "grant_type", "code", "code_verifier", "transaction", "person",
              "action", "confirmation", "client_secret", "logout_hint"]
PLAUSIBLE = ["code", "hub", REDIRECT_URI, POST_LOGOUT_URI, "openid", "openid profile email", "S256",
             "plain", "none", "login", "authorization_code", OFFICER.subject, "cancel", "sign-in", "a.b.c",
             "ü", "\x00", "%zz", "x" * 5000]
PATHS = ["/police/authorize", "/police/token", "/police/userinfo", "/police/end-session", "/police/jwks",
         "/police/.well-known/openid-configuration", "/", "/elsewhere/authorize"]

_app = create_demo_idp("http://127.0.0.1:9/demo-idp", [Tenant("police", "Northshire Police", (OFFICER,), (
    DemoClient("hub", "fuzz-secret", (REDIRECT_URI,), (POST_LOGOUT_URI,)),))])
values = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=300))


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST"]),
       query=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=8),
       form=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=8),
       authorization=st.one_of(st.none(), st.sampled_from(["Bearer x", "Basic aHViOmZ1enotc2VjcmV0",
                                                           "Basic !!!", "Bearer"])))
def test_no_request_gets_a_server_error(path: str, method: str, query: dict[str, str], form: dict[str, str],
                                        authorization: str | None) -> None:
    client: FlaskClient = _app.test_client()
    headers = {"Authorization": authorization} if authorization else {}
    answer = client.open(path, method=method, query_string=query, data=form if method == "POST" else None,
                         headers=headers)
    assert answer.status_code < 500, (path, method, query, form, answer.status_code)
