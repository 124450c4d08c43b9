"""`hub demo` as a real subprocess: hub and demo identity provider in one loopback process."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.demo import PERSONAS, PROVIDERS
from tests.conftest import DB_KIND
from tests.demo_idp.forms import only_form
from tests.e2e.live import HUB, DemoProcess, demo_environment


@pytest.fixture
def demo(tmp_path: Path, fresh_database_url: str) -> Iterator[DemoProcess]:
    # On SQLite the demo makes its own database inside HUB_INSTANCE, as it does for people.
    url = fresh_database_url if DB_KIND == "postgresql" else None
    with DemoProcess(tmp_path, url) as process:
        yield process


def _sign_in(demo: DemoProcess, provider: str, subject: str) -> requests.Session:
    """Go through /auth/<provider>/login, the picker and the callback, as a browser would."""
    browser = requests.Session()
    picker = browser.get(f"{demo.base_url}/auth/{provider}/login", timeout=10)
    assert picker.url.startswith(f"{demo.base_url}/demo-idp/{provider}/authorize?")
    form = only_form(picker.text, picker.url)
    landed = browser.post(form.action, data={**form.hidden, "person": subject, "action": "sign-in"},
                          timeout=10)
    assert landed.status_code == 200
    assert landed.url == f"{demo.base_url}/"
    return browser


def test_hub_demo_prints_the_url_and_personas_and_keeps_to_its_instance(demo: DemoProcess,
                                                                        tmp_path: Path) -> None:
    output = demo.output()
    assert f"at {demo.base_url}/" in output
    for persona in PERSONAS:
        assert persona.name in output
    assert len(re.findall(r"Bearer hub_[A-Za-z0-9_-]+", output)) == len(PERSONAS)
    assert (tmp_path / "instance" / "keyring.json").exists()
    assert (tmp_path / "instance" / "hub.db").exists() == (DB_KIND == "sqlite")


def test_the_sign_in_page_lists_the_four_agencies_and_each_issuer_answers(demo: DemoProcess) -> None:
    page = requests.get(f"{demo.base_url}/sign-in", timeout=10)
    assert page.status_code == 200
    for provider in PROVIDERS:
        assert provider.title in page.text
        assert f'href="/auth/{provider.name}/login' in page.text
        issuer = f"{demo.base_url}/demo-idp/{provider.name}"
        meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        assert meta["issuer"] == issuer
        assert meta["code_challenge_methods_supported"] == ["S256"]


def test_a_printed_bearer_token_reads_the_personas_cases(demo: DemoProcess) -> None:
    token = re.search(r"Bearer (hub_[A-Za-z0-9_-]+)", demo.output())
    assert token is not None
    me = requests.get(f"{demo.base_url}/api/v1/me", timeout=10,
                      headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200
    assert me.json()["name"] == PERSONAS[0].name


def test_signing_in_through_the_demo_provider_lands_on_the_seeded_person_and_their_cases(
        demo: DemoProcess) -> None:
    idva = next(p for p in PERSONAS if p.agency == "IDVA-NS")
    browser = _sign_in(demo, "idva", idva.subject)
    dashboard = browser.get(f"{demo.base_url}/", timeout=10)
    assert f"Signed in as {idva.name}" in dashboard.text
    # The IDVA service is a member of the MARAC case only.
    kinds = set(re.findall(r"\b(MARAC|ADULT|MAPPA|CHILD)-\d{4}-\d{5}\b", dashboard.text))
    assert kinds == {"MARAC"}
    me = browser.get(f"{demo.base_url}/api/v1/me", timeout=10).json()
    assert me["email"] == idva.email
    assert me["agency"]["code"] == "IDVA-NS"


def test_a_port_already_in_use_is_a_clear_error_not_a_traceback(tmp_path: Path,
                                                                 fresh_database_url: str) -> None:
    url = fresh_database_url if DB_KIND == "postgresql" else None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([HUB, "demo", "--port", str(port)], cwd=tmp_path, capture_output=True,
                                text=True, env=demo_environment(tmp_path, url), timeout=120, check=False)
    assert result.returncode != 0
    assert f"Port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
