"""The sharing package's case pages: a case's risk summary and crisis plan, the form that writes
its next version (with check your answers, where fields that read as generic are named), every
version, one version, and what changed between two.

Every page goes through the risk-summary services, which check membership (404 for anyone else)
and audit each read of content. A form that breaks a rule is shown again, 422, with the GOV.UK
error summary and everything that was typed; a save that another version overtook is shown
again, 409, with everything typed. Nothing is written either way (the request rolls back on any
answer of 400 or more). The form's answers travel in the POST body, never in a URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, has_permission, requires, visible_case
from hub.cases.models import Case
from hub.errors import Conflict, ValidationFailed
from hub.web.pages import page, see_other
from sharing import forms
from sharing.rules import STAGE_LABELS, STAGES, RiskSummaryIn
from sharing.services import risk_summaries as risk_services

pages = Blueprint("sharing", __name__)

# What page 1's banner says after a save (the query flag carries no personal data).
_DONE = {"saved": "saved"}


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, today=context.today(), **values)


def _case(case_id: uuid.UUID, permission: Permission) -> Case:
    return visible_case(context.db(), context.signed_in(), case_id, permission)


def _stage_contacts(summary: RiskSummaryIn) -> list[tuple[str, list[Any]]]:
    """A version's contacts under each stage's label, stages in order, empty stages left out."""
    grouped = [(STAGE_LABELS[s], [c for c in summary.contacts if c.stage == s]) for s in STAGES]
    return [(label, found) for label, found in grouped if found]


# --- the latest version, and any one version --------------------------------------------------

def _version_page(case: Case, found: risk_services.Version, *, latest: risk_services.VersionInfo | None,
                  done: str | None = None) -> Response:
    return _page("sharing/summary.html", case=case, found=found, latest=latest, done=done,
                 contacts=_stage_contacts(found.summary),
                 may_write=has_permission(context.signed_in(), Permission.RISK_SUMMARY_WRITE))


@pages.get("/cases/<uuid:case_id>/risk-summary")
@requires(Permission.RISK_SUMMARY_READ)
def risk_summary(case_id: uuid.UUID) -> ResponseReturnValue:
    db = context.db()
    case = _case(case_id, Permission.RISK_SUMMARY_READ)
    if risk_services.latest_info(db, case.id) is None:
        return _page("sharing/none_yet.html", case=case,
                     may_write=has_permission(context.signed_in(), Permission.RISK_SUMMARY_WRITE))
    found = risk_services.read_version(db, context.actor(), case.id, None,
                                       envelope=context.state().envelope, now=context.now())
    return _version_page(case, found, latest=found.info, done=_DONE.get(request.args.get("done") or ""))


@pages.get("/cases/<uuid:case_id>/risk-summary/versions/<int:version>")
@requires(Permission.RISK_SUMMARY_READ)
def risk_summary_version(case_id: uuid.UUID, version: int) -> ResponseReturnValue:
    db = context.db()
    case = _case(case_id, Permission.RISK_SUMMARY_READ)
    found = risk_services.read_version(db, context.actor(), case.id, version,
                                       envelope=context.state().envelope, now=context.now())
    return _version_page(case, found, latest=risk_services.latest_info(db, case.id))


# --- every version, and two compared ---------------------------------------------------------

def _versions_page(case: Case, answers: Mapping[str, str], problems: Mapping[str, str],
                   status: int = 200) -> Response:
    found = risk_services.list_versions(context.db(), context.actor(), case.id, now=context.now(),
                                        limit=1000)
    if not answers and len(found) >= 2:
        answers = {"from": str(found[1].version), "to": str(found[0].version)}
    return _page("sharing/versions.html", status, case=case, versions=found, answers=answers,
                 errors=problems, error_list=[(n, problems[n]) for n in ("from", "to") if n in problems])


@pages.get("/cases/<uuid:case_id>/risk-summary/versions")
@requires(Permission.RISK_SUMMARY_READ)
def risk_summary_versions(case_id: uuid.UUID) -> ResponseReturnValue:
    return _versions_page(_case(case_id, Permission.RISK_SUMMARY_READ), {}, {})


def _version_number(raw: str, what: str) -> tuple[int | None, str | None]:
    text = raw.strip()
    if not text:
        return None, f"Choose the version to compare {what}"
    if not text.isdigit() or len(text) > 9 or int(text) < 1:
        return None, "Choose a version from the list"
    return int(text), None


@pages.get("/cases/<uuid:case_id>/risk-summary/compare")
@requires(Permission.RISK_SUMMARY_READ)
def risk_summary_compare(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _case(case_id, Permission.RISK_SUMMARY_READ)
    answers = {name: str(request.args.get(name) or "")[:20] for name in ("from", "to")}
    older, from_problem = _version_number(answers["from"], "from")
    newer, to_problem = _version_number(answers["to"], "with")
    problems = {name: message for name, message in (("from", from_problem), ("to", to_problem)) if message}
    if older is not None and newer is not None:
        try:
            before, after, rows = risk_services.compare_versions(
                context.db(), context.actor(), case.id, older, newer,
                envelope=context.state().envelope, now=context.now())
        except ValidationFailed as failed:
            problems = failed.errors
        else:
            return _page("sharing/compare.html", case=case, before=before, after=after, rows=rows)
    return _versions_page(case, answers, problems, 422)


# --- writing the next version -----------------------------------------------------------------

def _form_page(case: Case, answers: Mapping[str, Any], problems: Mapping[str, str], status: int = 200,
               conflict: str | None = None) -> Response:
    error_list = forms.ordered(problems)
    if conflict:
        error_list = [("conflict", conflict), *error_list]
    return _page("sharing/form.html", status, case=case, answers=answers, errors=problems,
                 error_list=error_list, conflict=conflict,
                 rows=forms.contacts_by_stage(answers.get("contacts") or []))


def _checked(case: Case, read: forms.Read) -> tuple[dict[str, str], dict[str, str]]:
    """The generic-content warnings of what the form describes, and every problem with it (what
    could not be read and what breaks the rules), keyed by the form's fields."""
    try:
        warnings = risk_services.check_summary(context.db(), context.actor(), case.id, read.summary,
                                               envelope=context.state().envelope, today=context.today())
    except ValidationFailed as failed:
        return {}, read.form_problems(failed.errors)
    return warnings, dict(read.problems)


@pages.get("/cases/<uuid:case_id>/risk-summary/new")
@requires(Permission.RISK_SUMMARY_WRITE)
def risk_summary_new(case_id: uuid.UUID) -> ResponseReturnValue:
    db = context.db()
    case = _case(case_id, Permission.RISK_SUMMARY_WRITE)
    answers = forms.empty_answers()
    if risk_services.latest_info(db, case.id) is not None:
        latest = risk_services.read_version(db, context.actor(), case.id, None,
                                            envelope=context.state().envelope, now=context.now())
        answers = forms.answers_from_summary(latest.summary, latest.info.version)
    return _form_page(case, answers, {})


@pages.post("/cases/<uuid:case_id>/risk-summary/new")
@requires(Permission.RISK_SUMMARY_WRITE)
def risk_summary_check(case_id: uuid.UUID) -> ResponseReturnValue:
    """The form's answers: shown again to change them, with their problems, or to be checked."""
    case = _case(case_id, Permission.RISK_SUMMARY_WRITE)
    answers = forms.summary_answers(request.form)
    if request.form.get("change") == "1":
        return _form_page(case, answers, {})
    read = forms.summary_from_answers(answers)
    warnings, problems = _checked(case, read)
    if problems:
        return _form_page(case, answers, problems, 422)
    return _page("sharing/check.html", case=case, answers=answers, summary=read.summary,
                 warnings=warnings, hidden=forms.hidden_fields(answers),
                 contacts=_stage_contacts(read.summary))


@pages.post("/cases/<uuid:case_id>/risk-summary")
@requires(Permission.RISK_SUMMARY_WRITE)
def risk_summary_save(case_id: uuid.UUID) -> ResponseReturnValue:
    db = context.db()
    case = _case(case_id, Permission.RISK_SUMMARY_WRITE)
    answers = forms.summary_answers(request.form)
    read = forms.summary_from_answers(answers)
    if read.problems:
        # Every problem at once: the rules' too, not only what could not be read.
        return _form_page(case, answers, _checked(case, read)[1], 422)
    try:
        risk_services.record_summary(db, context.actor(), case.id, read.summary,
                                     envelope=context.state().envelope, now=context.now(),
                                     today=context.today(), based_on=answers["based_on"])
    except ValidationFailed as failed:
        return _form_page(case, answers, read.form_problems(failed.errors), 422)
    except Conflict as conflict:
        # Nothing is written (the request rolls back on 409). The form comes back with what was
        # typed, now based on the latest version, so saving again is a deliberate choice.
        latest = risk_services.latest_info(db, case.id)
        version = latest.version if latest is not None else 0
        message = (f"Version {version} was saved after you started: read it, then save yours "
                   f"as version {version + 1} if it still says what you mean" if version
                   else conflict.detail)
        return _form_page(case, {**answers, "based_on": version}, {}, 409, conflict=message)
    return see_other("sharing.risk_summary", case_id=case.id, done="saved")
