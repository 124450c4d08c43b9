"""The access policy, in one place (invariant 2).

Every route declares a permission with :func:`requires`; a request hook refuses any endpoint
without one. Roles grant permissions; case-scoped permissions additionally need the caller's
agency to be a *current* member of the case, and a non-member is told 404, never 403.
Administrators and auditors hold no case-content permission at all.

Permissions are named ``<scope>:<resource>:<action>`` (as warehouse's
``warehouse/authnz/_permissions.py``):

- *scope* says how far the permission reaches, and so what is checked besides the role:
  ``account`` the caller's own account; ``cases`` the case register as a whole (the services
  narrow what it returns to the caller's agency); ``case`` one case, which also needs the
  caller's agency to be a current member of it, or its lead agency, as :data:`CASE_SCOPE`
  says (refused with 404: existence is never disclosed); ``audit`` the audit trail.
- *resource* is what within that scope: ``self``, ``own``, ``any``, ``content``, ``members``,
  ``events``, ``audit``, and a domain package's own nouns (``consents``, ``disclosures``...).
- *action* is the verb: ``read``, ``list``, ``create``, ``manage``, ``write``...

``public`` alone has no parts: no sign-in at all. A new case-scoped permission is one line in
:class:`Permission`, one in :data:`CASE_SCOPE`, and its grants in :data:`ROLE_PERMISSIONS`.
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
    CASE_READ = "case:content:read"
    CASE_MEMBERS_MANAGE = "case:members:manage"
    CASE_AUDIT_READ = "case:audit:read"  # one case's trail, as a member agency's lead or IG
    AUDIT_READ = "audit:events:read"  # the audit endpoint
    AUDIT_ANY_CASE = "audit:cases:read"  # any case's (content-free) trail, without membership
    # consent (DOMAIN.md §6): a case's consent records and disclosure decisions
    CONSENT_READ = "case:consents:read"
    CONSENT_RECORD = "case:consents:create"
    DISCLOSURE_READ = "case:disclosures:read"
    DISCLOSURE_RECORD = "case:disclosures:create"
    # The deciding agency's IG reviews its decisions made without consent.
    DISCLOSURE_REVIEW = "agency:disclosures:review"
    # Figures only, no personal data: the disclosure report.
    DISCLOSURE_REPORT = "reports:disclosures:read"
    # The information-sharing agreements register: everyone reads, administrators write.
    AGREEMENT_READ = "agreements:any:read"
    AGREEMENT_MANAGE = "agreements:any:manage"
    # sharing (DOMAIN.md §7): a case's risk summary and crisis plan, in versions
    RISK_SUMMARY_READ = "case:risk-summaries:read"
    RISK_SUMMARY_WRITE = "case:risk-summaries:create"
    # sharing (DOMAIN.md §8): cross-agency actions; the status is the assigned or lead agency's
    ACTION_READ = "case:actions:read"
    ACTION_CREATE = "case:actions:create"
    ACTION_UPDATE = "case:actions:update"
    ACTION_LIST = "actions:own:list"  # the caller's agency's actions across its cases
    # Professional challenge of another member agency's action, and its escalation ladder
    CHALLENGE_RAISE = "case:challenges:create"
    CHALLENGE_READ = "case:challenges:read"
    CHALLENGE_RESOLVE = "case:challenges:resolve"
    CHALLENGE_LIST = "challenges:own:list"
    # meetings (DOMAIN.md §2-5): convened about cases the agency is a member of; each meeting is
    # seen by the agencies of its cases, its organiser and the people invited (services check)
    MEETING_CONVENE = "meetings:any:create"
    MEETING_READ = "meetings:own:read"
    # A MAPPA case's category and level (DOMAIN.md §5): set by its lead agency
    MAPPA_MANAGE = "case:mappa:update"
    # A MARAC case's referral criteria (DOMAIN.md §4): recorded by its lead (referring) agency
    MARAC_REFER = "case:marac-referral:update"
    # concerns (DOMAIN.md §11): raised by any practitioner for the agency's named leads, who
    # triage them (services check who is a named lead: a lead, or a deputy named for the day)
    CONCERN_RAISE = "concerns:own:create"
    CONCERN_READ = "concerns:own:read"
    CONCERN_TRIAGE = "concerns:own:triage"
    DEPUTY_MANAGE = "agency:deputies:manage"
    # Daily wellbeing observations on a case, where the agency has agreed daily observation
    OBSERVATION_READ = "case:observations:read"
    OBSERVATION_RECORD = "case:observations:create"
    OBSERVATION_PLAN = "case:observation-plan:update"
    # The alerts their thresholds raise, to the observing agency's named leads (then managers)
    ALERT_READ = "alerts:own:read"
    ALERT_ACKNOWLEDGE = "alerts:own:acknowledge"
    # Supervision focused on risk: a case's allocated practitioner (its member agencies each
    # allocate their own), and sessions recorded and reviewed by the agency's managers and leads
    CASE_ALLOCATE = "case:allocation:update"
    SUPERVISION_RECORD = "supervision:own:create"
    SUPERVISION_READ = "supervision:own:read"
    # Reviews (DOMAIN.md §9): anyone raises an incident or near miss and reads what they raised;
    # the leads and managers of an agency involved review it, run SARs and CSPRs, give feedback.
    REVIEW_RAISE = "reviews:any:create"
    REVIEW_READ = "reviews:own:read"
    REVIEW_CONDUCT = "reviews:agency:conduct"
    # An action of a review's plan is worked by the owning agency's holders of its role.
    REVIEW_ACTION_UPDATE = "reviews:actions:update"
    # The partnership report (DOMAIN.md §11): aggregates only, for leads, managers, IG, auditors.
    PARTNERSHIP_REPORT = "reports:partnership:read"


class CaseScope(enum.StrEnum):
    """What a case-scoped permission needs of the caller's agency, besides the role."""

    MEMBER = "member"  # a current member of the case
    LEAD = "lead"  # a current member and the case's lead agency


# The case-scoped permissions. visible_case and may_read_case_audit read this table; a
# non-member is told 404, a member short of the scope 403 (it already knows the case exists).
CASE_SCOPE: dict[Permission, CaseScope] = {
    Permission.CASE_READ: CaseScope.MEMBER,
    Permission.CASE_MEMBERS_MANAGE: CaseScope.LEAD,
    Permission.CASE_AUDIT_READ: CaseScope.MEMBER,
    Permission.CONSENT_READ: CaseScope.MEMBER,
    Permission.CONSENT_RECORD: CaseScope.MEMBER,
    Permission.DISCLOSURE_READ: CaseScope.MEMBER,
    Permission.DISCLOSURE_RECORD: CaseScope.MEMBER,
    Permission.RISK_SUMMARY_READ: CaseScope.MEMBER,
    Permission.RISK_SUMMARY_WRITE: CaseScope.MEMBER,
    Permission.ACTION_READ: CaseScope.MEMBER,
    Permission.ACTION_CREATE: CaseScope.MEMBER,
    Permission.ACTION_UPDATE: CaseScope.MEMBER,
    Permission.CHALLENGE_RAISE: CaseScope.MEMBER,
    Permission.CHALLENGE_READ: CaseScope.MEMBER,
    Permission.CHALLENGE_RESOLVE: CaseScope.MEMBER,
    Permission.MAPPA_MANAGE: CaseScope.LEAD,
    Permission.MARAC_REFER: CaseScope.LEAD,
    Permission.OBSERVATION_READ: CaseScope.MEMBER,
    Permission.OBSERVATION_RECORD: CaseScope.MEMBER,
    Permission.OBSERVATION_PLAN: CaseScope.MEMBER,
    Permission.CASE_ALLOCATE: CaseScope.MEMBER,
}


CASE_WORK = frozenset(
    {
        Permission.SIGNED_IN,
        Permission.CASE_LIST,
        Permission.CASE_CREATE,
        Permission.CASE_READ,
        Permission.CASE_MEMBERS_MANAGE,
        Permission.CONSENT_READ,
        Permission.CONSENT_RECORD,
        Permission.DISCLOSURE_READ,
        Permission.DISCLOSURE_RECORD,
        Permission.AGREEMENT_READ,
        Permission.RISK_SUMMARY_READ,
        Permission.RISK_SUMMARY_WRITE,
        Permission.ACTION_READ,
        Permission.ACTION_CREATE,
        Permission.ACTION_UPDATE,
        Permission.ACTION_LIST,
        Permission.CHALLENGE_RAISE,
        Permission.CHALLENGE_READ,
        Permission.CHALLENGE_RESOLVE,
        Permission.CHALLENGE_LIST,
        Permission.MEETING_CONVENE,
        Permission.MEETING_READ,
        Permission.MAPPA_MANAGE,
        Permission.MARAC_REFER,
        Permission.CONCERN_RAISE,
        Permission.CONCERN_READ,
        Permission.CONCERN_TRIAGE,
        Permission.OBSERVATION_READ,
        Permission.OBSERVATION_RECORD,
        Permission.OBSERVATION_PLAN,
        Permission.ALERT_READ,
        Permission.ALERT_ACKNOWLEDGE,
        Permission.CASE_ALLOCATE,
        Permission.REVIEW_RAISE,
        Permission.REVIEW_READ,
        Permission.REVIEW_ACTION_UPDATE,
    }
)
SUPERVISING = frozenset({Permission.SUPERVISION_RECORD, Permission.SUPERVISION_READ,
                         # reviewing incidents and running the statutory reviews is managers' work
                         Permission.REVIEW_CONDUCT})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: CASE_WORK,
    Role.MANAGER: CASE_WORK | SUPERVISING | {Permission.DISCLOSURE_REPORT, Permission.PARTNERSHIP_REPORT},
    Role.LEAD: CASE_WORK | SUPERVISING | {Permission.AUDIT_READ, Permission.CASE_AUDIT_READ,
                                          Permission.DISCLOSURE_REPORT, Permission.DEPUTY_MANAGE,
                                          Permission.PARTNERSHIP_REPORT},
    Role.IG: frozenset(
        {Permission.SIGNED_IN, Permission.CASE_LIST, Permission.CASE_READ, Permission.AUDIT_READ,
         Permission.CASE_AUDIT_READ, Permission.CONSENT_READ, Permission.DISCLOSURE_READ,
         Permission.DISCLOSURE_REVIEW, Permission.DISCLOSURE_REPORT, Permission.AGREEMENT_READ,
         Permission.RISK_SUMMARY_READ, Permission.ACTION_READ, Permission.PARTNERSHIP_REPORT,
         Permission.REVIEW_ACTION_UPDATE}
    ),
    Role.ADMIN: frozenset({Permission.SIGNED_IN, Permission.AGREEMENT_READ, Permission.AGREEMENT_MANAGE}),
    Role.AUDITOR: frozenset({Permission.SIGNED_IN, Permission.AUDIT_READ, Permission.AUDIT_ANY_CASE,
                             Permission.DISCLOSURE_REPORT, Permission.AGREEMENT_READ,
                             Permission.PARTNERSHIP_REPORT}),
}

# Permissions whose refusal must not reveal that the object exists.
CASE_SCOPED = frozenset(CASE_SCOPE)

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
)
# A case page and the case read show the members: they load them in the same round trip (loading
# them as objects is about 40% of the access check on SQLite, which the other reads do not need).
_VISIBLE_CASE_WITH_MEMBERS = _VISIBLE_CASE.options(joinedload(Case.memberships))


def case_scope(permission: Permission) -> CaseScope:
    """What the permission needs of the caller's agency on a case (:data:`CASE_SCOPE`)."""
    try:
        return CASE_SCOPE[permission]
    except KeyError:
        raise ValueError(f"{permission} is not case-scoped") from None


def visible_case(session: Session, user: User, case_id: uuid.UUID, permission: Permission, *,
                 members: bool = False) -> Case:
    """Fetch a case the user may act on, or raise NotFound: existence is never disclosed.

    Case-scoped permissions need the role *and* the case scope of :data:`CASE_SCOPE`: current
    membership of the user's agency, and for ``LEAD`` its being the case's lead agency (403).
    ``members`` loads the case's memberships with it, for a caller that shows them (without it
    they load when first read).
    """
    scope = case_scope(permission)
    row = None
    if has_permission(user, permission):
        params = {"case_id": case_id, "agency_id": user.agency_id}
        row = (session.execute(_VISIBLE_CASE_WITH_MEMBERS, params).unique().first() if members
               else session.execute(_VISIBLE_CASE, params).first())
    if row is None:
        _note_refused_case(session, case_id)
        raise NotFound("No such case")
    case, is_lead = row
    if scope is CaseScope.LEAD and not (is_lead and case.lead_agency_id == user.agency_id):
        _note_refused_case(session, case_id)
        raise Forbidden("Only the lead agency of this case can do this")
    return case


# Where the policy notes the cases it refused, for the request to audit once the refusal has
# rolled its transaction back (invariant 5: probing for case ids leaves a trace). Kept on the
# session, not the transaction, so the rollback does not take it away.
_REFUSED_CASES = "hub.access.refused_cases"


def _note_refused_case(session: Session, case_id: uuid.UUID) -> None:
    refused = session.info.setdefault(_REFUSED_CASES, [])
    if case_id not in refused:
        refused.append(case_id)


def note_refused_case(session: Session, case_id: uuid.UUID) -> None:
    """For services refusing something of a case outside :func:`visible_case` (another agency's
    decision, say): the request audits the refusal as it audits the policy's own."""
    _note_refused_case(session, case_id)


def take_refused_cases(session: Session) -> list[uuid.UUID]:
    """The case ids the policy refused in this session since last asked, in order."""
    return list(session.info.pop(_REFUSED_CASES, []))


def may_read_case_audit(session: Session, user: User, case_id: uuid.UUID) -> bool:
    """Auditors read any case's (content-free) audit trail; leads and IG only the trail of a
    case within the scope of ``case:audit:read`` (:data:`CASE_SCOPE`)."""
    if not has_permission(user, Permission.AUDIT_READ):
        return False
    if has_permission(user, Permission.AUDIT_ANY_CASE):
        return True
    scope = case_scope(Permission.CASE_AUDIT_READ)
    if not has_permission(user, Permission.CASE_AUDIT_READ):
        return False
    membership = current_membership(session, case_id, user.agency_id)
    if membership is None:
        _note_refused_case(session, case_id)
        return False
    return scope is CaseScope.MEMBER or membership.is_lead
