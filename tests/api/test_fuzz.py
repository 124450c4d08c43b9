"""Property: whatever any signed-in person sends to any endpoint, the hub never answers 5xx,
every API error is problem+json, and a refused request leaves every row of every table as it was.

The endpoints come from the OpenAPI registry, so endpoints added later are fuzzed without
touching this file. Bodies are arbitrary JSON, JSON shaped like the endpoint's own schema
(to get past the first checks and reach the services), and arbitrary bytes. Each test runs as
every role (hub.agencies.models.Role), each example with a bearer token or a browser session
(with the CSRF token, a wrong one or none). The provider-facing back-channel logout endpoint
gets hostile form bodies, signed and unsigned.

Each hypothesis example runs in a savepoint of its own, rolled back after it: every example
starts from the same data, so earlier examples cannot change later ones and a failure replays.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.agencies.models import Role
from hub.api.endpoints import EndpointSpec
from hub.app import create_app  # noqa: F401  (importing the app registers every endpoint)
from hub.config import ProviderConfig, Settings
from hub.security import CSRF_HEADER
from hub.sessions.cookies import SESSION_COOKIE
from hub.signin.rules import BACKCHANNEL_LOGOUT_EVENT
from tests.api.helpers import Snapshot, assert_nothing_written, take_snapshot
from tests.conftest import Factory, rolled_back
from tests.sessions.support import sign_in
from tests.support.endpoints import all_endpoints
from tests.support.factories.consent import ConsentFactory
from tests.support.idp import HandRolledProvider, b64url, unsigned_token
from tests.support.snapshot import ATTEMPT_COUNTERS

UNSAFE = [spec for spec in all_endpoints() if spec.method in ("POST", "PATCH", "PUT", "DELETE")]
READS = [spec for spec in all_endpoints() if spec.method == "GET"]
ROLES = tuple(Role)
# Per role: every endpoint gets len(ROLES) times this many examples.
FUZZ = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# Long strings are made by .map, so that the strategies' reprs (shown when a draw fails) stay short.
LONG_TEXT = st.sampled_from([("A", 300), ("x", 20_000)]).map(lambda cn: cn[0] * cn[1])
NASTY_TEXT = st.sampled_from(["", " ", "\u0000", "\ud800", "'; DROP TABLE cases;--", "\u202e", "0", "-1",
                              "null", "1980-02-30", "9999-12-31", "0001-01-01", "日本語", "POL-NS\n"])
NASTY_TEXT = NASTY_TEXT | LONG_TEXT


def json_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63),
                        st.floats(allow_nan=False, allow_infinity=False), text)
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12,
    )


TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)
JSON_VALUES = json_values(TEXT)
# What a signed token can carry: JSON encoded as UTF-8, so no lone surrogates.
CLAIM_TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT.filter(lambda t: t != "\ud800"))
CLAIM_VALUES = json_values(CLAIM_TEXT)


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


# --- who calls: every role, with a bearer token or a browser session -----------------------------

@dataclass(frozen=True)
class Caller:
    bearer: str
    session_token: str
    csrf: str


@dataclass(frozen=True)
class World:
    """A case led by ``lead`` with two other member agencies, a spare agency, and one person of
    each role in the lead agency, each with a token and a signed-in browser session."""

    values: dict[str, str]
    codes: list[str]
    callers: dict[Role, Caller]


CREDENTIALS = st.sampled_from(["bearer", "session"])
# Mostly the right token, so that requests reach the endpoint; sometimes none or another one.
CSRF_CHOICES = st.sampled_from(["right", "right", "right", "missing", "wrong"])


@pytest.fixture
def world(client: FlaskClient, make: Factory, session: Session) -> World:
    lead, nhs, council, spare = (make.agency() for _ in range(4))
    officer = make.user(lead)
    ConsentFactory(make).agreement(lead, nhs, council, spare)
    case = make.case(officer, members=(nhs, council))
    callers = {}
    for role in ROLES:
        person = make.user(lead, role)
        bearer = make.token(person)
        browser = sign_in(client, session, person)
        csrf = client.get("/api/v1/me").headers[CSRF_HEADER]
        callers[role] = Caller(bearer, browser.token, csrf)
    client.delete_cookie(SESSION_COOKIE)
    session.commit()
    return World({"case_id": str(case.id), "code": council.code},
                 [lead.code, nhs.code, council.code, spare.code], callers)


def credentials(client: FlaskClient, caller: Caller, data: st.DataObject, method: str) -> dict[str, str]:
    """Headers (and the test client's cookie) for one example, as drawn."""
    if data.draw(CREDENTIALS, label="credential") == "bearer":
        client.delete_cookie(SESSION_COOKIE)
        return {"Authorization": f"Bearer {caller.bearer}"}
    client.set_cookie(SESSION_COOKIE, caller.session_token)
    if method == "GET":
        return {}
    choice = data.draw(CSRF_CHOICES, label="csrf")
    if choice == "missing":
        return {}
    return {CSRF_HEADER: caller.csrf if choice == "right" else caller.csrf[::-1]}


def check(response: Any, session: Session, before: Snapshot, what: str, *, problems: bool = True,
          counters: frozenset[str] = frozenset()) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{what} -> {response.status_code}: {text[:500]}"
    if response.status_code >= 400:
        if problems:
            assert response.mimetype == "application/problem+json", f"{what} -> {response.mimetype}"
            assert json.loads(text)["status"] == response.status_code
        assert_nothing_written(session, before, counters=counters)


def test_every_state_changing_endpoint_is_fuzzed():
    assert {(s.method, s.rule) for s in UNSAFE} >= {
        ("POST", "/api/v1/cases"), ("POST", "/api/v1/cases/<uuid:case_id>/members"),
        ("DELETE", "/api/v1/cases/<uuid:case_id>/members/<code>"),
    }


def _params(specs: list[EndpointSpec]) -> list[Any]:
    return [pytest.param(spec, role, id=f"{spec.method} {spec.rule} | {role}")
            for spec in specs for role in ROLES]


@pytest.mark.parametrize(("spec", "role"), _params(UNSAFE))
@FUZZ
@given(data=st.data())
def test_arbitrary_json_never_breaks_an_endpoint(spec: EndpointSpec, role: Role, data: st.DataObject,
                                                client: FlaskClient, session: Session,
                                                db_connection: Connection, world: World) -> None:
    path = data.draw(path_strategy(spec, world.values), label="path")
    body = data.draw(body_strategy(spec, world.codes), label="body")
    with rolled_back(db_connection, session):
        headers = credentials(client, world.callers[role], data, spec.method)
        before = take_snapshot(session)
        response = client.open(path, method=spec.method, headers=headers,
                               data=json.dumps(body), content_type="application/json")
        check(response, session, before, f"{role} {spec.method} {path} {json.dumps(body)[:300]}")


@pytest.mark.parametrize(("spec", "role"), _params(UNSAFE))
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes_never_break_an_endpoint(spec: EndpointSpec, role: Role, data: st.DataObject,
                                                client: FlaskClient, session: Session,
                                                db_connection: Connection, world: World) -> None:
    path = data.draw(path_strategy(spec, world.values), label="path")
    raw = data.draw(st.binary(max_size=2000), label="raw")
    content_type = data.draw(st.sampled_from([
        "application/json", "application/json; charset=utf-16", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
    ]), label="content type")
    with rolled_back(db_connection, session):
        headers = credentials(client, world.callers[role], data, spec.method)
        if content_type:
            headers["Content-Type"] = content_type
        before = take_snapshot(session)
        response = client.open(path, method=spec.method, headers=headers, data=raw)
        check(response, session, before, f"{role} {spec.method} {path} {content_type} {raw[:200]!r}")


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


def query_strategy(spec: EndpointSpec, case_id: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query strings using the endpoint's own parameter names (and others), with odd values."""
    names = list(spec.query.model_fields) if spec.query is not None else []
    name = st.one_of(st.sampled_from(names), st.text(max_size=10)) if names else st.text(max_size=10)
    value = st.one_of(st.just(case_id), st.integers().map(str), st.integers(min_value=2**63).map(str),
                      st.uuids().map(str), TEXT)
    return st.lists(st.tuples(name, value), max_size=4)


@pytest.mark.parametrize(("spec", "role"), _params(READS))
@FUZZ
@given(data=st.data())
def test_arbitrary_query_strings_never_break_a_read(spec: EndpointSpec, role: Role, data: st.DataObject,
                                                  client: FlaskClient, session: Session,
                                                  db_connection: Connection, world: World) -> None:
    path = data.draw(path_strategy(spec, world.values), label="path")
    query = data.draw(query_strategy(spec, world.values["case_id"]), label="query")
    with rolled_back(db_connection, session):
        headers = credentials(client, world.callers[role], data, "GET")
        before = take_snapshot(session)
        # Encoded by hand: lone surrogates become bytes that are not UTF-8, as a hostile client may send.
        response = client.get(f"{path}?{urlencode(query, errors='surrogatepass')}", headers=headers)
        check(response, session, before, f"{role} GET {path} {query!r}")


def test_each_example_starts_from_the_same_data(client: FlaskClient, session: Session,
                                                db_connection: Connection, world: World) -> None:
    """What one example writes (here a real change: a member removed in place) is gone for the next."""
    caller = world.callers[Role.PRACTITIONER]
    path = f"/api/v1/cases/{world.values['case_id']}/members/{world.values['code']}"
    headers = {"Authorization": f"Bearer {caller.bearer}"}
    pristine = take_snapshot(session)
    for _ in range(2):
        with rolled_back(db_connection, session):
            assert client.delete(path, headers=headers).status_code == 200
    assert_nothing_written(session, pristine, refusal_actions=())


# --- the back-channel logout endpoint, which a provider calls without any session -----------------

PROVIDER_SECRET = "fuzz-client-secret-0123456789-abcdefghij"
PROVIDER_CLIENT = "hub"


@pytest.fixture(scope="module")
def provider() -> Iterator[HandRolledProvider]:
    """A provider on loopback with real keys, so that signed tokens reach the claim checks."""
    started = HandRolledProvider("127.0.0.1", PROVIDER_CLIENT, PROVIDER_SECRET).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def stray_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig", "alg": "RS256"})


@pytest.fixture(name="settings")
def settings_with_a_provider(settings: Settings, provider: HandRolledProvider,
                             monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HUB_TEST_FUZZ_SECRET", PROVIDER_SECRET)
    police = ProviderConfig(name="police", title="Northshire Police", issuer=provider.issuer,
                            client_id=PROVIDER_CLIENT, client_secret_env="HUB_TEST_FUZZ_SECRET",
                            agencies=("POL-FZ",))
    return replace(settings, providers=(police,))


LOGOUT_CLAIMS = ("iss", "aud", "iat", "exp", "jti", "events", "sub", "sid", "nonce")
REMOVE = object()


def logout_claims(provider: HandRolledProvider) -> st.SearchStrategy[dict[str, Any]]:
    """A valid logout token's claims with up to three of them removed, replaced by junk or by
    near misses, so that most tokens get past the signature and fail one claim check."""
    now = int(time.time())
    near_misses = st.sampled_from([
        ("iss", provider.issuer + "/"), ("aud", ["someone-else"]), ("aud", [PROVIDER_CLIENT, "x"]),
        ("iat", now + 3600), ("iat", now - 3600), ("exp", now - 3600), ("jti", ""), ("jti", "j" * 256),
        ("events", {BACKCHANNEL_LOGOUT_EVENT: "yes"}), ("events", {}), ("sub", ""), ("nonce", "n"),
        ("sid", 7), ("iat", "now"), ("iat", True),
    ])
    junk = st.tuples(st.sampled_from(LOGOUT_CLAIMS), st.just(REMOVE) | CLAIM_VALUES)
    changes = st.lists(near_misses | junk, max_size=3)

    def apply(base_and_changes: tuple[dict[str, Any], list[tuple[str, Any]]]) -> dict[str, Any]:
        claims, edits = base_and_changes
        for name, value in edits:
            if value is REMOVE:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    return st.tuples(st.builds(provider.logout_token_claims), changes).map(apply)


def logout_tokens(provider: HandRolledProvider, stray_key: RSAKey) -> st.SearchStrategy[str]:
    claims = logout_claims(provider)
    headers = st.just({"typ": "logout+jwt"}) | st.fixed_dictionaries(
        {}, optional={"typ": st.sampled_from(["logout+jwt", "JWT", "at+jwt"]),
                      "kid": st.sampled_from(["rsa-1", "ec-1", "nope"])})
    segment = st.binary(max_size=60).map(b64url)
    signed = st.tuples(claims, headers).map(lambda ch: provider.sign(ch[0], header=ch[1]))
    return st.one_of(
        signed, signed, signed,
        st.tuples(claims, headers).map(lambda ch: provider.sign(ch[0], key=provider.keys[1], alg="ES256",
                                                                header=ch[1])),
        claims.map(lambda c: provider.sign(c, key=stray_key)),  # the right kid, another key
        # HS256 keyed with the client secret: the algorithm-confusion attack.
        claims.map(lambda c: jwt.encode({"alg": "HS256"}, c, OctKey.import_key(PROVIDER_SECRET),
                                        algorithms=["HS256"])),
        claims.map(unsigned_token),
        st.lists(segment, min_size=1, max_size=5).map(".".join),
        TEXT,
    )


def form(fields: list[tuple[str, str]]) -> tuple[str, bytes]:
    # Encoded by hand, so that lone surrogates become bytes that are not UTF-8.
    return "application/x-www-form-urlencoded", urlencode(fields, errors="surrogatepass").encode()


def form_bodies(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(content type, body): mostly the form a provider sends; sometimes what a hostile sender might."""
    one_token = tokens.map(lambda t: form([("logout_token", t)]))
    field_name = st.sampled_from(["logout_token", "id_token_hint", "", "logout_token[]"])
    return st.one_of(
        one_token, one_token, one_token,
        st.lists(st.tuples(field_name, tokens | TEXT), max_size=3).map(form),
        st.tuples(st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x",
                                   "application/x-www-form-urlencoded; charset=utf-16", ""]),
                  st.binary(max_size=2000)),
        tokens.map(lambda t: ("application/json", json.dumps({"logout_token": t}).encode())),
    )


@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_hostile_back_channel_logout_bodies_are_refused_without_writing(
        data: st.DataObject, client: FlaskClient, session: Session, db_connection: Connection,
        provider: HandRolledProvider, stray_key: RSAKey) -> None:
    other_names = st.just("nobody") | st.text(min_size=1, max_size=20).map(_quote)
    configured = data.draw(st.integers(min_value=0, max_value=9), label="configured provider") > 0
    name = "police" if configured else data.draw(other_names, label="provider")
    content_type, body = data.draw(form_bodies(logout_tokens(provider, stray_key)), label="body")
    with rolled_back(db_connection, session):
        client.delete_cookie(SESSION_COOKIE)
        before = take_snapshot(session)
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post(f"/auth/{name}/backchannel-logout", data=body, headers=headers)
        check(response, session, before, f"POST /auth/{name}/backchannel-logout {content_type} {body!r:.300}",
              problems=False, counters=ATTEMPT_COUNTERS)
        if response.status_code >= 400 and response.mimetype == "application/json":
            assert set(response.json) == {"error", "error_description"}, response.json


def test_the_back_channel_fuzz_reaches_the_claim_checks(client: FlaskClient, session: Session,
                                                        provider: HandRolledProvider) -> None:
    """Guards the fuzz above: a well-formed token of this provider is accepted, so what the fuzz
    sees refused is refused for its token, not for the set-up."""
    claims = provider.logout_token_claims()
    response = client.post("/auth/police/backchannel-logout",
                           data={"logout_token": provider.sign(claims, header={"typ": "logout+jwt"})})
    assert response.status_code == 200, response.get_data(as_text=True)
