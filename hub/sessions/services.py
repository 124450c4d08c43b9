"""Server-side sessions: started at sign-in, refused after the idle or absolute timeout, ended on
sign-out, back-channel logout or deactivation (issue 3, point 3).

The browser holds a random token; only its SHA-256 is stored, so a copy of the table cannot be
replayed as a cookie. Every sign-in gets a new token (no session fixation).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.config import Policy
from hub.errors import Forbidden
from hub.sessions.cookies import (
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    session_cookie_name,
    set_session_cookie,
)
from hub.sessions.models import UserSession

__all__ = [
    "SECURE_SESSION_COOKIE",
    "SESSION_COOKIE",
    "EndReason",
    "clear_session_cookie",
    "end_session",
    "end_sessions",
    "end_user_sessions",
    "hash_session_token",
    "needs_recent_sign_in",
    "session_cookie_name",
    "session_for_token",
    "set_session_cookie",
    "start_session",
]

# last_seen_at is written at most this often: the idle timeout is measured in minutes, so a
# write per request would only cost the database without making the timeout more accurate.
TOUCH_INTERVAL = timedelta(seconds=60)
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128


class EndReason(enum.StrEnum):
    SIGN_OUT = "sign_out"
    IDLE_TIMEOUT = "idle_timeout"
    ABSOLUTE_TIMEOUT = "absolute_timeout"
    BACKCHANNEL_LOGOUT = "backchannel_logout"
    USER_DEACTIVATED = "user_deactivated"
    SIGNED_IN_AGAIN = "signed_in_again"


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    db: Session,
    user: User,
    *,
    issuer: str,
    provider: str,
    subject: str,
    sid: str | None,
    auth_time: datetime,
    policy: Policy,
    now: datetime,
    request_id: str | None = None,
) -> tuple[UserSession, str]:
    """Open a session for a person who has just signed in; returns the row and the cookie token.

    The token is fresh for every sign-in and only its SHA-256 is kept. An `auth_time` in the
    future (provider clock ahead of ours) counts as now, so it cannot stretch the recent-sign-in
    window.
    """
    if not user.active:
        raise Forbidden("This account has been deactivated")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    user_session = UserSession(
        token_hash=hash_session_token(token), user_id=user.id, issuer=issuer, provider=provider,
        subject=subject, sid=sid, auth_time=min(auth_time, now), created_at=now, last_seen_at=now,
        absolute_expiry=now + timedelta(hours=policy.session_absolute_hours),
    )
    user_session.user = user
    db.add(user_session)
    db.flush()
    record(db, Actor(user, issuer, request_id), "session.start", now=now, object_type="user_session",
           object_id=user_session.id, details={"provider": provider})
    return user_session, token


def _expiry_reason(user_session: UserSession, *, policy: Policy, now: datetime) -> EndReason | None:
    """Why a live session may no longer be used, or None while it may."""
    if not user_session.user.active:
        return EndReason.USER_DEACTIVATED
    absolute_end = min(
        user_session.absolute_expiry,
        user_session.created_at + timedelta(hours=policy.session_absolute_hours),
    )
    if now >= absolute_end:
        return EndReason.ABSOLUTE_TIMEOUT
    if now - user_session.last_seen_at >= timedelta(minutes=policy.session_idle_minutes):
        return EndReason.IDLE_TIMEOUT
    return None


_SESSION_BY_HASH = select(UserSession).where(UserSession.token_hash == bindparam("token_hash"))


def session_for_token(
    db: Session, token: str, *, policy: Policy, now: datetime
) -> UserSession | None:
    """The live session a cookie token belongs to, or None.

    Refuses ended sessions, sessions idle for `session_idle_minutes`, sessions older than
    `session_absolute_hours`, and sessions of deactivated people; such a session is ended on the
    spot (flushed with the request). A live session's `last_seen_at` moves on at most once a minute.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user_session = db.scalar(_SESSION_BY_HASH, {"token_hash": hash_session_token(token)})
    if user_session is None or user_session.ended_at is not None:
        return None
    reason = _expiry_reason(user_session, policy=policy, now=now)
    if reason is not None:
        end_session(db, Actor.system(), user_session, reason=reason, now=now)
        return None
    if now - user_session.last_seen_at >= TOUCH_INTERVAL:
        user_session.last_seen_at = now
        db.flush()
    return user_session


def end_session(
    db: Session, actor: Actor, user_session: UserSession, *, reason: str, now: datetime
) -> None:
    """End one session at once (sign-out, timeout); ending an ended session changes nothing."""
    if user_session.ended_at is not None:
        return
    user_session.ended_at = now
    user_session.end_reason = str(reason)[:32]
    db.flush()
    record(db, actor, "session.end", now=now, object_type="user_session", object_id=user_session.id,
           details={"reason": user_session.end_reason, "user": str(user_session.user_id),
                    "provider": user_session.provider})


def end_sessions(
    db: Session,
    actor: Actor,
    *,
    issuer: str,
    subject: str | None = None,
    sid: str | None = None,
    reason: str,
    now: datetime,
) -> int:
    """Back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.7): end every live session of
    (issuer, subject), or the one provider session `sid` (both given: both must match).

    Returns how many sessions ended.
    """
    if subject is None and sid is None:
        raise ValueError("a logout names a subject, a session id or both")
    query = select(UserSession).where(UserSession.issuer == issuer, UserSession.ended_at.is_(None))
    if subject is not None:
        query = query.where(UserSession.subject == subject)
    if sid is not None:
        query = query.where(UserSession.sid == sid)
    ended = 0
    for user_session in db.scalars(query).all():
        end_session(db, actor, user_session, reason=reason, now=now)
        ended += 1
    return ended


def end_user_sessions(
    db: Session, actor: Actor, user_id: uuid.UUID, *, reason: str, now: datetime
) -> int:
    """End every live session of a person (deactivation ends them at once, issue 3 point 2)."""
    live = db.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    ).all()
    for user_session in live:
        end_session(db, actor, user_session, reason=reason, now=now)
    return len(live)


def needs_recent_sign_in(user_session: UserSession, *, policy: Policy, now: datetime) -> bool:
    """True when the person last authenticated at their provider more than `recent_auth_minutes`
    ago: sensitive operations then need a fresh sign-in with `max_age` (issue 3, point 3)."""
    return now - user_session.auth_time > timedelta(minutes=policy.recent_auth_minutes)
