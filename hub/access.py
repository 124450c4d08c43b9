"""The access policy, in one place (invariant 2).

Every route declares a permission with :func:`requires`; a request hook refuses any endpoint
without one. Roles grant permissions; case-scoped permissions additionally need the caller's
agency to be a *current* member of the case, and a non-member is told 404, never 403.
Administrators and auditors hold no case-content permission at all.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from hub.agencies.models import Role, User
from hub.cases.models import Case, CaseMembership
from hub.errors import Forbidden, NotFound


class Permission(enum.StrEnum):
    PUBLIC = "public"  # no sign-in (health check, sign-in pages, static assets)
    SIGNED_IN = "account:self:read"  # any signed-in person, about themselves
    CASE_LIST = "cases:own:list"
    CASE_CREATE = "cases:any:create"
    CASE_READ = "case:content:read"  # case-scoped: current member agency only
    CASE_MEMBERS_MANAGE = "case:members:manage"  # case-scoped: lead agency only
    AUDIT_READ = "audit:events:read"


CASE_WORK = frozenset(
    {
        Permission.SIGNED_IN,
        Permission.CASE_LIST,
        Permission.CASE_CREATE,
        Permission.CASE_READ,
        Permission.CASE_MEMBERS_MANAGE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: CASE_WORK,
    Role.MANAGER: CASE_WORK,
    Role.LEAD: CASE_WORK | {Permission.AUDIT_READ},
    Role.IG: frozenset(
        {Permission.SIGNED_IN, Permission.CASE_LIST, Permission.CASE_READ, Permission.AUDIT_READ}
    ),
    Role.ADMIN: frozenset({Permission.SIGNED_IN}),
    Role.AUDITOR: frozenset({Permission.SIGNED_IN, Permission.AUDIT_READ}),
}

# Permissions whose refusal must not reveal that the object exists.
CASE_SCOPED = frozenset({Permission.CASE_READ, Permission.CASE_MEMBERS_MANAGE})

# Permissions that, in a signed-in browser session, need a sign-in at the provider within
# `policy.recent_auth_minutes` (issue 3, point 3); bearer tokens are exempt.
RECENT_SIGN_IN_REQUIRED = frozenset({Permission.CASE_MEMBERS_MANAGE})

PERMISSION_ATTR = "_hub_permission"
F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare the permission a view needs; undeclared views are refused by the request hook."""

    def decorate(view: F) -> F:
        setattr(view, PERMISSION_ATTR, permission)
        return view

    return decorate


def declared_permission(view: Callable[..., Any] | None) -> Permission | None:
    return getattr(view, PERMISSION_ATTR, None)


def permissions_of(user: User) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in user.roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(role)]
        except ValueError:
            continue  # an unknown role grants nothing
    return frozenset(granted)


def has_permission(user: User | None, permission: Permission) -> bool:
    if permission is Permission.PUBLIC:
        return True
    if user is None or not user.active:
        return False
    return permission in permissions_of(user)


def check(user: User, permission: Permission) -> None:
    """Refuse a permission the user's roles do not grant (404 for case-scoped, else 403)."""
    if not has_permission(user, permission):
        if permission in CASE_SCOPED:
            raise NotFound("No such case")
        raise Forbidden("Your role does not allow this")


def current_membership(session: Session, case_id: uuid.UUID, agency_id: int) -> CaseMembership | None:
    return session.scalars(
        select(CaseMembership).where(
            CaseMembership.case_id == case_id,
            CaseMembership.agency_id == agency_id,
            CaseMembership.removed_at.is_(None),
        )
    ).first()


# Built once: composing a statement costs more than running it on SQLite (hot paths reuse theirs).
_VISIBLE_CASE = (
    select(Case, CaseMembership.is_lead)
    .join(CaseMembership, CaseMembership.case_id == Case.id)
    .where(
        Case.id == bindparam("case_id"),
        CaseMembership.agency_id == bindparam("agency_id"),
        CaseMembership.removed_at.is_(None),
    )
    # Every case page shows the members: load them in the same round trip.
    .options(joinedload(Case.memberships))
)


def visible_case(session: Session, user: User, case_id: uuid.UUID, permission: Permission) -> Case:
    """Fetch a case the user may act on, or raise NotFound: existence is never disclosed.

    Case-scoped permissions need the role *and* current membership of the user's agency;
    managing membership additionally needs the agency to be the case's lead agency.
    """
    if permission not in CASE_SCOPED:
        raise ValueError(f"{permission} is not case-scoped")
    if not has_permission(user, permission):
        raise NotFound("No such case")
    row = (
        session.execute(_VISIBLE_CASE, {"case_id": case_id, "agency_id": user.agency_id})
        .unique()
        .first()
    )
    if row is None:
        raise NotFound("No such case")
    case, is_lead = row
    if permission is Permission.CASE_MEMBERS_MANAGE and not (
        is_lead and case.lead_agency_id == user.agency_id
    ):
        raise Forbidden("Only the lead agency can change who is a member of this case")
    return case


def may_read_case_audit(session: Session, user: User, case_id: uuid.UUID) -> bool:
    """Auditors read any case's (content-free) audit trail; leads and IG only their agency's cases."""
    if not has_permission(user, Permission.AUDIT_READ):
        return False
    if user.has_role(Role.AUDITOR):
        return True
    return current_membership(session, case_id, user.agency_id) is not None
