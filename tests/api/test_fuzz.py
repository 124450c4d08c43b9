"""Property: whatever a member sends to any state-changing endpoint, the hub never answers 5xx,
every error is problem+json, and a refused request leaves every table exactly as it was.

The endpoints come from the OpenAPI registry, so endpoints added later are fuzzed without
touching this file. Bodies are arbitrary JSON, JSON shaped like the endpoint's own schema
(to get past the first checks and reach the services), and arbitrary bytes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hub.api.endpoints import EndpointSpec
from hub.app import create_app  # noqa: F401  (importing the app registers every endpoint)
from tests.api.helpers import assert_only_refusals_recorded, row_counts
from tests.conftest import Factory
from tests.support.endpoints import all_endpoints

UNSAFE = [spec for spec in all_endpoints() if spec.method in ("POST", "PATCH", "PUT", "DELETE")]
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

NASTY_TEXT = st.sampled_from(["", " ", "\u0000", "\ud800", "A" * 300, "x" * 20_000, "'; DROP TABLE cases;--",
                              "\u202e", "0", "-1", "null", "1980-02-30", "9999-12-31", "0001-01-01",
                              "日本語", "POL-NS\n"])
TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63),
                    st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _from_schema(schema: dict[str, Any], defs: dict[str, Any], codes: list[str],
                 depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like a JSON Schema, mixed at every level with arbitrary JSON."""
    if depth > 6:
        return JSON_VALUES
    if "$ref" in schema:
        return _from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, codes, depth + 1)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return st.one_of([_from_schema(s, defs, codes, depth + 1) for s in schema[combinator]])
    shaped: st.SearchStrategy[Any]
    if "enum" in schema:
        shaped = st.sampled_from(schema["enum"])
    elif "const" in schema:
        shaped = st.just(schema["const"])
    else:
        kind = schema.get("type")
        if kind == "object":
            props = {name: _from_schema(sub, defs, codes, depth + 1)
                     for name, sub in schema.get("properties", {}).items()}
            required = set(schema.get("required", []))
            shaped = st.fixed_dictionaries(
                {k: v for k, v in props.items() if k in required},
                optional={k: v for k, v in props.items() if k not in required},
            )
        elif kind == "array":
            shaped = st.lists(_from_schema(schema.get("items", {}), defs, codes, depth + 1), max_size=5)
        elif kind == "string":
            shaped = _string(schema, codes)
        elif kind == "integer":
            shaped = st.integers(min_value=-(2**40), max_value=2**40)
        elif kind == "number":
            shaped = st.floats(allow_nan=False, allow_infinity=False)
        elif kind == "boolean":
            shaped = st.booleans()
        else:
            return JSON_VALUES
    return st.one_of(shaped, shaped, JSON_VALUES)


def _string(schema: dict[str, Any], codes: list[str]) -> st.SearchStrategy[str]:
    fmt = schema.get("format")
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat())
    if fmt == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
    if fmt == "uuid":
        return st.uuids().map(str)
    if "pattern" in schema:
        # Real agency codes get requests past validation and into the services.
        return st.one_of(st.sampled_from(codes), st.from_regex(schema["pattern"], fullmatch=True), TEXT)
    return TEXT


def body_strategy(spec: EndpointSpec, codes: list[str]) -> st.SearchStrategy[Any]:
    if spec.body is None:
        return JSON_VALUES
    schema = spec.body.model_json_schema()
    return _from_schema(schema, schema.get("$defs", {}), codes)


def path_strategy(spec: EndpointSpec, values: dict[str, str]) -> st.SearchStrategy[str]:
    """The rule with each <param> filled by a real value, a random one, or junk."""
    parts: list[st.SearchStrategy[str]] = []
    position = 0
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", spec.rule):
        parts.append(st.just(spec.rule[position:match.start()]))
        converter, name = match.groups()
        choices: list[st.SearchStrategy[str]] = []
        if name in values:
            choices.append(st.just(values[name]))
        choices.append(st.uuids().map(str) if converter == "uuid"
                       else st.text(min_size=1, max_size=40).map(_quote))
        parts.append(st.one_of(*choices))
        position = match.end()
    parts.append(st.just(spec.rule[position:]))
    return st.tuples(*parts).map("".join)


def _quote(segment: str) -> str:
    return quote(segment, safe="", errors="surrogatepass")


@pytest.fixture
def member(client: FlaskClient, make: Factory) -> dict[str, Any]:
    """A practitioner of the lead agency of a case with two other members, and spare agencies."""
    lead, nhs, council, spare = make.agency(), make.agency(), make.agency(), make.agency()
    officer = make.user(lead)
    case = make.case(officer, members=(nhs, council))
    return {
        "headers": make.headers(officer),
        "values": {"case_id": str(case.id), "code": council.code},
        "codes": [lead.code, nhs.code, council.code, spare.code],
    }


def check(response: Any, session: Session, before: dict[str, int], what: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{what} -> {response.status_code}: {text[:500]}"
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", f"{what} -> {response.mimetype}"
        assert json.loads(text)["status"] == response.status_code
        assert_only_refusals_recorded(session, before)


def test_every_state_changing_endpoint_is_fuzzed():
    assert {(s.method, s.rule) for s in UNSAFE} >= {
        ("POST", "/api/v1/cases"), ("POST", "/api/v1/cases/<uuid:case_id>/members"),
        ("DELETE", "/api/v1/cases/<uuid:case_id>/members/<code>"),
    }


@pytest.mark.parametrize("spec", UNSAFE, ids=lambda s: f"{s.method} {s.rule}")
@FUZZ
@given(data=st.data())
def test_arbitrary_json_never_breaks_an_endpoint(spec: EndpointSpec, data: st.DataObject,
                                                client: FlaskClient, session: Session,
                                                member: dict[str, Any]) -> None:
    path = data.draw(path_strategy(spec, member["values"]), label="path")
    body = data.draw(body_strategy(spec, member["codes"]), label="body")
    before = row_counts(session)
    response = client.open(path, method=spec.method, headers=member["headers"],
                           data=json.dumps(body), content_type="application/json")
    check(response, session, before, f"{spec.method} {path} {json.dumps(body)[:300]}")


@pytest.mark.parametrize("spec", UNSAFE, ids=lambda s: f"{s.method} {s.rule}")
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes_never_break_an_endpoint(spec: EndpointSpec, data: st.DataObject,
                                                client: FlaskClient, session: Session,
                                                member: dict[str, Any]) -> None:
    path = data.draw(path_strategy(spec, member["values"]), label="path")
    raw = data.draw(st.binary(max_size=2000), label="raw")
    content_type = data.draw(st.sampled_from([
        "application/json", "application/json; charset=utf-16", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
    ]), label="content type")
    before = row_counts(session)
    headers = dict(member["headers"])
    if content_type:
        headers["Content-Type"] = content_type
    response = client.open(path, method=spec.method, headers=headers, data=raw)
    check(response, session, before, f"{spec.method} {path} {content_type} {raw[:200]!r}")


@pytest.mark.parametrize("spec", [s for s in UNSAFE if s.body is not None],
                         ids=lambda s: f"{s.method} {s.rule}")
def test_schema_shaped_bodies_can_pass_validation(spec: EndpointSpec):
    """Guards the strategies: they can produce valid bodies, so the fuzz reaches the services."""
    model = spec.body
    assert model is not None

    def valid(body: Any) -> bool:
        try:
            model.model_validate_json(json.dumps(body))
        except ValidationError:
            return False
        return True

    found = find(body_strategy(spec, ["AB-01", "CD-02"]), valid,
                 settings=settings(max_examples=5000, database=None, suppress_health_check=list(HealthCheck)))
    assert valid(found)


READS = [spec for spec in all_endpoints() if spec.method == "GET"]


def query_strategy(spec: EndpointSpec, case_id: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query strings using the endpoint's own parameter names (and others), with odd values."""
    names = list(spec.query.model_fields) if spec.query is not None else []
    name = st.one_of(st.sampled_from(names), st.text(max_size=10)) if names else st.text(max_size=10)
    value = st.one_of(st.just(case_id), st.integers().map(str), st.integers(min_value=2**63).map(str),
                      st.uuids().map(str), TEXT)
    return st.lists(st.tuples(name, value), max_size=4)


@pytest.mark.parametrize("spec", READS, ids=lambda s: f"{s.method} {s.rule}")
@FUZZ
@given(data=st.data())
def test_arbitrary_query_strings_never_break_a_read(spec: EndpointSpec, data: st.DataObject,
                                                  client: FlaskClient, session: Session,
                                                  member: dict[str, Any]) -> None:
    path = data.draw(path_strategy(spec, member["values"]), label="path")
    query = data.draw(query_strategy(spec, member["values"]["case_id"]), label="query")
    before = row_counts(session)
    # Encoded by hand: lone surrogates become bytes that are not UTF-8, as a hostile client may send.
    response = client.get(f"{path}?{urlencode(query, errors='surrogatepass')}", headers=member["headers"])
    check(response, session, before, f"GET {path} {query!r}")
