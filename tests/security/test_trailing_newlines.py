"""Every validating pattern matches the whole value: a trailing newline never slips through `$`
(header injection once mail is sent; a 500 from a `next` path)."""

from __future__ import annotations

import pytest

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.config import ConfigError, _providers
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.signin.rules import safe_next_path

ENDINGS = ["\n", "\r\n"]


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_next_path_with_a_trailing_newline_falls_back_to_the_dashboard(ending):
    assert safe_next_path("/cases") == "/cases"
    assert safe_next_path("/cases" + ending) is None


@pytest.mark.parametrize("ending", ENDINGS)
def test_an_agency_code_with_a_trailing_newline_is_refused(session, ending):
    with pytest.raises(ValidationFailed) as refused:
        agency_services.add_agency(session, Actor.system(), code="POL-NL" + ending, name="Police",
                                   kind="police", now=utcnow())
    assert "code" in refused.value.errors


@pytest.mark.parametrize("ending", ENDINGS)
def test_an_email_with_a_trailing_newline_is_refused(session, make, ending):
    agency = make.agency()
    with pytest.raises(ValidationFailed) as refused:
        agency_services.add_user(session, Actor.system(), agency_code=agency.code,
                                 email="someone@police.example" + ending, name="Someone",
                                 roles=["practitioner"], now=utcnow())
    assert "email" in refused.value.errors


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_provider_name_with_a_trailing_newline_is_refused(ending):
    table = {"name": "police" + ending, "title": "Police", "issuer": "https://idp.police.example",
             "client_id": "hub", "client_secret_env": "X", "agencies": ["POL-NS"]}
    with pytest.raises(ConfigError, match="slug"):
        _providers([table])


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_request_id_with_a_trailing_newline_is_replaced(client, ending):
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": "abcdefgh12" + ending})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "abcdefgh12"
    kept = client.get("/healthz", headers={"X-Request-ID": "abcdefgh12"})
    assert kept.headers["X-Request-ID"] == "abcdefgh12"


@pytest.mark.parametrize("ending", ENDINGS)
def test_the_sign_in_callback_with_a_newline_in_next_never_answers_500(client, ending):
    response = client.get("/sign-in", query_string={"next": "/cases" + ending})
    assert response.status_code == 200
    assert "/cases\n" not in response.get_data(as_text=True)
