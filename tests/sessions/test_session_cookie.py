"""The session cookie over HTTP: what the browser is given, what it takes to be signed in, and when a
cookie stops working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Response
from sqlalchemy import func, select

from hub import context
from hub.access import Permission, requires
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.db import utcnow
from hub.sessions.cookies import clear_session_cookie, set_session_cookie
from hub.sessions.models import UserSession
from hub.sessions.services import end_session, end_user_sessions
from tests.sessions.support import ISSUER, sign_in


def cookie_header(secure: bool, *, clear: bool = False) -> str:
    response = Response()
    if clear:
        clear_session_cookie(response, secure=secure)
    else:
        set_session_cookie(response, "tok3n", secure=secure)
    return response.headers["Set-Cookie"]


def test_over_http_the_cookie_is_httponly_lax_host_wide_and_ends_with_the_browser():
    header = cookie_header(secure=False)
    parts = [p.strip() for p in header.split(";")]
    assert parts[0] == "hub_session=tok3n"
    assert {"HttpOnly", "Path=/", "SameSite=Lax"} <= set(parts)
    assert not any(p.lower().startswith(("max-age", "expires", "domain", "secure")) for p in parts)


def test_over_https_the_cookie_is_secure_and_host_prefixed():
    parts = [p.strip() for p in cookie_header(secure=True).split(";")]
    assert parts[0] == "__Host-hub_session=tok3n"
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(parts)
    assert not any(p.lower().startswith(("max-age", "expires", "domain")) for p in parts)


def test_clearing_the_cookie_expires_it_with_the_same_name_and_attributes():
    for secure, name in ((False, "hub_session"), (True, "__Host-hub_session")):
        header = cookie_header(secure=secure, clear=True)
        assert header.startswith(f"{name}=;")
        assert "Max-Age=0" in header
        assert ("Secure" in header) is secure


def test_a_session_cookie_signs_the_person_in(client, make, session):
    officer = make.user(make.agency(), name="Sam Signedin")
    sign_in(client, session, officer)
    page = client.get("/")
    assert page.status_code == 200
    assert "Sam Signedin" in page.get_data(as_text=True)
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["id"] == str(officer.id)


def test_without_a_cookie_or_with_a_forged_one_nobody_is_signed_in(client, make, session):
    assert client.get("/").status_code == 302
    client.set_cookie("hub_session", "forged-token-value")
    assert client.get("/").headers["Location"].startswith("/sign-in")
    assert client.get("/api/v1/me").status_code == 401


def test_the_session_user_acts_under_the_session_issuer_in_the_audit_trail(client, make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    sign_in(client, session, officer)
    assert client.get(f"/cases/{case.id}").status_code == 200
    read = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                    AuditEvent.action == "case.read")).one()
    assert read.user_id == officer.id
    assert read.issuer == ISSUER


def test_after_sign_out_a_copied_cookie_is_useless(client, app, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer)
    thief = app.test_client()
    thief.set_cookie("hub_session", signed.token)
    assert thief.get("/api/v1/me").status_code == 200
    end_session(session, Actor(officer, ISSUER), signed.user_session, reason="sign_out", now=utcnow())
    session.commit()
    assert thief.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302


def test_each_sign_in_gets_a_new_token_and_an_old_cookie_never_becomes_the_new_session(
    client, app, make, session
):
    officer = make.user(make.agency())
    planted = sign_in(app.test_client(), session, officer)  # e.g. a token an attacker obtained
    end_session(session, Actor(officer, ISSUER), planted.user_session, reason="sign_out", now=utcnow())
    fresh = sign_in(client, session, officer)
    assert fresh.token != planted.token
    stale = app.test_client()
    stale.set_cookie("hub_session", planted.token)
    assert stale.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200


def test_an_idle_session_sends_the_browser_back_to_sign_in(client, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer, now=utcnow() - timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    session.expire_all()
    assert session.get(UserSession, signed.user_session.id).end_reason == "idle_timeout"


def test_a_session_older_than_12_hours_is_refused_even_when_busy(client, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer, now=utcnow() - timedelta(hours=12, seconds=1))
    signed.user_session.last_seen_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_use_moves_last_seen_on(client, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer, now=utcnow() - timedelta(minutes=5))
    assert client.get("/").status_code == 200
    session.expire_all()
    assert session.get(UserSession, signed.user_session.id).last_seen_at > utcnow() - timedelta(minutes=1)


def test_a_deactivated_persons_open_session_stops_working_at_once(client, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    assert client.get("/api/v1/me").status_code == 200
    officer.active = False
    session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302


def test_ending_all_of_a_persons_sessions_signs_out_every_browser(client, app, make, session):
    officer = make.user(make.agency())
    sign_in(client, session, officer)
    laptop = app.test_client()
    sign_in(laptop, session, officer)
    assert end_user_sessions(session, Actor.system(), officer.id, reason="user_deactivated",
                             now=utcnow()) == 2
    session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 401
    live = session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == officer.id, UserSession.ended_at.is_(None)))
    assert live == 0


def test_a_plain_cookie_is_not_accepted_over_https(client, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer)  # named hub_session, as over HTTP
    assert client.get("/api/v1/me", base_url="https://localhost").status_code == 401
    client.set_cookie("__Host-hub_session", signed.token)
    assert client.get("/api/v1/me", base_url="https://localhost").status_code == 200


def test_bearer_tokens_keep_working_and_take_precedence_over_a_cookie(client, make, session):
    officer = make.user(make.agency())
    colleague = make.user(officer.agency)
    sign_in(client, session, colleague)
    me = client.get("/api/v1/me", headers=make.headers(officer))
    assert me.status_code == 200
    assert me.json["id"] == str(officer.id)
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer hub_not-a-real-token"})
    assert bad.status_code == 401  # a failed bearer token never falls back to the cookie


def test_a_dead_cookie_is_cleared_from_the_browser(client, app, make, session):
    officer = make.user(make.agency())
    signed = sign_in(client, session, officer)
    end_session(session, Actor(officer, ISSUER), signed.user_session, reason="sign_out", now=utcnow())
    session.commit()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("hub_session=")]
    assert len(cleared) == 1
    assert "Max-Age=0" in cleared[0]
    assert client.get_cookie("hub_session") is None


def test_a_response_that_starts_a_new_session_is_not_undone_by_the_dead_cookie_clean_up(
    client, app, make, session
):
    @requires(Permission.PUBLIC)
    def fresh_sign_in() -> Response:
        assert context.user() is None  # the old cookie was looked at, and found dead
        response = Response("signed in")
        set_session_cookie(response, "brand-new-token", secure=False)
        return response

    app.add_url_rule("/test/fresh-sign-in", view_func=fresh_sign_in)
    client.set_cookie("hub_session", "long-dead-token")
    response = client.get("/test/fresh-sign-in")
    assert response.headers.getlist("Set-Cookie") == [
        c for c in response.headers.getlist("Set-Cookie") if "brand-new-token" in c]
    assert client.get_cookie("hub_session").value == "brand-new-token"


@pytest.mark.parametrize("value", [
    "", " ", "é" * 10, "\u202e" + "a" * 40, "a" * 4000, "%00%ff", '"quoted"', "a=b; c", "hub_" + "x" * 43,
])
def test_junk_cookies_and_csrf_headers_are_refused_plainly_never_with_an_error(client, make, session, value):
    client.set_cookie("hub_session", value)
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/cases", json={}).status_code == 401
    sign_in(client, session, make.user(make.agency()))
    header = value.encode("utf-8").decode("latin-1")  # what arrives when a client sends UTF-8 bytes
    response = client.post("/api/v1/cases", json={}, headers={"X-CSRF-Token": header})
    assert response.status_code == 403
