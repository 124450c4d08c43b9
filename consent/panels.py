"""The consent package's dashboard panel: for IG, how many decisions await their review; for
anyone who records decisions, the concerns IG raised about their own; and the way to the
agreements register (and the report, for those who may read it).

At most two indexed queries, and none for a role the panel does not concern: the dashboard is
the page everyone opens first.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from consent.services import reviews as review_services
from hub.access import Permission, has_permission
from hub.agencies.models import Role, User
from hub.web.panels import Panel

TEMPLATE = "consent/admin/panel.html"
# Roles shown the panel even with nothing waiting for them: leads and IG look after their
# agency's sharing, administrators keep the agreements register.
ALWAYS_SHOWN = (Role.LEAD, Role.IG, Role.ADMIN)


def dashboard_panel(db: Session, user: User) -> Panel | None:
    reviewer = has_permission(user, Permission.DISCLOSURE_REVIEW)
    awaiting = review_services.queue_length(db, user) if reviewer else None
    concerns = (review_services.concerns_for(db, user, limit=10)
                if has_permission(user, Permission.DISCLOSURE_RECORD) else [])
    if not concerns and not user.has_role(*ALWAYS_SHOWN):
        return None
    shown: list[dict[str, Any]] = [
        {"case_ref": c.case_ref, "reviewed_at": c.reviewed_at,
         "url": url_for("consent.decision_page", case_id=c.case_id, decision_id=c.decision_id)}
        for c in concerns
    ]
    return Panel(TEMPLATE, {"awaiting": awaiting, "concerns": shown,
                            "report": has_permission(user, Permission.DISCLOSURE_REPORT)})
