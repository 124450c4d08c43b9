"""The concerns package's panels. On the dashboard: the way to raise a concern; for a named lead,
how many concerns await triage and how many of those are overdue; for named leads and managers,
how many alerts are open and escalated; the way to the agency's named leads. On a case's page:
the way to raise a concern about its person, and whether the caller's agency has agreed daily
observation of it, with the way to agree or end it, to record one and to the chart, and (for
named leads and managers) the agency's latest alerts on the case; who the caller's agency has
allocated the case to, with the form that allocates it. For managers and leads, on the
dashboard: how many discussions are overdue in supervision.

Counts, case references and thresholds' names are figures that name nobody: not audited, so a
dashboard view leaves no audit row; the pages they lead to audit their reads.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from concerns.services import alerts, observations, supervision
from concerns.services.concerns import Awaiting, awaiting_count
from concerns.services.leads import is_named_lead
from concerns.services.supervision_pages import allocation_candidates
from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import Role, User
from hub.cases.models import Case
from hub.web.panels import Panel

SHOWN = 5


def dashboard_panel(db: Session, user: User) -> Panel | None:
    if not has_permission(user, Permission.CONCERN_READ):
        return None
    actor, now = context.actor(), context.now()
    lead = is_named_lead(db, user, today=context.today())
    waiting = awaiting_count(db, actor, now=now) if lead else Awaiting(0, 0, 0)
    sees_alerts = has_permission(user, Permission.ALERT_READ) and (lead or user.has_role(Role.MANAGER))
    open_alerts, escalated = alerts.open_alert_count(db, user.agency_id) if sees_alerts else (0, 0)
    return Panel("concerns/_dashboard_panel.html", {
        "may_raise": has_permission(user, Permission.CONCERN_RAISE), "lead": lead,
        "awaiting": waiting.total, "overdue": waiting.overdue, "immediate_risk": waiting.immediate_risk,
        "sees_alerts": sees_alerts,
        "open_alerts": open_alerts, "escalated": escalated,
    })


def supervision_panel(db: Session, user: User) -> Panel | None:
    """For the agency's managers and leads: how many allocated cases are overdue for discussion."""
    if not (has_permission(user, Permission.SUPERVISION_READ) and user.has_role(Role.MANAGER, Role.LEAD)):
        return None
    overdue = supervision.overdue_count(db, context.actor(), policy=context.state().settings.policy,
                                        now=context.now())
    return Panel("concerns/_supervision_dashboard_panel.html", {"overdue": overdue})


def concern_panel(db: Session, user: User, case: Case) -> Panel | None:
    """The way to raise a concern about the case's person."""
    if not has_permission(user, Permission.CONCERN_RAISE):
        return None
    return Panel("concerns/_concern_case_panel.html", {"case": case})


def observation_panel(db: Session, user: User, case: Case) -> Panel | None:
    """The caller's agency's daily observation of the case, and its latest alerts on it."""
    if not has_permission(user, Permission.OBSERVATION_READ):
        return None
    actor, now = context.actor(), context.now()
    plan = observations.plan_of(db, actor, case.id)
    policy = context.state().settings.policy
    sees_alerts = has_permission(user, Permission.ALERT_READ) and \
        alerts.may_see_alerts(db, user, policy=policy, now=now)
    return Panel("concerns/_observation_case_panel.html", {
        "case": case, "plan": plan,
        "may_plan": has_permission(user, Permission.OBSERVATION_PLAN),
        "may_record": has_permission(user, Permission.OBSERVATION_RECORD),
        "alerts": alerts.case_alerts(db, case.id, user.agency_id, limit=SHOWN) if sees_alerts else [],
        "sees_alerts": sees_alerts,
    })


def allocation_panel(db: Session, user: User, case: Case) -> Panel | None:
    """Who the caller's agency has allocated the case to, and the form that allocates it."""
    if not has_permission(user, Permission.CASE_READ):
        return None
    allocation = supervision.allocation_of(db, context.actor(), case.id)
    may_allocate = has_permission(user, Permission.CASE_ALLOCATE)
    return Panel("concerns/_allocation_case_panel.html", {
        "case": case, "allocation": allocation, "may_allocate": may_allocate,
        "people": allocation_candidates(db, user.agency_id) if may_allocate else [],
        "answers": {"allocate_to": str(allocation.user_id) if allocation else ""},
    })
