"""Sign-in attempts (state, nonce, PKCE verifier kept on the server, bound to a browser) and seen
logout tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class SignInAttempt(Base):
    """One authorization request; the callback consumes it once (replays are refused)."""

    __tablename__ = "signin_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the `state` sent to the provider; the state itself is never stored.
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    # SHA-256 of the secret in the browser's binding cookie (hub.signin.binding): the callback
    # must come from the browser that started the attempt.
    browser_hash: Mapped[str] = mapped_column(String(64))
    # Where to go after sign-in: a local path only.
    next_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SeenLogoutToken(Base):
    """Back-channel logout tokens already acted on: a replayed `jti` is refused."""

    __tablename__ = "seen_logout_tokens"
    __table_args__ = (UniqueConstraint("issuer", "jti", name="uq_seen_logout_tokens_issuer_jti"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    jti: Mapped[str] = mapped_column(String(255))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
