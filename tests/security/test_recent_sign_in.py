"""Membership changes in a browser session need a sign-in within the recent-sign-in window; bearer
tokens are service credentials and are exempt."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from hub.access import RECENT_SIGN_IN_REQUIRED, Permission, requires
from hub.app import create_app
from hub.cases.models import CaseMembership
from hub.db import utcnow
from hub.security import CSRF_HEADER
from tests.conftest import with_policy
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory


def members_of(session, case) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(CaseMembership.agency_id).where(
        CaseMembership.case_id == case.id, CaseMembership.removed_at.is_(None))))


@pytest.fixture
def lead_case(make):
    police, nhs = make.agency(), make.agency(kind="nhs_mental_health")
    officer = make.user(police)
    ConsentFactory(make).agreement(police, nhs)
    return officer, nhs, make.case(officer)


def csrf(client) -> dict[str, str]:
    return {CSRF_HEADER: client.get("/api/v1/me").headers[CSRF_HEADER]}


def test_membership_changes_are_declared_as_needing_a_recent_sign_in():
    assert Permission.CASE_MEMBERS_MANAGE in RECENT_SIGN_IN_REQUIRED
    assert Permission.CASE_READ not in RECENT_SIGN_IN_REQUIRED


def test_a_stale_sign_in_cannot_add_a_member_over_the_api(client, session, lead_case):
    officer, nhs, case = lead_case
    sign_in(client, session, officer, auth_time=utcnow() - timedelta(minutes=16))
    before = members_of(session, case)
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": nhs.code},
                           headers=csrf(client))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Fresh sign-in needed"
    assert "15 minutes" in response.json["detail"]
    assert members_of(session, case) == before
    removal = client.delete(f"/api/v1/cases/{case.id}/members/{nhs.code}", headers=csrf(client))
    assert removal.status_code == 401


def test_a_recent_sign_in_can_add_a_member(client, session, lead_case):
    officer, nhs, case = lead_case
    sign_in(client, session, officer, auth_time=utcnow() - timedelta(minutes=14))
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": nhs.code},
                           headers=csrf(client))
    assert response.status_code == 201, response.json
    assert nhs.id in members_of(session, case)


def test_reading_needs_no_recent_sign_in(client, session, lead_case):
    officer, _nhs, case = lead_case
    sign_in(client, session, officer, auth_time=utcnow() - timedelta(hours=3))
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200


def test_bearer_tokens_are_exempt_from_the_recent_sign_in_window(client, make, lead_case):
    officer, nhs, case = lead_case
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": nhs.code},
                           headers=make.headers(officer))
    assert response.status_code == 201


def test_the_window_comes_from_the_policy(settings, database, keyring, session, lead_case):
    officer, nhs, case = lead_case
    app = create_app(with_policy(settings, recent_auth_minutes=60), database=database, keyring=keyring)
    client = app.test_client()
    sign_in(client, session, officer, auth_time=utcnow() - timedelta(minutes=40))
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": nhs.code},
                           headers=csrf(client))
    assert response.status_code == 201


def test_a_browser_with_a_stale_sign_in_is_sent_to_sign_in_again_with_max_age(
    settings, database, keyring, session, lead_case
):
    officer, _nhs, case = lead_case
    app = create_app(replace(settings), database=database, keyring=keyring)

    @requires(Permission.CASE_MEMBERS_MANAGE)
    def manage_members(case_id) -> str:
        return "membership form"

    app.add_url_rule("/cases/<uuid:case_id>/members", view_func=manage_members)
    client = app.test_client()
    sign_in(client, session, officer, provider="police", auth_time=utcnow() - timedelta(minutes=20))
    response = client.get(f"/cases/{case.id}/members?tab=agencies")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/police/login"
    assert parse_qs(location.query) == {"max_age": ["900"],
                                        "next": [f"/cases/{case.id}/members?tab=agencies"]}
    sign_in(client, session, officer, provider="police")
    assert client.get(f"/cases/{case.id}/members").get_data(as_text=True) == "membership form"
