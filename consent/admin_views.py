"""Pages outside any one case: the information-sharing agreements register, the IG review
queue and the disclosure report.

Every page goes through the consent services, which check the permission and audit what is read;
a form that breaks a rule is shown again, 422, with the GOV.UK error summary and what was typed,
and nothing is written.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from consent import forms
from consent.models import SharingAgreement
from consent.rules import Art6Basis, Problems, Purpose
from consent.services import agreements as agreement_services
from consent.services import reports as report_services
from consent.services import reviews as review_services
from hub import context
from hub.access import Permission, has_permission, requires
from hub.agencies.models import Agency
from hub.cases.models import Case, CaseKind
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.text import spreadsheet_safe
from hub.web.forms import read_period
from hub.web.pages import page, see_other

admin_pages = Blueprint("consent_admin", __name__)

PAGE_SIZE = 100

# --- the agreements register ----------------------------------------------------------------

AGREEMENT_FIELDS = ("title", "parties", "purposes", "case_kinds", "art6_basis", "review_date", "dpia_ref")
_AGREEMENT_LISTS = frozenset({"parties", "purposes", "case_kinds"})
CASE_KIND_WORDS = {str(CaseKind.ADULT): "Adult safeguarding", str(CaseKind.CHILD): "Child protection",
                   str(CaseKind.MARAC): "MARAC", str(CaseKind.MAPPA): "MAPPA"}
# An agreement never rests on consent (consent.services.agreements): it is not offered.
BASIS_CHOICES = [(value, words) for value, words in forms.choices("art6_basis")
                 if value != Art6Basis.CONSENT]


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, case_kind_words=CASE_KIND_WORDS, **values)


def _offset() -> int:
    raw = request.args.get("offset", "")
    return min(int(raw), 1_000_000) if raw.isdigit() and len(raw) < 8 else 0


@admin_pages.get("/agreements")
@requires(Permission.AGREEMENT_READ)
def agreements() -> ResponseReturnValue:
    offset = _offset()
    found = agreement_services.list_agreements(
        context.db(), context.actor(), policy=context.state().settings.policy, now=context.now(),
        limit=PAGE_SIZE + 1, offset=offset)
    return _page("consent/admin/agreements.html", agreements=found[:PAGE_SIZE],
                 next_offset=offset + PAGE_SIZE if len(found) > PAGE_SIZE else None,
                 offset=offset, may_manage=has_permission(context.signed_in(), Permission.AGREEMENT_MANAGE))


def agreement_answers(form: forms.Form) -> forms.Answers:
    return forms.form_answers(form, AGREEMENT_FIELDS, lists=_AGREEMENT_LISTS,
                              dates=frozenset({"review_date"}))


def agreement_from_answers(answers: Mapping[str, Any]) -> tuple[agreement_services.AgreementIn, Problems]:
    """What was typed, as the service's input, and what could not be read (the service judges
    the rest). Where something cannot be read a stand-in is passed, so that every other problem
    is still found at once."""
    problems: Problems = {}
    purposes = [forms.enum_value(Purpose, v) for v in answers.get("purposes") or []]
    if None in purposes:
        problems["purposes"] = "Choose the purposes from the list"
    kinds = [forms.enum_value(CaseKind, v) for v in answers.get("case_kinds") or []]
    if None in kinds:
        problems["case_kinds"] = "Choose the kinds of case from the list"
    basis = forms.enum_value(Art6Basis, answers.get("art6_basis"))
    if basis is None:
        problems["art6_basis"] = "Choose the lawful basis for sharing (UK GDPR Article 6)"
    review, wrong = forms.read_date(answers, "review_date", "The review date")
    if wrong:
        problems["review_date"] = wrong
    elif review is None:
        problems["review_date"] = "Give the date the agreement is next reviewed"
    data = agreement_services.AgreementIn(
        title=answers.get("title") or "", parties=tuple(answers.get("parties") or ()),
        purposes=tuple(p for p in purposes if p is not None),
        case_kinds=tuple(k for k in kinds if k is not None),
        art6_basis=basis or Art6Basis.PUBLIC_TASK, review_date=review or date.max,
        dpia_ref=answers.get("dpia_ref") or None)
    return data, problems


def _agreement_problems(data: agreement_services.AgreementIn, problems: Problems) -> Problems:
    """Every problem with the agreement, the service's own included, with nothing recorded:
    the service is asked inside a savepoint that is always rolled back."""
    db = context.db()
    nested = db.begin_nested()
    try:
        agreement_services.record_agreement(db, context.actor(), data,
                                            policy=context.state().settings.policy, now=context.now())
    except ValidationFailed as failed:
        return {**failed.errors, **problems}
    finally:
        nested.rollback()
    return problems


def _agreement_form(answers: Mapping[str, Any], problems: Problems, status: int = 200) -> Response:
    agencies = list(context.db().scalars(select(Agency).order_by(Agency.name)))
    return _page("consent/admin/agreement_form.html", status, answers=answers, errors=problems,
                 error_list=forms.ordered(problems, AGREEMENT_FIELDS), agencies=agencies,
                 basis_choices=BASIS_CHOICES)


@admin_pages.get("/agreements/new")
@requires(Permission.AGREEMENT_MANAGE)
def agreement_new() -> ResponseReturnValue:
    return _agreement_form({}, {})


@admin_pages.post("/agreements/new")
@requires(Permission.AGREEMENT_MANAGE)
def agreement_change() -> ResponseReturnValue:
    """Back from checking the answers to change them: the form as it was filled in."""
    return _agreement_form(agreement_answers(request.form), {})


@admin_pages.post("/agreements/check")
@requires(Permission.AGREEMENT_MANAGE)
def agreement_check() -> ResponseReturnValue:
    answers = agreement_answers(request.form)
    data, problems = agreement_from_answers(answers)
    problems = _agreement_problems(data, problems)
    if problems:
        return _agreement_form(answers, problems, 422)
    names = {code: name for code, name in context.db().execute(
        select(Agency.code, Agency.name).where(Agency.code.in_(data.parties)))}
    return _page("consent/admin/agreement_check.html", answers=answers, data=data, names=names)


@admin_pages.post("/agreements")
@requires(Permission.AGREEMENT_MANAGE)
def agreement_record() -> ResponseReturnValue:
    answers = agreement_answers(request.form)
    data, problems = agreement_from_answers(answers)
    if problems:
        problems = _agreement_problems(data, problems)
    else:
        try:
            found = agreement_services.record_agreement(
                context.db(), context.actor(), data, policy=context.state().settings.policy,
                now=context.now())
        except ValidationFailed as failed:
            problems = dict(failed.errors)
        else:
            return see_other("consent_admin.agreement_recorded", agreement_id=found.row.id)
    return _agreement_form(answers, problems, 422)


@admin_pages.get("/agreements/<uuid:agreement_id>/recorded")
@requires(Permission.AGREEMENT_MANAGE)
def agreement_recorded(agreement_id: uuid.UUID) -> ResponseReturnValue:
    agreement = context.db().get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound("No such agreement")
    return _page("consent/admin/agreement_recorded.html", agreement=agreement)


# --- the IG review queue ------------------------------------------------------------------------

REVIEW_FIELDS = ("outcome", "comment")
REVIEW_CHOICES = [
    (str(review_services.ReviewOutcome.ENDORSED), "Endorse the decision"),
    (str(review_services.ReviewOutcome.CONCERNS_RAISED), "Raise concerns with the decision-maker"),
]
REVIEW_DONE = {str(review_services.ReviewOutcome.ENDORSED): "endorsed",
               str(review_services.ReviewOutcome.CONCERNS_RAISED): "concerns raised"}


@admin_pages.get("/disclosures/review-queue")
@requires(Permission.DISCLOSURE_REVIEW)
def review_queue() -> ResponseReturnValue:
    offset = _offset()
    items = review_services.review_queue(context.db(), context.actor(), envelope=context.state().envelope,
                                         now=context.now(), limit=PAGE_SIZE + 1, offset=offset)
    done = request.args.get("done", "")
    return _page("consent/admin/review_queue.html", items=items[:PAGE_SIZE], offset=offset,
                 next_offset=offset + PAGE_SIZE if len(items) > PAGE_SIZE else None,
                 done=REVIEW_DONE.get(done), done_ref=request.args.get("ref", "")[:40])


def _review_form(decision_id: uuid.UUID, answers: Mapping[str, Any], problems: Problems,
                 status: int = 200) -> Response:
    item = review_services.queued_decision(context.db(), context.actor(), decision_id,
                                           envelope=context.state().envelope, now=context.now())
    return _page("consent/admin/review_form.html", status, item=item, answers=answers,
                 errors=problems, error_list=forms.ordered(problems, REVIEW_FIELDS),
                 choices=REVIEW_CHOICES)


@admin_pages.get("/disclosures/<uuid:decision_id>/review")
@requires(Permission.DISCLOSURE_REVIEW)
def review_page(decision_id: uuid.UUID) -> ResponseReturnValue:
    return _review_form(decision_id, {}, {})


@admin_pages.post("/disclosures/<uuid:decision_id>/review")
@requires(Permission.DISCLOSURE_REVIEW)
def review_record(decision_id: uuid.UUID) -> ResponseReturnValue:
    # The comment as typed, however long: the service names a comment that is too long.
    answers = {"outcome": str(request.form.get("outcome", ""))[:40],
               "comment": str(request.form.get("comment", ""))}
    problems: Problems = {}
    outcome = forms.enum_value(review_services.ReviewOutcome, answers.get("outcome"))
    if outcome is None:
        problems["outcome"] = "Choose whether you endorse the decision or raise concerns"
    # Without an outcome the service is still asked about the comment, in a savepoint that is
    # rolled back, so that every problem is named at once.
    trial = context.db().begin_nested() if outcome is None else None
    try:
        review = review_services.review_decision(
            context.db(), context.actor(), decision_id,
            outcome=outcome or review_services.ReviewOutcome.ENDORSED, comment=answers.get("comment"),
            envelope=context.state().envelope, now=context.now())
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
    except Conflict:
        # Reviewed by someone else meanwhile: the failed insert leaves the session to roll back
        # before the error page (which reads the signed-in person) can be drawn.
        context.db().rollback()
        raise
    else:
        if not problems:
            case = context.db().get(Case, review.case_id)
            return see_other("consent_admin.review_queue", done=outcome,
                             ref=case.ref if case else "")
    finally:
        if trial is not None:
            trial.rollback()
    # Nothing is written: the request rolls back on 422.
    return _review_form(decision_id, answers, problems, 422)


# --- the disclosure report ----------------------------------------------------------------------

def _report(start: date | None, end: date | None,
            problems: Problems) -> tuple[report_services.DisclosureReport | None, Problems]:
    if problems:
        # The service names every problem of the period; the form's own reading comes first.
        return None, {**report_services.period_problems(start, end), **problems}
    try:
        return report_services.disclosure_report(
            context.db(), context.actor(), start=start, end=end,
            policy=context.state().settings.policy, now=context.now()), {}
    except ValidationFailed as failed:
        return None, dict(failed.errors)


@admin_pages.get("/reports/disclosures")
@requires(Permission.DISCLOSURE_REPORT)
def disclosure_report() -> ResponseReturnValue:
    answers, start, end, problems = read_period(request.args, today=context.today())
    report, problems = _report(start, end, problems)
    return _page("consent/admin/report.html", 422 if problems else 200, report=report,
                 answers=answers, errors=problems, error_list=forms.ordered(problems, ("from", "to")))


@admin_pages.get("/reports/disclosures.csv")
@requires(Permission.DISCLOSURE_REPORT)
def disclosure_report_csv() -> ResponseReturnValue:
    answers, start, end, problems = read_period(request.args, today=context.today())
    report, problems = _report(start, end, problems)
    if report is None:
        return _page("consent/admin/report.html", 422, report=None, answers=answers, errors=problems,
                     error_list=forms.ordered(problems, ("from", "to")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "value", "count"])
    for measure, value, count in report.rows():
        writer.writerow([measure, spreadsheet_safe(value), count])
    name = f"disclosures-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
