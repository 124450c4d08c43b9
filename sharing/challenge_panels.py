"""The dashboard panel of professional challenge: open challenges raised by or about the user's
agency, soonest deadline first, with their stage (figures and references only, no content)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.web.panels import Panel
from sharing import action_forms as forms
from sharing.services import challenges as challenge_services

SHOWN = 5


def dashboard_panel(db: Session, user: User) -> Panel | None:
    if not has_permission(user, Permission.CHALLENGE_LIST):
        return None
    found = challenge_services.open_challenges_for(db, user, limit=SHOWN + 1)
    if not found:
        return None
    today = context.today()
    return Panel("sharing/challenges/_dashboard_panel.html", {
        "challenges": [{"case_ref": c.case_ref, "stage": c.stage, "deadline": forms.long_date(c.deadline),
                        "late": c.deadline < today, "raised_by": c.raised_by_agency,
                        "against": c.against_agency, "ours": c.against_agency == user.agency.code,
                        "url": url_for("sharing_challenges.challenge_page", challenge_id=c.id)}
                       for c in found[:SHOWN]],
        "more": len(found) > SHOWN,
        "list_url": url_for("sharing_challenges.my_challenges"),
    })
