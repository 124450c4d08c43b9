"""The consent panel of the case page: the case's consents with their status, its disclosure
decisions with their outcome and corrections, and links to record either and to the membership
history. Shown to whoever may read the case's consents (the reads are audited)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consent import forms
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from hub import context
from hub.access import Permission, has_permission
from hub.agencies.models import User
from hub.cases.models import Case
from hub.web.panels import Panel

# The panel shows the latest few; the list pages show every one.
SHOWN = 10


def case_panel(db: Session, user: User, case: Case) -> Panel | None:
    if not (has_permission(user, Permission.CONSENT_READ)
            and has_permission(user, Permission.DISCLOSURE_READ)):
        return None
    envelope, now, actor = context.state().envelope, context.now(), context.actor()
    consents = consent_services.list_consents(db, actor, case.id, envelope=envelope, now=now,
                                              limit=SHOWN)
    decisions = decision_services.list_decisions(db, actor, case.id, envelope=envelope, now=now,
                                                 limit=SHOWN)
    return Panel("consent/_case_panel.html", {
        "case": case, "consents": consents, "decisions": decisions, "forms": forms,
        "may_record_consent": has_permission(user, Permission.CONSENT_RECORD),
        "may_record_decision": has_permission(user, Permission.DISCLOSURE_RECORD),
    })
