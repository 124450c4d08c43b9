"""Sign-in state and identity mapping: the only place sign-in changes the database.

A person is (issuer, subject) (invariant 3): the first sign-in creates them in the agency the
hub's own configuration names for that provider, never one a claim names; e-mail is never used
to match; a deactivated person is refused. Roles follow the provider's role claim at every
sign-in (DESIGN.md §3). Each attempt is bound to the browser that started it (hub.signin.binding).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Agency, ExternalIdentity, User
from hub.agencies.services import EMAIL
from hub.audit.services import record
from hub.config import Policy, ProviderConfig
from hub.sessions.models import UserSession
from hub.sessions.services import EndReason, end_session, end_sessions, start_session
from hub.signin import binding, rules
from hub.signin.models import SeenLogoutToken, SignInAttempt

ATTEMPT_LIFETIME = timedelta(minutes=10)
PURGE_AFTER = timedelta(days=1)


class SignInRefused(Exception):
    """Sign-in cannot go on; ``code`` is the audit reason, ``detail`` what the person is told."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class AuthorizationRequest:
    """The secrets of one authorization request; of the state and the browser secret only their
    hashes are stored."""

    attempt: SignInAttempt
    state: str
    nonce: str
    code_verifier: str
    browser_secret: str


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin_sign_in(
    db: Session, provider: ProviderConfig, *, next_path: str | None, max_age: int | None, now: datetime
) -> AuthorizationRequest:
    """Start an authorization request with a fresh `state`, `nonce` and PKCE verifier (RFC 7636),
    and a fresh secret for the browser's binding cookie (RFC 9700 §4.7)."""
    db.execute(delete(SignInAttempt).where(SignInAttempt.created_at < now - PURGE_AFTER))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
    browser_secret = binding.new_secret()
    attempt = SignInAttempt(state_hash=hash_state(state), provider=provider.name, nonce=nonce,
                            code_verifier=code_verifier, browser_hash=binding.hash_secret(browser_secret),
                            next_path=rules.safe_next_path(next_path), max_age=max_age, created_at=now)
    db.add(attempt)
    db.flush()
    return AuthorizationRequest(attempt, state, nonce, code_verifier, browser_secret)


def claim_attempt(db: Session, provider: ProviderConfig, *, state: str, browser_secrets: Sequence[str],
                  now: datetime) -> SignInAttempt:
    """The unused, unexpired attempt this `state` belongs to, marked used; it must have been started
    for this very provider (mix-up defence, RFC 9700 §4.4) in this very browser, which holds one of
    `browser_secrets` (login CSRF, RFC 9700 §4.7)."""
    if not state or len(state) > 200:
        raise SignInRefused("state_missing", "The sign-in response did not say which sign-in it answers.")
    attempt = db.scalar(select(SignInAttempt).where(SignInAttempt.state_hash == hash_state(state)))
    if attempt is None:
        raise SignInRefused("state_unknown", "This sign-in response does not match a sign-in started here.")
    if attempt.provider != provider.name:
        raise SignInRefused("provider_mismatch",
                            "This sign-in response came back to a different agency's sign-in.")
    if attempt.used_at is not None:
        raise SignInRefused("state_replayed", "This sign-in response has already been used.")
    if now - attempt.created_at > ATTEMPT_LIFETIME:
        raise SignInRefused("state_expired", "This sign-in took too long.")
    # Checked before the attempt is used up (and a refusal here commits nothing): a browser that
    # cannot show the secret (someone who saw the callback URL, or a victim lured to an attacker's)
    # can never spend the attempt of the browser that started it, which may still finish its own
    # sign-in. Guessing the secret is hopeless (256 bits, compared in constant time), so nothing
    # would be gained by burning the attempt instead.
    if not binding.holds_attempt(browser_secrets, attempt.browser_hash):
        raise SignInRefused("browser_mismatch",
                            "This sign-in was not started in this browser, or the browser did not keep "
                            "the hub's sign-in cookie. Start signing in again from the hub in this browser.")
    claimed = db.execute(
        update(SignInAttempt).where(SignInAttempt.id == attempt.id, SignInAttempt.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise SignInRefused("state_replayed", "This sign-in response has already been used.")
    db.refresh(attempt)
    return attempt


def _name_from(claims: dict[str, Any], provider: ProviderConfig) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return f"{provider.title} user"[:200]


def _email_from(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    return email if isinstance(email, str) and len(email) <= 320 and EMAIL.fullmatch(email) else ""


def person_for_identity(
    db: Session, actor: Actor, provider: ProviderConfig, claims: dict[str, Any], *, now: datetime
) -> User:
    """The hub user for (issuer, subject) from a verified ID token, created on first sign-in.

    Agency from the provider's configuration (a claim may only choose among those agencies); an
    existing person is never moved to another agency by claims. Roles from `role_claim` through
    `role_map` at every sign-in, within that agency (a change is audited); refused when the claim
    maps to nothing and there is no `default_role` (DESIGN.md §3, `rules.roles_at_sign_in`).
    Deactivated people are refused, and so are people of an agency the provider may no longer
    vouch for.
    """
    subject = str(claims["sub"])
    identity = db.scalar(select(ExternalIdentity).where(ExternalIdentity.issuer == provider.issuer,
                                                        ExternalIdentity.subject == subject))
    if identity is not None:
        user = db.get(User, identity.user_id)
        if user is None or not user.active:
            raise SignInRefused("user_deactivated",
                                "Your account on the hub has been deactivated. Ask your hub administrator.")
        if user.agency.code not in provider.agencies:
            # The configuration no longer lets this issuer vouch for the person's agency.
            raise SignInRefused("agency_not_vouched",
                                f"{provider.title} may no longer sign people in to your agency's account.")
        roles = _roles_from_provider(provider, claims, current=user.roles)
        if set(roles) != set(user.roles):
            # No personal data: role names and the provider's name only.
            record(db, actor, "user.roles_changed", now=now, object_type="user", object_id=user.id,
                   details={"old": list(user.roles), "new": roles, "provider": provider.name})
            user.roles = roles
        identity.last_seen_at = now
        db.flush()
        return user
    code = rules.choose_agency(provider.agencies, claims.get("agency"))
    if code is None:
        raise SignInRefused("agency_not_determined",
                            "Your account does not say which of this provider's agencies you belong to.")
    agency = db.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise SignInRefused("agency_not_registered", "Your agency is not registered on the hub yet.")
    roles = _roles_from_provider(provider, claims, current=None)
    user = User(agency_id=agency.id, email=_email_from(claims), name=_name_from(claims, provider),
                roles=roles, active=True, created_at=now)
    user.agency = agency
    db.add(user)
    db.flush()
    try:
        with db.begin_nested():
            db.add(ExternalIdentity(user_id=user.id, issuer=provider.issuer, subject=subject,
                                    created_at=now, last_seen_at=now))
    except IntegrityError as exc:
        # Another request created this person at the same moment: refuse rather than guess.
        raise SignInRefused("identity_race", "Signing in twice at once: try again.") from exc
    record(db, actor, "user.provision", now=now, object_type="user", object_id=user.id,
           details={"agency": agency.code, "roles": roles, "provider": provider.name})
    return user


def _roles_from_provider(provider: ProviderConfig, claims: dict[str, Any], *,
                         current: list[str] | None) -> list[str]:
    roles = rules.roles_at_sign_in(role_claim=provider.role_claim, role_map=provider.role_map,
                                   default_role=provider.default_role, claims=claims, current=current)
    if roles is None:
        raise SignInRefused("role_not_mapped",
                            f"Your account at {provider.title} does not give you a role on the hub. "
                            f"Ask your agency's administrator to give you a hub role at {provider.title}, "
                            "then sign in again.")
    return roles


def remember_logout_token(db: Session, issuer: str, jti: str, *, now: datetime) -> None:
    """Record a back-channel logout token's `jti`; a replay is refused (Back-Channel Logout §2.6)."""
    db.execute(delete(SeenLogoutToken).where(SeenLogoutToken.seen_at < now - PURGE_AFTER))
    seen = db.scalar(select(SeenLogoutToken.id).where(SeenLogoutToken.issuer == issuer,
                                                      SeenLogoutToken.jti == jti))
    if seen is not None:
        raise rules.TokenRejected("jti_replayed", "this logout token has already been used")
    try:
        with db.begin_nested():
            db.add(SeenLogoutToken(issuer=issuer, jti=jti, seen_at=now))
    except IntegrityError as exc:
        raise rules.TokenRejected("jti_replayed", "this logout token has already been used") from exc


def complete_sign_in(
    db: Session,
    provider: ProviderConfig,
    claims: dict[str, Any],
    *,
    previous_session: UserSession | None,
    policy: Policy,
    now: datetime,
    request_id: str | None,
) -> tuple[User, str]:
    """After a verified ID token: map the person, start their server-side session, audit the sign-in.

    The browser's `previous_session` (its live hub session, if any) ends as `signed_in_again`:
    one browser, one session, whoever signs in. Returns the person and the new cookie token.
    """
    user = person_for_identity(db, Actor(None, provider.issuer, request_id), provider, claims, now=now)
    if previous_session is not None:
        end_session(db, Actor(user, provider.issuer, request_id), previous_session,
                    reason=EndReason.SIGNED_IN_AGAIN, now=now)
    user_session, token = start_session(
        db, user, issuer=provider.issuer, provider=provider.name, subject=str(claims["sub"]),
        sid=rules.optional_text(claims.get("sid")), auth_time=rules.authenticated_at(claims, now),
        policy=policy, now=now, request_id=request_id)
    record(db, Actor(user, provider.issuer, request_id), "signin.success", now=now, object_type="user",
           object_id=user.id, details={"provider": provider.name, "session": user_session.id})
    return user, token


def log_out_from_provider(
    db: Session, provider: ProviderConfig, claims: dict[str, Any], *, now: datetime, request_id: str | None
) -> int:
    """Back-Channel Logout 1.0: end the sessions a verified logout token names, and audit it."""
    actor = Actor(None, provider.issuer, request_id)
    ended = end_sessions(db, actor, issuer=provider.issuer, subject=rules.optional_text(claims.get("sub")),
                         sid=rules.optional_text(claims.get("sid")), reason=EndReason.BACKCHANNEL_LOGOUT,
                         now=now)
    record(db, actor, "signin.backchannel_logout", now=now,
           details={"provider": provider.name, "sessions_ended": ended})
    return ended


def sign_out(db: Session, actor: Actor, user_session: UserSession, *, now: datetime) -> None:
    """The person signs out: their server-side session ends at once, audited."""
    end_session(db, actor, user_session, reason=EndReason.SIGN_OUT, now=now)
    record(db, actor, "signout", now=now, object_type="user_session", object_id=user_session.id,
           details={"provider": user_session.provider})
