"""The sharing package's panels: on the dashboard, the agency's cases whose crisis plan is past
its review date (nothing when there are none); on the case page, the latest version's level,
date and next review, with the way to the plan or to write one.

Neither reads a plan's content: the level, dates and version are kept in the clear for this, so
the panels ask one indexed query each and audit nothing.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.cases.models import Case
from hub.web.panels import Panel
from sharing import forms
from sharing.services import risk_summaries as risk_services

# The dashboard lists the longest overdue first, this many at most.
SHOWN = 20


def dashboard_panel(db: Session, user: User) -> Panel | None:
    if not has_permission(user, Permission.RISK_SUMMARY_READ):
        return None
    today = context.today()
    overdue = risk_services.overdue_plans(db, user, today=today, limit=SHOWN)
    if not overdue:
        return None
    return Panel("sharing/_dashboard_panel.html", {
        "plans": [{"case_ref": p.case_ref, "next_review": forms.long_date(p.next_review),
                   "version": p.version, "url": url_for("sharing.risk_summary", case_id=p.case_id)}
                  for p in overdue],
    })


def case_panel(db: Session, user: User, case: Case) -> Panel | None:
    if not has_permission(user, Permission.RISK_SUMMARY_READ):
        return None
    today = context.today()
    latest = risk_services.latest_info(db, case.id)
    return Panel("sharing/_case_panel.html", {
        "case": case, "latest": latest, "forms": forms,
        "overdue": latest is not None and latest.review_overdue(today),
        "may_write": has_permission(user, Permission.RISK_SUMMARY_WRITE),
    })
