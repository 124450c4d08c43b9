"""The meetings package's panels: on the dashboard, how many meetings the caller has in the
next seven days and the MAPPA reviews due on cases their agency leads (references and dates:
figures that name nobody, so not audited); on a MAPPA case's page, its category, level and
review (read through the MAPPA service, which checks membership and audits).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.cases.models import Case, CaseKind
from hub.web.panels import Panel
from meetings.rules import CRITERION_WORDS, KIND_WORDS, MAPPA_CATEGORIES, MAPPA_LEVELS
from meetings.services.mappa import get_mappa, reviews_due
from meetings.services.marac import is_coordinator, referral_of
from meetings.services.meetings import case_meetings, count_my_meetings

SHOWN = 5


def dashboard_panel(db: Session, user: User) -> Panel | None:
    if not has_permission(user, Permission.MEETING_READ):
        return None
    actor, now = context.actor(), context.now()
    return Panel("meetings/_dashboard_panel.html", {
        "week": count_my_meetings(db, actor, start=now, end=now + timedelta(days=7)),
        "coordinator": is_coordinator(actor, context.state().settings.policy),
        "reviews": reviews_due(db, actor, limit=SHOWN),
    })


def meetings_panel(db: Session, user: User, case: Case) -> Panel | None:
    """The case's meetings, latest first (the next few to come and the last few held), and the way
    to convene one."""
    if not has_permission(user, Permission.MEETING_READ):
        return None
    return Panel("meetings/_case_meetings_panel.html", {
        "case": case, "meetings": case_meetings(db, case, now=context.now()),
        "kind_words": {k.value: v for k, v in KIND_WORDS.items()},
        "may_convene": has_permission(user, Permission.MEETING_CONVENE),
    })


def referral_panel(db: Session, user: User, case: Case) -> Panel | None:
    """A MARAC case's referral criteria, and for its referring agency the way to record them."""
    if case.kind != CaseKind.MARAC or not has_permission(user, Permission.CASE_READ):
        return None
    return Panel("meetings/_referral_panel.html", {
        "case": case, "referral": referral_of(db, context.actor(), case),
        "criterion_words": {k.value: v for k, v in CRITERION_WORDS.items()},
        "may_refer": has_permission(user, Permission.MARAC_REFER) and user.agency_id == case.lead_agency_id,
    })


def case_panel(db: Session, user: User, case: Case) -> Panel | None:
    if case.kind != CaseKind.MAPPA or not has_permission(user, Permission.CASE_READ):
        return None
    found = get_mappa(db, context.actor(), case.id, now=context.now())
    return Panel("meetings/_mappa_panel.html", {
        "case": case, "mappa": found, "categories": MAPPA_CATEGORIES, "levels": MAPPA_LEVELS,
        "may_set": has_permission(user, Permission.MAPPA_MANAGE) and user.agency_id == case.lead_agency_id,
    })
