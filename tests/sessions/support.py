"""Signing a test client in by starting a real server-side session (the OIDC flow has its own tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.agencies.models import User
from hub.config import Policy
from hub.db import utcnow
from hub.sessions.cookies import session_cookie_name
from hub.sessions.models import UserSession
from hub.sessions.services import start_session

ISSUER = "https://idp.police.example"


@dataclass
class SignedIn:
    user_session: UserSession
    token: str


def sign_in(
    client: FlaskClient,
    session: Session,
    user: User,
    *,
    issuer: str = ISSUER,
    provider: str = "police",
    subject: str | None = None,
    sid: str | None = None,
    now: datetime | None = None,
    auth_time: datetime | None = None,
    secure: bool = False,
) -> SignedIn:
    """Start a session as sign-in would, commit it, and give its cookie to the test client."""
    now = now or utcnow()
    user_session, token = start_session(
        session, user, issuer=issuer, provider=provider, subject=subject or f"sub-{user.id}",
        sid=sid, auth_time=auth_time or now, policy=Policy(), now=now,
    )
    session.commit()
    client.set_cookie(session_cookie_name(secure=secure), token)
    return SignedIn(user_session, token)
