"""Server-side sessions: tokens, timeouts, ending, back-channel logout, recent sign-in (explicit clocks)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.errors import Forbidden
from hub.sessions.models import UserSession
from hub.sessions.services import (
    end_session,
    end_sessions,
    end_user_sessions,
    needs_recent_sign_in,
    session_for_token,
    start_session,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = Policy()
ISSUER_A = "https://idp.police.example"
ISSUER_B = "https://idp.nhs.example"


def start(session, user, *, now=T0, issuer=ISSUER_A, subject="sub-1", sid=None, auth_time=None,
          policy=POLICY):
    return start_session(session, user, issuer=issuer, provider="police", subject=subject, sid=sid,
                         auth_time=auth_time or now, policy=policy, now=now)


@pytest.fixture
def person(make):
    return make.user(make.agency())


def test_only_the_sha256_of_a_fresh_token_is_stored_and_the_start_is_audited(session, person):
    first, token1 = start(session, person)
    second, token2 = start(session, person)
    assert token1 != token2
    assert len(token1) >= 40
    assert first.token_hash == hashlib.sha256(token1.encode()).hexdigest()
    stored = session.scalars(select(UserSession).where(UserSession.user_id == person.id)).all()
    assert all(token1 not in str(vars(row)) and token2 not in str(vars(row)) for row in stored)
    audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "session.start",
                                                      AuditEvent.user_id == person.id)).all()
    assert {a.object_id for a in audits} == {str(first.id), str(second.id)}
    assert all(a.issuer == ISSUER_A and a.details == {"provider": "police"} for a in audits)
    assert session_for_token(session, token1, policy=POLICY, now=T0) is first
    assert session_for_token(session, token2, policy=POLICY, now=T0) is second


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 5000])
def test_unknown_or_malformed_tokens_find_no_session(session, person, token):
    start(session, person)
    assert session_for_token(session, token, policy=POLICY, now=T0) is None


def test_session_survives_activity_but_ends_after_30_idle_minutes(session, person):
    user_session, token = start(session, person)
    active = T0 + timedelta(minutes=29)
    assert session_for_token(session, token, policy=POLICY, now=active) is user_session
    assert user_session.last_seen_at == active
    just_in_time = active + timedelta(minutes=29, seconds=59)
    assert session_for_token(session, token, policy=POLICY, now=just_in_time) is user_session
    idle = just_in_time + timedelta(minutes=30)
    assert session_for_token(session, token, policy=POLICY, now=idle) is None
    assert user_session.ended_at == idle
    assert user_session.end_reason == "idle_timeout"
    # Ended stays ended, even if asked with an earlier clock.
    assert session_for_token(session, token, policy=POLICY, now=just_in_time) is None


def test_idle_timeout_follows_the_policy(session, person):
    strict = Policy(session_idle_minutes=5)
    user_session, token = start(session, person, policy=strict)
    assert session_for_token(session, token, policy=strict, now=T0 + timedelta(minutes=4)) is user_session
    assert session_for_token(session, token, policy=strict, now=T0 + timedelta(minutes=9)) is None


def test_last_seen_is_written_at_most_once_a_minute(session, person):
    user_session, token = start(session, person)
    session_for_token(session, token, policy=POLICY, now=T0 + timedelta(seconds=59))
    assert user_session.last_seen_at == T0
    session_for_token(session, token, policy=POLICY, now=T0 + timedelta(seconds=61))
    assert user_session.last_seen_at == T0 + timedelta(seconds=61)
    session.expire_all()
    assert session.get(UserSession, user_session.id).last_seen_at == T0 + timedelta(seconds=61)


def test_a_busy_session_still_ends_after_12_hours(session, person):
    user_session, token = start(session, person)
    moment = T0
    while moment < T0 + timedelta(hours=11, minutes=40):
        moment += timedelta(minutes=20)
        assert session_for_token(session, token, policy=POLICY, now=moment) is user_session
    assert session_for_token(session, token, policy=POLICY,
                             now=T0 + timedelta(hours=11, minutes=59)) is user_session
    assert session_for_token(session, token, policy=POLICY, now=T0 + timedelta(hours=12)) is None
    assert user_session.end_reason == "absolute_timeout"


def test_shortening_the_absolute_timeout_applies_to_sessions_already_open(session, person):
    user_session, token = start(session, person)
    shorter = Policy(session_absolute_hours=2)
    moment = T0 + timedelta(hours=1, minutes=50)
    user_session.last_seen_at = moment  # kept busy
    assert session_for_token(session, token, policy=shorter, now=moment) is user_session
    assert session_for_token(session, token, policy=shorter, now=T0 + timedelta(hours=2)) is None


def test_ended_session_is_refused_and_ending_twice_changes_nothing(session, person):
    user_session, token = start(session, person)
    actor = Actor(person, ISSUER_A)
    end_session(session, actor, user_session, reason="sign_out", now=T0 + timedelta(minutes=1))
    end_session(session, actor, user_session, reason="sign_out", now=T0 + timedelta(minutes=2))
    assert user_session.ended_at == T0 + timedelta(minutes=1)
    assert session_for_token(session, token, policy=POLICY, now=T0 + timedelta(minutes=3)) is None
    ends = session.scalars(select(AuditEvent).where(AuditEvent.action == "session.end",
                                                    AuditEvent.object_id == str(user_session.id))).all()
    assert len(ends) == 1
    assert ends[0].details["reason"] == "sign_out"


def test_deactivated_persons_session_ends_at_once(session, person):
    user_session, token = start(session, person)
    person.active = False
    session.flush()
    assert session_for_token(session, token, policy=POLICY, now=T0 + timedelta(seconds=5)) is None
    assert user_session.end_reason == "user_deactivated"


def test_a_deactivated_person_cannot_start_a_session(session, person):
    person.active = False
    session.flush()
    with pytest.raises(Forbidden):
        start(session, person)
    assert session.scalars(select(UserSession).where(UserSession.user_id == person.id)).all() == []


def test_end_user_sessions_ends_every_live_session_of_that_person_only(session, make, person):
    other = make.user(person.agency)
    (_s1, t1), (_s2, t2) = start(session, person), start(session, person, issuer=ISSUER_B)
    s3, t3 = start(session, other, subject="sub-2")
    ended = end_user_sessions(session, Actor.system(), person.id, reason="user_deactivated", now=T0)
    assert ended == 2
    assert session_for_token(session, t1, policy=POLICY, now=T0) is None
    assert session_for_token(session, t2, policy=POLICY, now=T0) is None
    assert session_for_token(session, t3, policy=POLICY, now=T0) is s3


def test_backchannel_logout_by_subject_ends_that_persons_sessions_at_that_issuer_only(
    session, make, person
):
    twin = make.user(person.agency)  # the same subject string at another issuer is another person
    _s1, t1 = start(session, person, subject="alice", sid="sid-1")
    _s2, t2 = start(session, person, subject="alice", sid="sid-2")
    s3, t3 = start(session, twin, subject="alice", issuer=ISSUER_B)
    s4, t4 = start(session, make.user(person.agency), subject="bob")
    ended = end_sessions(session, Actor.system(), issuer=ISSUER_A, subject="alice",
                         reason="backchannel_logout", now=T0)
    assert ended == 2
    assert session_for_token(session, t1, policy=POLICY, now=T0) is None
    assert session_for_token(session, t2, policy=POLICY, now=T0) is None
    assert session_for_token(session, t3, policy=POLICY, now=T0) is s3
    assert session_for_token(session, t4, policy=POLICY, now=T0) is s4


def test_backchannel_logout_by_sid_ends_only_that_provider_session(session, person):
    s1, t1 = start(session, person, subject="alice", sid="sid-1")
    s2, t2 = start(session, person, subject="alice", sid="sid-2")
    assert end_sessions(session, Actor.system(), issuer=ISSUER_B, sid="sid-1",
                        reason="backchannel_logout", now=T0) == 0
    assert end_sessions(session, Actor.system(), issuer=ISSUER_A, subject="mallory", sid="sid-1",
                        reason="backchannel_logout", now=T0) == 0
    assert end_sessions(session, Actor.system(), issuer=ISSUER_A, sid="sid-1",
                        reason="backchannel_logout", now=T0) == 1
    assert s1.end_reason == "backchannel_logout"
    assert session_for_token(session, t1, policy=POLICY, now=T0) is None
    assert session_for_token(session, t2, policy=POLICY, now=T0) is s2
    # A replay of the same logout finds nothing more to end.
    assert end_sessions(session, Actor.system(), issuer=ISSUER_A, sid="sid-1",
                        reason="backchannel_logout", now=T0) == 0


def test_a_logout_naming_neither_subject_nor_sid_is_refused(session, person):
    start(session, person)
    with pytest.raises(ValueError, match="subject"):
        end_sessions(session, Actor.system(), issuer=ISSUER_A, reason="backchannel_logout", now=T0)


def test_recent_sign_in_window_is_fifteen_minutes_by_default(session, person):
    user_session, _ = start(session, person, auth_time=T0 - timedelta(minutes=2))
    assert not needs_recent_sign_in(user_session, policy=POLICY, now=T0 + timedelta(minutes=13))
    assert needs_recent_sign_in(user_session, policy=POLICY, now=T0 + timedelta(minutes=13, seconds=1))
    relaxed = Policy(recent_auth_minutes=60)
    assert not needs_recent_sign_in(user_session, policy=relaxed, now=T0 + timedelta(minutes=30))


def test_an_auth_time_in_the_future_counts_as_now(session, person):
    user_session, _ = start(session, person, auth_time=T0 + timedelta(hours=5))
    assert user_session.auth_time == T0
    assert needs_recent_sign_in(user_session, policy=POLICY, now=T0 + timedelta(minutes=16))
