"""The published contract holds: schemathesis reads the app's own /api/v1/openapi.json and, as
every role, sends each operation data that fits the document and data that does not.

For every answer: no 5xx; its status code is one the document lists for that operation; its
content type and body match the document's schema; its documented headers are there. Where this
fails because the document is wrong, the document generation (hub.api.openapi) is fixed, never
the check. Each example runs in a savepoint of its own, rolled back after it, and is bounded
(MAX_EXAMPLES per operation, role and mode) so the whole file costs about a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.agencies.models import Role
from hub.app import create_app
from hub.config import Policy, Settings
from hub.crypto.keyring import Keyring
from hub.security import CSRF_HEADER
from hub.sessions.cookies import SESSION_COOKIE
from tests.conftest import Factory, rolled_back
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory

DOCUMENT = "/api/v1/openapi.json"
MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


def _served_document_app() -> Flask:
    """The app as it starts, to read its document when the tests are collected (no database)."""
    settings_ = Settings(database_url="sqlite://", secret_key="inspection-only", keyring_path=None,
                         base_url="http://127.0.0.1:5000", policy=Policy())
    return create_app(settings_, keyring=Keyring.generate())


SCHEMA = schemathesis.openapi.from_wsgi(DOCUMENT, _served_document_app())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
LABELS = [operation.label for operation in OPERATIONS]


@pytest.fixture
def world(client: FlaskClient, make: Factory, session: Session) -> dict[str, Any]:
    """A case led by the callers' agency with one other member, and one caller of each role, each
    with a bearer token and a signed-in browser session (and its CSRF token)."""
    lead, member, spare = make.agency(), make.agency(), make.agency()
    ConsentFactory(make).agreement(lead, member, spare)
    case = make.case(make.user(lead), members=(member,))
    callers = {}
    for role in Role:
        person = make.user(lead, role)
        bearer = make.token(person)
        browser = sign_in(client, session, person)
        callers[role] = {"bearer": bearer, "session": browser.token,
                         "csrf": client.get("/api/v1/me").headers[CSRF_HEADER]}
    client.delete_cookie(SESSION_COOKIE)
    session.commit()
    return {"callers": callers,
            "path": {"case_id": str(case.id), "code": member.code},
            "codes": [lead.code, member.code, spare.code]}


def test_the_document_checked_is_the_one_the_app_serves(client: FlaskClient):
    assert client.get(DOCUMENT).json == SCHEMA.raw_schema
    assert {("post", "/api/v1/cases"), ("delete", "/api/v1/cases/{case_id}/members/{code}")} <= {
        (o.method, o.path) for o in OPERATIONS}


PARAMS = [pytest.param(operation, role, mode, id=f"{operation.label} | {role} | {mode}")
          for operation in OPERATIONS for role in Role
          for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]


@pytest.mark.parametrize(("operation", "role", "mode"), PARAMS)
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_answer_matches_the_published_document(operation: Any, role: Role, mode: GenerationMode,
                                                     data: st.DataObject, app: Flask, client: FlaskClient,
                                                     session: Session, db_connection: Connection,
                                                     world: dict[str, Any]) -> None:
    case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
    # Real ids and codes too, so that requests reach the services and not only the 404s.
    for name in list(case.path_parameters or {}):
        if name in world["path"] and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = world["path"][name]
    if isinstance(case.body, dict) and "agency" in case.body and data.draw(st.booleans(), label="real code"):
        case.body["agency"] = data.draw(st.sampled_from(world["codes"]), label="agency")
    caller = world["callers"][role]
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if data.draw(st.sampled_from(["bearer", "session"]), label="credential") == "bearer":
        headers["Authorization"] = f"Bearer {caller['bearer']}"
    else:
        cookies[SESSION_COOKIE] = caller["session"]
        headers[CSRF_HEADER] = caller["csrf"]
    with rolled_back(db_connection, session):
        response = case.call(app=app, headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": app})


# Hypothesis's pytest plugin gives each case of a parametrised test new settings whose parent is
# the settings the last case left on the function, so the chain grows by one a case; past some
# nine hundred cases, reading a setting through it exceeds Python's recursion limit. Each case
# starts again from the settings the decorator gave.
_DECLARED_SETTINGS = test_every_answer_matches_the_published_document._hypothesis_internal_use_settings  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _settings_start_from_the_declared_ones() -> None:
    test_every_answer_matches_the_published_document._hypothesis_internal_use_settings = (  # type: ignore[attr-defined]
        _DECLARED_SETTINGS)
