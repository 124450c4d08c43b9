"""The case page: one case, its subject and its member agencies (the read is audited)."""

from __future__ import annotations

import uuid

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.cases import services
from hub.web.panels import case_panels

cases = Blueprint("cases", __name__)


@cases.get("/cases/<uuid:case_id>")
@requires(Permission.CASE_READ)
def case_page(case_id: uuid.UUID) -> ResponseReturnValue:
    case, subject = services.open_case(
        context.db(), context.actor(), case_id, envelope=context.state().envelope,
        now=context.now(),
    )
    user = context.user()
    assert user is not None
    # The flags the caller may see ("repeat" depends on who asks; case.flags never holds it).
    flags = services.case_flags(context.db(), user, [case])[case.id]
    return render_template("cases/case.html", case=case, subject=subject, flags=flags,
                           panels=case_panels(context.db(), user, case))
