"""Bad input gets a clear 4xx problem naming what is wrong, and changes nothing (invariant 8)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.app import create_app
from hub.db import utcnow
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.conftest import Factory
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import Snapshot, difference

VALID_CASE = {"kind": "adult", "subject": {"name": "Casey Valid", "date_of_birth": "1980-01-02"},
              "agencies": []}


def case_with(**changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(VALID_CASE))
    subject = changes.pop("subject", {})
    if isinstance(subject, dict):
        body["subject"].update(subject)
    else:
        body["subject"] = subject
    body.update(changes)
    return body


@dataclass
class Setting:
    client: FlaskClient
    headers: dict[str, str]
    case_id: str
    member_code: str
    outsider_code: str


@pytest.fixture
def setting(client: FlaskClient, make: Factory) -> Setting:
    police, nhs, council = make.agency(), make.agency(), make.agency()
    officer = make.user(police)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    return Setting(client, make.headers(officer), str(case.id), nhs.code, council.code)


def assert_refused(response: Any, status: int, *error_keys: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["title"]
    if error_keys:
        assert set(error_keys) <= set(body.get("errors", {})), body
        for key in error_keys:
            assert body["errors"][key], f"no message for {key}"
    return body


def assert_unchanged(session: Session, before: Snapshot) -> None:
    """Validation refusals write nothing at all, not even an audit row."""
    assert_nothing_written(session, before, refusal_actions=())


FUTURE = (utcnow().date() + timedelta(days=2)).isoformat()

# (description, body sent as JSON, status, field keys that must be named in `errors`)
BAD_CASE_BODIES = [
    ("kind is a number", case_with(kind=5), 422, ["kind"]),
    ("kind is not a case kind", case_with(kind="burglary"), 422, ["kind"]),
    ("date of birth as a number", case_with(subject={"date_of_birth": 19800102}), 422,
     ["subject.date_of_birth"]),
    ("date of birth not a date", case_with(subject={"date_of_birth": "1980-02-30"}), 422,
     ["subject.date_of_birth"]),
    ("date of birth in the future", case_with(subject={"date_of_birth": FUTURE}), 422,
     ["subject.date_of_birth"]),
    ("date of birth 200 years ago", case_with(subject={"date_of_birth": "1826-01-01"}), 422,
     ["subject.date_of_birth"]),
    ("name is empty", case_with(subject={"name": ""}), 422, ["subject.name"]),
    ("name is only spaces", case_with(subject={"name": "   "}), 422, ["subject.name"]),
    ("name is a list", case_with(subject={"name": ["Casey"]}), 422, ["subject.name"]),
    ("name is huge", case_with(subject={"name": "x" * 100_000}), 422, ["subject.name"]),
    ("subject is a string", case_with(subject="Casey"), 422, ["subject"]),
    ("unknown top-level field", case_with(colour="red"), 422, ["colour"]),
    ("unknown subject field", case_with(subject={"nhs_number": "123"}), 422, ["subject.nhs_number"]),
    ("agencies is a string", case_with(agencies="POL-NS"), 422, ["agencies"]),
    ("agency code is a number", case_with(agencies=[7]), 422, ["agencies.0"]),
    ("agency code is lower case", case_with(agencies=["pol-ns"]), 422, ["agencies.0"]),
    ("agency code is huge", case_with(agencies=["A" * 5000]), 422, ["agencies.0"]),
    ("too many agencies", case_with(agencies=[f"AG-{n}" for n in range(5000)]), 422, ["agencies"]),
    ("unknown agency code", case_with(agencies=["NOPE-XX"]), 422, ["agencies"]),
    ("fields missing", {}, 422, ["kind", "subject"]),
    ("body is a list", [VALID_CASE], 422, ["body"]),
    ("body is null", None, 422, ["body"]),
    ("body is a number", 42, 422, ["body"]),
]


@pytest.mark.parametrize(("body", "status", "keys"),
                         [pytest.param(b, s, k, id=d) for d, b, s, k in BAD_CASE_BODIES])
def test_bad_case_bodies_are_refused_by_field_and_write_nothing(setting, session, body, status, keys):
    before = take_snapshot(session)
    response = setting.client.post("/api/v1/cases", headers=setting.headers,
                                   data=json.dumps(body), content_type="application/json")
    assert_refused(response, status, *keys)
    assert_unchanged(session, before)


def test_unknown_field_message_says_so(setting):
    response = setting.client.post("/api/v1/cases", headers=setting.headers,
                                   json=case_with(colour="red"))
    assert response.json["errors"]["colour"] == "Unknown field"


def test_the_valid_body_used_above_is_accepted(setting, session):
    """Guards the table above: each refusal is caused by its one change, not by a broken base."""
    before = take_snapshot(session)
    response = setting.client.post("/api/v1/cases", headers=setting.headers, json=VALID_CASE)
    assert response.status_code == 201, response.json
    written = difference(before, take_snapshot(session))
    assert len(written.added["cases"]) == 1
    assert "case.create" in [e["action"] for e in written.added["audit_events"]]


RAW_BODIES = [
    ("truncated JSON", b'{"kind": "adult", "subject": {', "application/json", 400),
    ("not JSON at all", b"kind=adult", "application/json", 400),
    ("empty body", b"", "application/json", 400),
    ("JSON with a comment", b'{"kind": "adult" /* x */}', "application/json", 400),
    ("lone surrogate escape", b'{"kind": "adult", "subject": {"name": "\\ud800", '
     b'"date_of_birth": "1980-01-02"}}', "application/json", 400),
    ("invalid UTF-8", b'{"kind": "\xff\xfe"}', "application/json", 400),
    ("nesting 100,000 deep", b"[" * 100_000, "application/json", 400),
    ("NaN", b'{"kind": NaN}', "application/json", 422),
    ("valid JSON as text/plain", json.dumps(VALID_CASE).encode(), "text/plain", 415),
    ("valid JSON as a form", json.dumps(VALID_CASE).encode(), "application/x-www-form-urlencoded",
     415),
    ("valid JSON without a content type", json.dumps(VALID_CASE).encode(), None, 415),
]


@pytest.mark.parametrize(("raw", "content_type", "status"),
                         [pytest.param(r, c, s, id=d) for d, r, c, s in RAW_BODIES])
def test_malformed_or_non_json_bodies_are_refused_and_write_nothing(setting, session, raw,
                                                                   content_type, status):
    before = take_snapshot(session)
    headers = dict(setting.headers)
    if content_type:
        headers["Content-Type"] = content_type
    response = setting.client.post("/api/v1/cases", headers=headers, data=raw)
    assert_refused(response, status)
    assert_unchanged(session, before)


def test_body_over_the_default_limit_is_413_problem(setting, session):
    before = take_snapshot(session)
    huge = case_with(subject={"name": "x" * 1_100_000})
    response = setting.client.post("/api/v1/cases", headers=setting.headers, json=huge)
    body = assert_refused(response, 413)
    assert "larger" in body["detail"]
    assert_unchanged(session, before)


def test_body_over_a_configured_limit_is_413_even_when_otherwise_valid(settings, database, keyring,
                                                                       make, session):
    app = create_app(replace(settings, max_body_bytes=64), database=database, keyring=keyring)
    client = app.test_client()
    officer = make.user(make.agency())
    headers = make.headers(officer)
    before = take_snapshot(session)
    response = client.post("/api/v1/cases", headers=headers, json=VALID_CASE)
    assert_refused(response, 413)
    assert_unchanged(session, before)
    small = client.post("/api/v1/cases/00000000-0000-4000-8000-000000000000/members",
                        headers=headers, json={"agency": "AB"})
    assert small.status_code == 404  # under the limit, the request goes on to the access check


MEMBER_BODIES = [
    ("unknown agency", {"agency": "NOPE-XX"}, 422, ["agency"]),
    ("agency is a number", {"agency": 12}, 422, ["agency"]),
    ("agency is missing", {}, 422, ["agency"]),
    ("unknown field", {"agency": "NOPE-XX", "role": "lead"}, 422, ["role"]),
    ("agency code with a NUL byte", {"agency": "AB\u0000C"}, 422, ["agency"]),
]


@pytest.mark.parametrize(("body", "status", "keys"),
                         [pytest.param(b, s, k, id=d) for d, b, s, k in MEMBER_BODIES])
def test_bad_member_bodies_are_refused_and_write_nothing(setting, session, body, status, keys):
    before = take_snapshot(session)
    response = setting.client.post(f"/api/v1/cases/{setting.case_id}/members",
                                   headers=setting.headers, json=body)
    assert_refused(response, status, *keys)
    assert_unchanged(session, before)


def test_adding_a_current_member_again_is_a_conflict_and_writes_nothing(setting, session):
    before = take_snapshot(session)
    response = setting.client.post(f"/api/v1/cases/{setting.case_id}/members",
                                   headers=setting.headers, json={"agency": setting.member_code})
    assert_refused(response, 409)
    assert_unchanged(session, before)


@pytest.mark.parametrize("code", ["NOPE-XX", "AB%00C", "x" * 3000, "%F0%9F%92%A5", "ab cd"])
def test_removing_an_unknown_agency_is_refused_and_writes_nothing(setting, session, code):
    before = take_snapshot(session)
    response = setting.client.delete(f"/api/v1/cases/{setting.case_id}/members/{code}",
                                     headers=setting.headers)
    assert_refused(response, 422, "agency")
    assert_unchanged(session, before)


def test_removing_an_agency_that_is_not_a_member_is_refused(setting, session):
    before = take_snapshot(session)
    response = setting.client.delete(f"/api/v1/cases/{setting.case_id}/members/{setting.outsider_code}",
                                     headers=setting.headers)
    assert_refused(response, 422, "agency")
    assert_unchanged(session, before)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/cases/not-a-uuid"),
    ("GET", "/api/v1/cases/12345"),
    ("GET", "/api/v1/cases/00000000-0000-0000-0000-00000000000g"),
    ("GET", "/api/v1/cases/%00"),
    ("POST", "/api/v1/cases/not-a-uuid/members"),
    ("DELETE", "/api/v1/cases/not-a-uuid/members/AB"),
    ("GET", "/api/v1/no-such-thing"),
])
def test_bad_ids_in_paths_are_404_problems(setting, session, method, path):
    before = take_snapshot(session)
    response = setting.client.open(path, method=method, headers=setting.headers,
                                   json={"agency": setting.outsider_code})
    assert_refused(response, 404)
    assert_unchanged(session, before)


@pytest.mark.parametrize(("path", "query", "keys"), [
    ("/api/v1/cases", "limit=0", ["limit"]),
    ("/api/v1/cases", "limit=201", ["limit"]),
    ("/api/v1/cases", "limit=ten", ["limit"]),
    ("/api/v1/cases", "limit=" + "9" * 40, ["limit"]),
    ("/api/v1/cases", "offset=-1", ["offset"]),
    ("/api/v1/cases", "offset=" + "9" * 40, ["offset"]),
    ("/api/v1/cases", "limit=1&limit=2", ["limit"]),
    ("/api/v1/cases", "sort=name", ["sort"]),
    ("/api/v1/audit", "", ["case"]),
    ("/api/v1/audit", "case=not-a-uuid", ["case"]),
    ("/api/v1/audit", "case=%00", ["case"]),
])
def test_bad_query_parameters_are_422_by_name(client, make, session, path, query, keys):
    lead = make.user(make.agency(), "lead")
    headers = make.headers(lead)
    before = take_snapshot(session)
    response = client.get(f"{path}?{query}", headers=headers)
    assert_refused(response, 422, *keys)
    assert_unchanged(session, before)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", "/api/v1/cases", {"GET", "POST"}),
    ("PATCH", "/api/v1/cases/{case}", {"GET"}),
    ("DELETE", "/api/v1/cases/{case}", {"GET"}),
    ("GET", "/api/v1/cases/{case}/members", {"POST"}),
    ("POST", "/api/v1/me", {"GET"}),
    ("DELETE", "/api/v1/openapi.json", {"GET"}),
])
def test_wrong_methods_are_405_problems_with_allow(setting, session, method, path, allowed):
    before = take_snapshot(session)
    response = setting.client.open(path.format(case=setting.case_id), method=method,
                                   headers=setting.headers, json=VALID_CASE)
    assert_refused(response, 405)
    assert allowed <= set(response.headers["Allow"].replace(" ", "").split(","))
    assert_unchanged(session, before)


def test_valid_date_of_birth_today_is_accepted_but_tomorrow_is_not(setting):
    today = utcnow().date()
    ok = setting.client.post("/api/v1/cases", headers=setting.headers,
                             json=case_with(subject={"date_of_birth": today.isoformat()}))
    assert ok.status_code == 201
    tomorrow = (today + timedelta(days=1)).isoformat()
    refused = setting.client.post("/api/v1/cases", headers=setting.headers,
                                  json=case_with(subject={"date_of_birth": tomorrow}))
    assert_refused(refused, 422, "subject.date_of_birth")
