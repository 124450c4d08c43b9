"""Bearer tokens that no longer vouch for anyone, paging through cases, and no N+1 queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import ApiToken, User
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory


def assert_unauthorised(response, *, token_sent: bool = True) -> None:
    """401 problem with an RFC 6750 challenge, naming an invalid token only when one was sent."""
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="hub"')
    assert ('error="invalid_token"' in challenge) is token_sent


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer hub_not-a-real-token",
    "Bearer " + "x" * 10_000, "Token hub_abc",
])
def test_missing_or_garbage_credentials_are_401_with_a_challenge(client, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_unauthorised(client.get("/api/v1/me", headers=headers), token_sent=header is not None)


def test_a_valid_token_works_until_it_expires(client, make, session):
    officer = make.user(make.agency())
    headers = make.headers(officer)
    assert client.get("/api/v1/me", headers=headers).json["id"] == str(officer.id)
    session.execute(update(ApiToken).where(ApiToken.user_id == officer.id)
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert_unauthorised(client.get("/api/v1/me", headers=headers))


def test_a_revoked_token_is_refused_at_once(client, make, session):
    officer = make.user(make.agency())
    headers = make.headers(officer)
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == officer.id))
    agency_services.revoke_token(session, Actor.system(), token_id, now=utcnow())
    session.commit()
    assert_unauthorised(client.get("/api/v1/cases", headers=headers))
    assert_unauthorised(client.post("/api/v1/cases", headers=headers, json={}))


def test_a_deactivated_persons_token_is_refused(client, make, session):
    officer = make.user(make.agency())
    headers = make.headers(officer)
    case = make.case(officer)
    assert client.get(f"/api/v1/cases/{case.id}", headers=headers).status_code == 200
    session.execute(update(User).where(User.id == officer.id)
                    .values(active=False, deactivated_at=utcnow()))
    session.commit()
    response = client.get(f"/api/v1/cases/{case.id}", headers=headers)
    assert_unauthorised(response)
    assert "Alex" not in response.get_data(as_text=True)


def test_the_reason_a_token_is_refused_is_not_disclosed(client, make, session):
    """Expired, revoked and unknown tokens get the very same answer, so tokens cannot be probed."""
    officer = make.user(make.agency())
    revoked, expired = make.headers(officer), make.headers(officer)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == officer.id)
                             .order_by(ApiToken.id)).all()
    tokens[0].revoked_at = utcnow()
    tokens[1].expires_at = utcnow() - timedelta(days=1)
    session.commit()
    answers = [client.get("/api/v1/me", headers=h) for h in
               (revoked, expired, {"Authorization": "Bearer hub_unknown"})]
    bodies = [{k: v for k, v in a.json.items() if k != "request_id"} for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert len({a.headers["WWW-Authenticate"] for a in answers}) == 1


def test_the_problem_for_401_carries_the_request_id(client):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "trace-12345678"})
    assert response.json["request_id"] == "trace-12345678"
    assert response.headers["X-Request-ID"] == "trace-12345678"


def test_cases_are_paged_newest_first(client, make):
    agency = make.agency()
    officer = make.user(agency)
    refs = [make.case(officer, name=f"Person {n}").ref for n in range(5)]
    headers = make.headers(officer)
    first = client.get("/api/v1/cases?limit=2", headers=headers).json
    assert [c["ref"] for c in first["cases"]] == refs[::-1][:2]
    assert (first["limit"], first["offset"], first["next_offset"]) == (2, 0, 2)
    second = client.get("/api/v1/cases?limit=2&offset=2", headers=headers).json
    assert [c["ref"] for c in second["cases"]] == refs[::-1][2:4]
    last = client.get("/api/v1/cases?limit=2&offset=4", headers=headers).json
    assert [c["ref"] for c in last["cases"]] == refs[:1]
    assert last["next_offset"] is None
    beyond = client.get("/api/v1/cases?offset=50", headers=headers).json
    assert beyond["cases"] == []
    default = client.get("/api/v1/cases", headers=headers).json
    assert default["limit"] == 50
    assert len(default["cases"]) == 5


@contextmanager
def counting_statements(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements_to_list(client, engine, headers) -> tuple[int, int]:
    with counting_statements(engine) as statements:
        response = client.get("/api/v1/cases?limit=200", headers=headers)
    assert response.status_code == 200
    return len(statements), len(response.json["cases"])


def test_listing_cases_does_not_query_per_case(client, make, engine):
    """1 case or 20 cases, each with several member agencies: the same number of SQL statements."""
    partners = [make.agency() for _ in range(3)]
    one_agency, many_agency = make.agency(), make.agency()
    one_officer, many_officer = make.user(one_agency), make.user(many_agency)
    ConsentFactory(make).agreement(one_agency, many_agency, *partners)
    make.case(one_officer, members=tuple(partners))
    for n in range(20):
        make.case(many_officer, members=tuple(partners), name=f"Person {n}")
    one_headers, many_headers = make.headers(one_officer), make.headers(many_officer)
    _statements_to_list(client, engine, one_headers)  # warm caches shared by both

    few, listed_few = _statements_to_list(client, engine, one_headers)
    many, listed_many = _statements_to_list(client, engine, many_headers)
    assert (listed_few, listed_many) == (1, 20)
    assert many == few, f"1 case took {few} statements, 20 cases took {many}"
