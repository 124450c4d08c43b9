"""The panels of cross-agency actions: on the dashboard, "my agency's open actions", soonest due
first so the overdue ones lead, with the way to the whole list; on the case page, how many of the
case's actions are open and how many of those are overdue, with the way to them.

Both go through the action services. The dashboard's list is audited when it shows actions (a
list of actions names what each agency is to do); the case page's counts are figures only.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.cases.models import Case
from hub.web.panels import Panel
from sharing import action_forms as forms
from sharing.rules import ActionStatus
from sharing.services import actions as action_services

# The dashboard shows this many; the list page shows every one.
SHOWN = 8


def dashboard_panel(db: Session, user: User) -> Panel | None:
    if not has_permission(user, Permission.ACTION_LIST):
        return None
    today = context.today()
    found = action_services.agency_actions(db, context.actor(), status=ActionStatus.OPEN,
                                           envelope=context.state().envelope, now=context.now(),
                                           limit=SHOWN + 1, audit_empty=False)
    return Panel("sharing/actions/_dashboard_panel.html", {
        "actions": [{"title": a.title, "case_ref": a.case_ref, "due": forms.long_date(a.due),
                     "overdue": a.overdue(today), "assignee": a.assignee,
                     "url": url_for("sharing_actions.action_page", action_id=a.id)}
                    for a in found[:SHOWN]],
        "more": len(found) > SHOWN,
        "list_url": url_for("sharing_actions.my_actions"),
    })


def case_panel(db: Session, user: User, case: Case) -> Panel | None:
    if not has_permission(user, Permission.ACTION_READ):
        return None
    today = context.today()
    counts = action_services.action_counts(db, case.id, today=today)
    return Panel("sharing/actions/_case_panel.html", {
        "case": case, "total": counts.total, "open": counts.open, "overdue": counts.overdue,
        "may_create": has_permission(user, Permission.ACTION_CREATE),
    })
