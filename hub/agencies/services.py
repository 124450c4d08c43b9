"""Registering agencies and people, and issuing or checking API bearer tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import Agency, AgencyKind, ApiToken, Role, User
from hub.audit.services import record
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.sessions.services import EndReason, end_user_sessions

AGENCY_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_PREFIX = "hub_"  # noqa: S105 - a public prefix that makes leaked tokens greppable


def add_agency(
    session: Session, actor: Actor, *, code: str, name: str, kind: str, now: datetime
) -> Agency:
    """Register an agency (a tenant); codes are upper-case, e.g. POL-NS."""
    errors = {}
    if not AGENCY_CODE.fullmatch(code):
        errors["code"] = "Use 2-32 upper-case letters, digits or hyphens, e.g. POL-NS"
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter the agency's name (at most 200 characters)"
    if kind not in AgencyKind.__members__.values():
        errors["kind"] = f"Kind must be one of: {', '.join(k.value for k in AgencyKind)}"
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Agency.id).where(Agency.code == code)) is not None:
        raise Conflict(f"Agency {code} already exists")
    agency = Agency(code=code, name=name.strip(), kind=kind, created_at=now)
    session.add(agency)
    session.flush()
    record(session, actor, "agency.add", now=now, object_type="agency", object_id=agency.id,
           details={"code": code, "kind": kind})
    return agency


def add_user(
    session: Session,
    actor: Actor,
    *,
    agency_code: str,
    email: str,
    name: str,
    roles: list[str],
    now: datetime,
) -> User:
    """Register a person in an agency (service accounts, the first administrator)."""
    errors = {}
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        errors["agency"] = f"Unknown agency code: {agency_code}"
    if not EMAIL.fullmatch(email) or len(email) > 320:
        errors["email"] = "Enter an e-mail address like name@agency.example"
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter the person's name (at most 200 characters)"
    bad_roles = [r for r in roles if r not in Role.__members__.values()]
    if not roles or bad_roles:
        errors["role"] = f"Role must be one of: {', '.join(r.value for r in Role)}"
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None
    user = User(agency_id=agency.id, email=email, name=name.strip(), roles=list(roles),
                active=True, created_at=now)
    user.agency = agency
    session.add(user)
    session.flush()
    record(session, actor, "user.add", now=now, object_type="user", object_id=user.id,
           details={"agency": agency.code, "roles": list(roles)})
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, actor: Actor, *, user: User, days: int, now: datetime
) -> tuple[ApiToken, str]:
    """Issue a bearer token; the secret is returned once and only its SHA-256 is kept."""
    if not 1 <= days <= 366:
        raise ValidationFailed({"days": "A token lasts between 1 and 366 days"})
    if not user.active:
        raise ValidationFailed({"user": "That person is deactivated"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=hash_token(secret), prefix=secret[:10],
                     created_at=now, expires_at=now + timedelta(days=days))
    session.add(token)
    session.flush()
    record(session, actor, "token.create", now=now, object_type="api_token", object_id=token.id,
           details={"user": str(user.id), "days": days})
    return token, secret


# One round trip: the token's checks are in the query, and the person comes with their agency.
_USER_BY_TOKEN = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        User.active.is_(True),
    )
)


def user_for_token(session: Session, secret: str, *, now: datetime) -> User | None:
    """The active user a live, unrevoked token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return session.scalar(_USER_BY_TOKEN, {"token_hash": hash_token(secret), "now": now})


def find_user(session: Session, reference: str) -> User:
    """For operators at the command line: a person by id, or by e-mail when that is unambiguous."""
    try:
        user_id = uuid.UUID(reference)
    except ValueError:
        return find_user_by_email(session, reference)
    person = session.get(User, user_id)
    if person is None:
        raise NotFound(f"No user with id {user_id}")
    return person


def find_user_by_email(session: Session, email: str) -> User:
    """For operators at the command line only; sign-in never matches on e-mail (invariant 3)."""
    users = list(session.scalars(select(User).where(User.email == email)))
    if not users:
        raise NotFound(f"No user with e-mail {email}")
    if len(users) > 1:
        raise Conflict(f"{len(users)} users share the e-mail {email}; name the person by their id")
    return users[0]


def deactivate_user(session: Session, actor: Actor, user_id: uuid.UUID, now: datetime) -> User:
    """Deactivate a person at once: their bearer tokens are revoked and their sessions end.

    Nothing is deleted (the audit trail still names them); deactivating twice changes nothing.
    """
    person = session.get(User, user_id)
    if person is None:
        raise NotFound("No such user")
    if not person.active:
        return person
    person.active = False
    person.deactivated_at = now
    revoked = cast(CursorResult[Any], session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )).rowcount
    ended = end_user_sessions(session, actor, person.id, reason=EndReason.USER_DEACTIVATED, now=now)
    session.flush()
    record(session, actor, "user.deactivate", now=now, object_type="user", object_id=person.id,
           details={"agency": person.agency.code, "tokens_revoked": revoked, "sessions_ended": ended})
    return person


def set_roles(
    session: Session, actor: Actor, user_id: uuid.UUID, roles: Sequence[str], *, now: datetime
) -> User:
    """Set a person's hub roles by hand (`hub user roles`, DESIGN.md §3: service accounts); audited
    with the old and new roles. A provider with a `role_claim` sets them again at each sign-in."""
    known = [r.value for r in Role]
    if not roles or any(not r for r in roles):
        raise ValidationFailed({"roles": f"Give one or more roles separated by commas: {', '.join(known)}"})
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationFailed({"roles": f"{', '.join(map(repr, unknown))} is not a hub role; "
                                         f"the roles are {', '.join(known)}"})
    person = session.get(User, user_id)
    if person is None:
        raise NotFound("No such user")
    wanted = list(dict.fromkeys(roles))
    old = list(person.roles)
    if wanted == old:
        return person
    person.roles = wanted
    session.flush()
    record(session, actor, "user.roles_set", now=now, object_type="user", object_id=person.id,
           details={"agency": person.agency.code, "old": old, "new": wanted})
    return person


def revoke_token(session: Session, actor: Actor, token_id: int, *, now: datetime) -> None:
    """Revoke a bearer token at once; revoking it again changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token")
    if token.revoked_at is not None:
        return
    token.revoked_at = now
    session.flush()
    record(session, actor, "token.revoke", now=now, object_type="api_token", object_id=token_id,
           details={"user": str(token.user_id)})
