"""Deactivating a person ends their access at once: API tokens, pages and sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import ApiToken, User
from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from hub.errors import NotFound, ValidationFailed
from hub.sessions import services as session_services
from hub.sessions.models import UserSession


def test_a_deactivated_persons_tokens_stop_working_at_once(client, make, session):
    agency = make.agency()
    lead, worker = make.user(agency, "lead", name="Lee Lead"), make.user(agency, name="Wren Worker")
    first, second = make.token(worker), make.token(worker)
    lead_token = make.token(lead)
    for secret in (first, second):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    now = utcnow()
    agency_services.deactivate_user(session, Actor(lead, "test"), worker.id, now)
    session.commit()

    for secret in (first, second):
        refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 401
        assert refused.mimetype == "application/problem+json"
        page = client.get("/", headers={"Authorization": f"Bearer {secret}"})
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/sign-in")
    # Nobody else is affected.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {lead_token}"}).status_code == 200

    person = session.get(User, worker.id)
    assert person is not None
    assert person.active is False
    assert person.deactivated_at == now
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == worker.id)).all()
    assert [t.revoked_at for t in tokens] == [now, now]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).one()
    assert (event.user_id, event.object_id) == (lead.id, str(worker.id))
    assert event.details == {"agency": agency.code, "tokens_revoked": 2, "sessions_ended": 0}
    assert "Wren" not in str(event.details)


def test_deactivation_ends_the_persons_browser_sessions(make, session):
    worker = make.user(make.agency())
    now = utcnow()
    user_session, cookie = session_services.start_session(
        session, worker, issuer="https://idp.example", provider="police", subject="sub-1", sid=None,
        auth_time=now, policy=Policy(), now=now,
    )
    agency_services.deactivate_user(session, Actor.system(), worker.id, now + timedelta(seconds=5))
    session.commit()
    ended = session.get(UserSession, user_session.id)
    assert ended is not None
    assert ended.ended_at == now + timedelta(seconds=5)
    assert ended.end_reason == session_services.EndReason.USER_DEACTIVATED
    assert session_services.session_for_token(session, cookie, policy=Policy(),
                                              now=now + timedelta(seconds=6)) is None


def test_deactivating_twice_changes_nothing_more(make, session):
    worker = make.user(make.agency())
    make.token(worker)
    first = utcnow()
    agency_services.deactivate_user(session, Actor.system(), worker.id, first)
    agency_services.deactivate_user(session, Actor.system(), worker.id, first + timedelta(hours=1))
    session.commit()
    assert session.get(User, worker.id).deactivated_at == first  # type: ignore[union-attr]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivate",
                                                      AuditEvent.object_id == str(worker.id))).all()
    assert len(events) == 1


def test_deactivating_an_unknown_person_is_refused(session):
    with pytest.raises(NotFound):
        agency_services.deactivate_user(session, Actor.system(), uuid.uuid4(), utcnow())


def test_a_deactivated_person_cannot_be_given_a_new_token(make, session):
    worker = make.user(make.agency())
    agency_services.deactivate_user(session, Actor.system(), worker.id, utcnow())
    with pytest.raises(ValidationFailed):
        agency_services.create_token(session, Actor.system(), user=worker, days=5, now=utcnow())
