"""Your agency's named safeguarding leads (DOMAIN.md §11): who they are today, for everyone signed
in to the agency, and the deputies named for the days a lead is away; for a lead, the form that
names a deputy and the button that ends a deputy's days.

Naming and ending go through the lead services, which refuse anyone but a lead (403) and a deputy
of another agency (404) and audit each change. A form that breaks a rule is shown again, 422,
with the GOV.UK error summary and what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from concerns import forms
from concerns.services import leads
from concerns.services import pages as page_services
from hub import context
from hub.access import Permission, has_permission, requires
from hub.agencies.models import Role
from hub.errors import ValidationFailed
from hub.web.forms import long_date
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal

lead_pages = Blueprint("concerns_leads", __name__)

_ORDER = ("user_id", "starts", "ends")
_DONE = {"named": "Deputy named", "ended": "The deputy's days have been ended"}


def _leads_page(answers: Mapping[str, str], errors: Mapping[str, str], status: int = 200,
                done: str | None = None) -> Response:
    user, db, today = context.signed_in(), context.db(), context.today()
    may_manage = has_permission(user, Permission.DEPUTY_MANAGE) and user.has_role(Role.LEAD)
    return page("concerns/leads.html", status, leads=leads.named_leads(db, user.agency_id, today=today),
                deputies=leads.deputies(db, user.agency_id, today=today), may_manage=may_manage,
                people=page_services.deputy_candidates(db, user.agency_id) if may_manage else [],
                answers=answers, errors=errors, error_list=forms.ordered(errors, _ORDER), done=done,
                long_date=long_date, today=today)


@lead_pages.get("/agency/leads")
@requires(Permission.SIGNED_IN)
def leads_page() -> ResponseReturnValue:
    return _leads_page({}, {}, done=_DONE.get(request.args.get("done") or ""))


@lead_pages.post("/agency/leads/deputies")
@requires(Permission.DEPUTY_MANAGE)
def name_deputy() -> ResponseReturnValue:
    answers = forms.deputy_answers(request.form)
    person, starts, ends, problems = forms.deputy_from_answers(answers)
    try:
        leads.name_deputy(context.db(), context.actor(), user_id=person, starts=starts, ends=ends,
                          today=context.today(), now=context.now())
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
    if problems:
        # Nothing is written (the request rolls back on 422); the page shows what was typed.
        return _leads_page(answers, problems, 422)
    return see_other("concerns_leads.leads_page", done="named")


@lead_pages.post("/agency/leads/deputies/<uuid:deputy_id>/end")
@requires(Permission.DEPUTY_MANAGE)
def end_deputy(deputy_id: uuid.UUID) -> ResponseReturnValue:
    with audited_refusal("deputy", deputy_id):
        leads.end_deputy(context.db(), context.actor(), deputy_id, today=context.today(), now=context.now())
    return see_other("concerns_leads.leads_page", done="ended")
