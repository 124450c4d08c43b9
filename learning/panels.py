"""The learning package's dashboard panels: the way to record an incident or near miss and to the
reviews the person may see, how much feedback waits for them to read, and for a lead or manager
how many of their agency's incidents and near misses await review; the actions from reviews the
person's agency owns in a role of theirs; and the way to the partnership report for those who
read it.

The figures name nobody: not audited, so a dashboard view leaves no audit row; the pages they
lead to audit their reads.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.web.panels import Panel
from learning.services.pages import review_figures


def dashboard_panel(db: Session, user: User) -> Panel | None:
    may_read = has_permission(user, Permission.REVIEW_READ)
    if not may_read and not has_permission(user, Permission.REVIEW_ACTION_UPDATE):
        return None
    figures = review_figures(db, user, policy=context.state().settings.policy, today=context.today())
    if not may_read and not figures.actions_open:
        return None  # information governance, with no action from a review to do
    return Panel("learning/_dashboard_panel.html", {
        "may_read": may_read, "may_raise": has_permission(user, Permission.REVIEW_RAISE),
        "actions_open": figures.actions_open, "actions_overdue": figures.actions_overdue,
        "reviewer": has_permission(user, Permission.REVIEW_CONDUCT),
        "feedback_to_read": figures.feedback_to_read, "awaiting_review": figures.awaiting_review,
        "clocks_overdue": figures.clocks_overdue,
    })


def report_panel(db: Session, user: User) -> Panel | None:
    """The way to the partnership report, for those who read it (leads, managers, IG, auditors)."""
    del db  # a link only: no figure is worked out for the dashboard
    if not has_permission(user, Permission.PARTNERSHIP_REPORT):
        return None
    return Panel("learning/_report_panel.html", {})
