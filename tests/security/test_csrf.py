"""CSRF: unsafe requests made with the browser session need the session's token; bearer calls and
provider-to-hub calls do not. A refused request writes nothing."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from hub import context
from hub.access import Permission, requires
from hub.audit.models import AuditEvent
from hub.audit.services import record
from hub.cases.models import Case
from hub.security import CSRF_HEADER, csrf_exempt
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory

NEW_CASE = {"kind": "adult", "subject": {"name": "Pat Example", "date_of_birth": "1950-02-03"},
            "agencies": []}


@pytest.fixture
def app(app):
    """The real app plus a small HTML form handler that writes an audit row, and a provider-style
    endpoint marked exempt."""

    @requires(Permission.SIGNED_IN)
    def note() -> str:
        record(context.db(), context.actor(), "test.note", now=context.now())
        return "saved"

    @csrf_exempt
    @requires(Permission.PUBLIC)
    def from_provider() -> str:
        record(context.db(), context.actor(), "test.from_provider", now=context.now())
        return "accepted"

    @requires(Permission.SIGNED_IN)
    def form() -> str:
        return render_template_string(
            '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>')

    app.add_url_rule("/test/note", view_func=note, methods=["POST", "PUT", "PATCH", "DELETE"])
    app.add_url_rule("/test/form", view_func=form)
    app.add_url_rule("/test/from-provider", view_func=from_provider, methods=["POST"])
    return app


def count(session, model, *where) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def token_of(client) -> str:
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    return me.headers[CSRF_HEADER]


def test_an_api_post_with_the_session_but_without_the_token_is_refused_and_writes_nothing(
    client, make, session
):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    before = count(session, Case)
    response = client.post("/api/v1/cases", json=NEW_CASE)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert CSRF_HEADER in response.json["detail"]
    assert count(session, Case) == before
    refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.csrf_refused",
                                                       AuditEvent.user_id == officer.id)).all()
    assert len(refused) == 1


def test_the_same_post_with_the_token_header_is_accepted(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    response = client.post("/api/v1/cases", json=NEW_CASE, headers={CSRF_HEADER: token_of(client)})
    assert response.status_code == 201, response.json


def test_a_wrong_token_or_another_sessions_token_is_refused(client, app, make, session):
    officer = make.user(make.agency())
    other_browser = app.test_client()
    sign_in(other_browser, session, officer)
    foreign = token_of(other_browser)
    sign_in(client, session, officer)
    own = token_of(client)
    assert foreign != own
    before = count(session, Case)
    for bad in (foreign, own[:-1] + ("0" if own[-1] != "0" else "1"), "", "x" * 5000):
        response = client.post("/api/v1/cases", json=NEW_CASE, headers={CSRF_HEADER: bad})
        assert response.status_code == 403, bad
    assert count(session, Case) == before


def test_a_form_without_the_token_gets_a_clear_page_and_nothing_is_saved(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    response = client.post("/test/note", data={"text": "hello"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert "reload the page" in page
    assert count(session, AuditEvent, AuditEvent.action == "test.note") == 0


def test_a_form_carrying_the_token_field_is_accepted(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    response = client.post("/test/note", data={"csrf_token": token_of(client), "text": "hello"})
    assert response.status_code == 200
    assert count(session, AuditEvent, AuditEvent.action == "test.note",
                 AuditEvent.user_id == officer.id) == 1


def test_templates_render_the_sessions_token_and_a_form_using_it_is_accepted(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    page = client.get("/test/form")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.get_data(as_text=True))
    assert match is not None
    assert match.group(1) == page.headers[CSRF_HEADER]
    assert client.post("/test/note", data={"csrf_token": match.group(1)}).status_code == 200


def test_a_new_sign_in_gets_a_new_token_and_the_old_one_stops_working(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    old = token_of(client)
    sign_in(client, session, officer)
    assert token_of(client) != old
    response = client.post("/api/v1/cases", json=NEW_CASE, headers={CSRF_HEADER: old})
    assert response.status_code == 403


def test_bearer_token_calls_need_no_csrf_token(client, make):
    officer = make.user(make.agency())
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=make.headers(officer))
    assert response.status_code == 201
    assert CSRF_HEADER not in response.headers


def test_a_bearer_call_from_a_browser_that_also_has_a_session_is_judged_by_the_bearer(
    client, make, session
):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=make.headers(officer))
    assert response.status_code == 201


def test_a_provider_endpoint_marked_exempt_accepts_posts_without_a_token(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)  # even if a cookie happens to be present
    response = client.post("/test/from-provider", data={"logout_token": "x"})
    assert response.status_code == 200
    assert count(session, AuditEvent, AuditEvent.action == "test.from_provider") == 1


def test_without_a_live_session_an_unsafe_request_is_unauthenticated_not_csrf(client, make):
    client.set_cookie("hub_session", "not-a-session")
    response = client.post("/api/v1/cases", json=NEW_CASE)
    assert response.status_code == 401
    assert client.post("/test/note").status_code == 302


def test_safe_requests_need_no_token(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/cases").status_code == 200


def test_every_unsafe_method_needs_the_token(client, make, session):
    police, nhs = make.agency(), make.agency(kind="nhs_mental_health")
    officer = make.user(police)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    sign_in(client, session, officer)
    removal = client.delete(f"/api/v1/cases/{case.id}/members/{nhs.code}")
    assert removal.status_code == 403
    assert removal.json["title"] == "CSRF token missing or wrong"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/test/note").status_code == 403, method
    assert count(session, AuditEvent, AuditEvent.action == "test.note") == 0
    session.expire_all()
    assert nhs.code in [m.agency.code for m in session.get(Case, case.id).current_memberships]
