"""The demo identity provider served for real on a loopback port, and an authlib client for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hub.demo_idp import DemoClient, DemoPerson, Tenant, create_demo_idp
from tests.demo_idp.forms import only_form
from tests.e2e.live import LiveServer

CLIENT_SECRET = "demo-idp-test-secret"
REDIRECT_URI = "http://127.0.0.1:9/auth/police/callback"
POST_LOGOUT_URI = "http://127.0.0.1:9/signed-out"

OFFICER = DemoPerson("pol-1001", "PC Fictional Officer", "officer@police.example", ("officer",),
                     "response officer")
SERGEANT = DemoPerson("pol-1002", "DS Imaginary Sergeant", "sergeant@police.example",
                      ("officer", "detective-sergeant"))


@dataclass
class Idp:
    base_url: str

    def issuer(self, tenant: str = "police") -> str:
        return f"{self.base_url}/demo-idp/{tenant}"

    def metadata(self, tenant: str = "police") -> dict[str, Any]:
        response = requests.get(f"{self.issuer(tenant)}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        return dict(response.json())

    def client(self, tenant: str = "police", secret: str = CLIENT_SECRET,
               redirect_uri: str = REDIRECT_URI) -> OAuth2Session:
        return OAuth2Session(client_id="hub", client_secret=secret, scope="openid profile email",
                             redirect_uri=redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method="client_secret_basic")


@dataclass
class Authorization:
    """What came back to the client's redirect URI, plus what the client must remember."""

    params: dict[str, str]
    location: str
    verifier: str
    nonce: str
    state: str


def _tenant(slug: str, title: str, people: tuple[DemoPerson, ...]) -> Tenant:
    return Tenant(slug, title, people, (DemoClient(
        "hub", CLIENT_SECRET, (f"http://127.0.0.1:9/auth/{slug}/callback",), (POST_LOGOUT_URI,)),))


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    def make(base_url: str) -> Any:
        app = create_demo_idp(f"{base_url}/demo-idp", [
            _tenant("police", "Northshire Police", (OFFICER, SERGEANT)),
            _tenant("idva", "Northshire IDVA Service",
                    (DemoPerson("idva-1", "Ima Adviser", "adviser@idva.example", ("idva",)),)),
        ])
        # Mounted the way `hub demo` mounts it, so issuers carry the /demo-idp prefix.
        return DispatcherMiddleware(NotFound(), {"/demo-idp": app})

    with LiveServer(make) as server:
        yield Idp(server.base_url)


def authorize(idp: Idp, *, tenant: str = "police", person: str = OFFICER.subject,
              client: OAuth2Session | None = None, **extra: str) -> Authorization:
    """Start a code flow with PKCE S256 and a nonce, pick `person` on the picker page, and return
    what the provider sent back to the client's redirect URI (without following it)."""
    client = client or idp.client(tenant)
    verifier = generate_token(64)
    nonce = generate_token(24)
    url, state = client.create_authorization_url(idp.metadata(tenant)["authorization_endpoint"],
                                                 code_verifier=verifier, nonce=nonce, **extra)
    browser = requests.Session()
    page = browser.get(url, timeout=5)
    assert page.status_code == 200, page.text
    form = only_form(page.text, page.url)
    assert person in form.radios["person"]
    answer = browser.post(form.action, data={**form.hidden, "person": person, "action": "sign-in"},
                          allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return Authorization(params, location, verifier, nonce, state)
