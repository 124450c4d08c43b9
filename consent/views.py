"""The consent package's case pages: consent records, the guided disclosure-decision form, the
decisions of a case with their correction chains, and the case's membership history.

Every page goes through the consent services, which check membership (404 for anyone else) and
audit the read. A form that breaks a rule is shown again, 422, with the GOV.UK error summary and
everything that was typed; nothing is written. The guided form keeps its answers in an encrypted
draft (consent.services.drafts) saved page by page, so a failed record or a reload loses nothing.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from consent import forms
from consent.rules import ConsentMethod, DecisionIn, Problems
from consent.services import admission as admission_services
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from consent.services import drafts as draft_services
from consent.services import reviews as review_services
from hub import context
from hub.access import Permission, has_permission, requires, visible_case
from hub.agencies.models import Agency
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.web.pages import page, see_other

pages = Blueprint("consent", __name__)


def local_time(moment: Any) -> str:
    """A stored time as pages show it (the template filter of the same name)."""
    return str(current_app.jinja_env.filters["local_time"](moment))


def _zone() -> str:
    return context.state().settings.policy.timezone


def _agencies() -> list[Agency]:
    return list(context.db().scalars(select(Agency).order_by(Agency.name)))


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return page(template, status, forms=forms, **values)


# --- consent records ----------------------------------------------------------------------------

@pages.get("/cases/<uuid:case_id>/consents")
@requires(Permission.CONSENT_READ)
def consent_list(case_id: uuid.UUID) -> ResponseReturnValue:
    found = consent_services.list_consents(context.db(), context.actor(), case_id,
                                           envelope=context.state().envelope, now=context.now())
    return _page("consent/consents.html", case=visible_case(context.db(), context.signed_in(), case_id,
                                                            Permission.CONSENT_READ),
                 consents=found, done=request.args.get("done"),
                 may_record=has_permission(context.signed_in(), Permission.CONSENT_RECORD))


def _consent_form(case_id: uuid.UUID, answers: Mapping[str, Any], problems: Problems,
                  status: int = 200) -> Response:
    case = visible_case(context.db(), context.signed_in(), case_id, Permission.CONSENT_RECORD)
    return _page("consent/consent_form.html", status, case=case, answers=answers,
                 errors=problems, error_list=forms.ordered(problems, forms.CONSENT_ORDER),
                 agencies=_agencies())


@pages.get("/cases/<uuid:case_id>/consents/new")
@requires(Permission.CONSENT_RECORD)
def consent_new(case_id: uuid.UUID) -> ResponseReturnValue:
    return _consent_form(case_id, {}, {})


@pages.post("/cases/<uuid:case_id>/consents")
@requires(Permission.CONSENT_RECORD)
def consent_record(case_id: uuid.UUID) -> ResponseReturnValue:
    answers = forms.consent_answers(request.form)
    data, problems = forms.consent_from_answers(answers, zone=_zone())
    try:
        consent_services.record_consent(context.db(), context.actor(), case_id, data,
                                        envelope=context.state().envelope, now=context.now())
    except ValidationFailed as failed:
        problems = {**failed.errors, **problems}
    else:
        if not problems:
            return see_other("consent.consent_list", case_id=case_id, done="recorded")
    # Nothing is written: the request rolls back on 422.
    return _consent_form(case_id, answers, problems, 422)


def _withdraw_page(case_id: uuid.UUID, consent_id: uuid.UUID, problems: Problems,
                   status: int = 200, channel: str = "") -> Response:
    case = visible_case(context.db(), context.signed_in(), case_id, Permission.CONSENT_RECORD)
    row = consent_services.case_consent(context.db(), case.id, consent_id)
    if row is None:
        raise NotFound("No such consent record on this case")
    return _page("consent/withdraw.html", status, case=case, consent=row, errors=problems,
                 error_list=list(problems.items()), answers={"channel": channel})


@pages.get("/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw")
@requires(Permission.CONSENT_RECORD)
def consent_withdraw_page(case_id: uuid.UUID, consent_id: uuid.UUID) -> ResponseReturnValue:
    return _withdraw_page(case_id, consent_id, {})


@pages.post("/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw")
@requires(Permission.CONSENT_RECORD)
def consent_withdraw(case_id: uuid.UUID, consent_id: uuid.UUID) -> ResponseReturnValue:
    raw = str(request.form.get("channel") or "")
    channel = forms.enum_value(ConsentMethod, raw)
    if channel is None:
        return _withdraw_page(case_id, consent_id,
                              {"channel": "Select how the person withdrew their consent"}, 422, raw)
    consent_services.withdraw_consent(context.db(), context.actor(), case_id, consent_id,
                                      channel=channel, envelope=context.state().envelope,
                                      now=context.now())
    return see_other("consent.consent_list", case_id=case_id, done="withdrawn")


# --- disclosure decisions -----------------------------------------------------------------------

@pages.get("/cases/<uuid:case_id>/decisions")
@requires(Permission.DISCLOSURE_READ)
def decision_list(case_id: uuid.UUID) -> ResponseReturnValue:
    found = decision_services.list_decisions(context.db(), context.actor(), case_id,
                                             envelope=context.state().envelope, now=context.now())
    case = visible_case(context.db(), context.signed_in(), case_id, Permission.DISCLOSURE_READ)
    return _page("consent/decisions.html", case=case, decisions=found,
                 may_record=has_permission(context.signed_in(), Permission.DISCLOSURE_RECORD))


@pages.get("/cases/<uuid:case_id>/decisions/<uuid:decision_id>")
@requires(Permission.DISCLOSURE_READ)
def decision_page(case_id: uuid.UUID, decision_id: uuid.UUID) -> ResponseReturnValue:
    db, user, envelope = context.db(), context.signed_in(), context.state().envelope
    decision = decision_services.get_decision(db, context.actor(), case_id, decision_id,
                                              envelope=envelope, now=context.now())
    case = visible_case(db, user, case_id, Permission.DISCLOSURE_READ)
    comment = None
    if decision.review is not None:
        comment = review_services.review_comment(db, envelope, decision.review)
        if decision.row.decided_by_id == user.id:
            review_services.mark_concern_seen(db, user, decision.row.id, now=context.now())
    consent = (consent_services.case_consent(db, case.id, decision.row.consent_id)
               if decision.row.consent_id else None)
    return _page("consent/decision.html", case=case, decision=decision, comment=comment,
                 consent=consent, done=request.args.get("done"),
                 may_correct=(has_permission(user, Permission.DISCLOSURE_RECORD)
                              and decision.superseded_by is None))


@pages.get("/cases/<uuid:case_id>/decisions/new")
@requires(Permission.DISCLOSURE_RECORD)
def decision_start(case_id: uuid.UUID) -> ResponseReturnValue:
    db = context.db()
    case = visible_case(db, context.signed_in(), case_id, Permission.DISCLOSURE_RECORD)
    earlier = None
    raw = request.args.get("supersedes")
    if raw:
        earlier = decision_services.get_decision(db, context.actor(), case.id, _uuid(raw),
                                                 envelope=context.state().envelope, now=context.now())
    return _page("consent/start.html", case=case, earlier=earlier,
                 config_hours=context.state().settings.policy.disclosure_draft_hours)


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such decision on this case") from None


@pages.post("/cases/<uuid:case_id>/decisions/drafts")
@requires(Permission.DISCLOSURE_RECORD)
def draft_start(case_id: uuid.UUID) -> ResponseReturnValue:
    db, envelope, now = context.db(), context.state().envelope, context.now()
    answers: forms.Answers = {}
    raw = request.form.get("supersedes")
    if raw:
        earlier = decision_services.get_decision(db, context.actor(), case_id, _uuid(raw),
                                                 envelope=envelope, now=now)
        answers = forms.answers_from_decision(earlier, (a.code for a in _agencies()))
    draft = draft_services.start_draft(db, context.actor(), case_id, answers, envelope=envelope, now=now)
    first = forms.QUESTIONS[0].slug
    return see_other("consent.question", case_id=case_id, draft_id=draft.row.id, slug=first)


def _open_draft(case_id: uuid.UUID, draft_id: uuid.UUID) -> draft_services.Draft:
    try:
        return draft_services.open_draft(context.db(), context.actor(), case_id, draft_id,
                                         envelope=context.state().envelope,
                                         policy=context.state().settings.policy, now=context.now())
    except NotFound:
        # Someone else's draft (or none): refused like a case one may not see, and audited.
        context.defer_audit(action="access.denied", object_type="case", object_id=case_id,
                            details={"endpoint": request.endpoint, "reason": "draft"})
        raise


def _rule_problems(case_id: uuid.UUID) -> Any:
    """The rules' problems with a decision as it stands, the caller deciding now."""
    db, user, now = context.db(), context.signed_in(), context.now()

    def judge(decision: DecisionIn) -> Problems:
        return decision_services.decision_problems(
            db, user, case_id, dataclasses.replace(decision, decided_at=now), now=now)

    return judge


def _active_consents(case_id: uuid.UUID) -> list[consent_services.Consent]:
    found = consent_services.list_consents(context.db(), context.actor(), case_id,
                                           envelope=context.state().envelope, now=context.now())
    return [c for c in found if c.not_in_force is None]


def _question_page(case_id: uuid.UUID, draft: draft_services.Draft, question: forms.Question,
                   answers: Mapping[str, Any], problems: Problems, status: int = 200) -> Response:
    db, user = context.db(), context.signed_in()
    case = visible_case(db, user, case_id, Permission.DISCLOSURE_RECORD)
    extra: dict[str, Any] = {}
    if question.slug == "consent":
        extra["consents"] = _active_consents(case.id)
    if question.slug == "recipients":
        extra["agencies"] = [a for a in _agencies() if a.id != user.agency_id]
    previous = forms.previous_question(question.slug, answers)
    return _page(f"consent/questions/{question.slug}.html", status, case=case, draft=draft.row,
                 question=question, answers=answers, errors=problems,
                 error_list=forms.ordered(problems, question.fields),
                 change=request.values.get("change") == "1", previous=previous, **extra)


@pages.get("/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/<slug>")
@requires(Permission.DISCLOSURE_RECORD)
def question(case_id: uuid.UUID, draft_id: uuid.UUID, slug: str) -> ResponseReturnValue:
    draft = _open_draft(case_id, draft_id)
    found = forms.QUESTION.get(slug)
    if found is None:
        raise NotFound("No such question")
    return _question_page(case_id, draft, found, draft.answers, {})


@pages.post("/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/<slug>")
@requires(Permission.DISCLOSURE_RECORD)
def answer(case_id: uuid.UUID, draft_id: uuid.UUID, slug: str) -> ResponseReturnValue:
    draft = _open_draft(case_id, draft_id)
    found = forms.QUESTION.get(slug)
    if found is None:
        raise NotFound("No such question")
    answers = {**draft.answers, **forms.question_answers(found, request.form)}
    problems = forms.question_problems(found, answers, _rule_problems(draft.row.case_id), case_id)
    if problems:
        # The draft keeps its last saved answers; the page shows what was just typed.
        return _question_page(case_id, draft, found, answers, problems, 422)
    draft_services.save_draft(context.db(), draft, answers, envelope=context.state().envelope,
                              now=context.now())
    target = forms.next_question(slug, answers)
    if request.form.get("change") == "1":
        # Back to check answers, unless a page this answer brings in still needs answering.
        missing = forms.missing_choices(answers)
        target = next((q.slug for q in forms.asked(answers) if set(q.fields) & set(missing)),
                      forms.CHECK_ANSWERS)
    if target == forms.CHECK_ANSWERS:
        return see_other("consent.check_answers", case_id=case_id, draft_id=draft_id)
    return see_other("consent.question", case_id=case_id, draft_id=draft_id, slug=target)


def _check_answers_page(case_id: uuid.UUID, draft: draft_services.Draft, problems: Problems,
                        status: int = 200) -> Response:
    db = context.db()
    case = visible_case(db, context.signed_in(), case_id, Permission.DISCLOSURE_RECORD)
    answers = forms.applicable_answers(draft.answers)
    consent = None
    if answers.get("consent_id"):
        try:
            consent = consent_services.case_consent(db, case.id, uuid.UUID(str(answers["consent_id"])))
        except ValueError:
            consent = None
    consent_words = ""
    if consent is not None:
        consent_words = f"Obtained {local_time(consent.obtained_at)}, with {', '.join(consent.agencies)}"
    agency_names = {a.code: a.name for a in _agencies()}
    rows = forms.summary_rows(answers, agency_names=agency_names, consent_words=consent_words)
    error_list = forms.ordered(problems, [*forms.decision_order(), "decided_at", "decision_maker"])
    links = {name: url_for("consent.question", case_id=case_id, draft_id=draft.row.id,
                           slug=forms.FIELD_QUESTION.get(name, forms.QUESTIONS[0].slug))
             for name, _ in error_list}
    return _page("consent/check_answers.html", status, case=case, draft=draft.row, answers=answers,
                 asked=forms.asked(answers), consent=consent, errors=problems,
                 error_list=error_list, error_links=links, rows=rows)


@pages.get("/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/check-answers")
@requires(Permission.DISCLOSURE_RECORD)
def check_answers(case_id: uuid.UUID, draft_id: uuid.UUID) -> ResponseReturnValue:
    draft = _open_draft(case_id, draft_id)
    return _check_answers_page(case_id, draft, {})


@pages.post("/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/check-answers")
@requires(Permission.DISCLOSURE_RECORD)
def record_decision(case_id: uuid.UUID, draft_id: uuid.UUID) -> ResponseReturnValue:
    db, envelope, now = context.db(), context.state().envelope, context.now()
    draft = _open_draft(case_id, draft_id)
    decision, details, problems = forms.decision_from_answers(draft.row.case_id, draft.answers)
    problems = {**forms.missing_choices(draft.answers), **problems}
    if not problems:
        try:
            recorded = decision_services.record_decision(db, context.actor(), case_id, decision, details,
                                                         envelope=envelope, now=now)
        except ValidationFailed as failed:
            problems = failed.errors
        except Conflict as conflict:
            problems = {"supersedes": conflict.detail}
        else:
            draft_services.discard_draft(db, draft.row)
            return see_other("consent.decision_page", case_id=case_id, decision_id=recorded.row.id,
                             done="recorded")
    # Nothing is written (the request rolls back on 422); the draft keeps every answer.
    return _check_answers_page(case_id, draft, problems, 422)


# --- membership history -------------------------------------------------------------------------

@pages.get("/cases/<uuid:case_id>/membership-history")
@requires(Permission.CASE_READ)
def membership_history(case_id: uuid.UUID) -> ResponseReturnValue:
    db = context.db()
    rows = admission_services.membership_history(db, context.actor(), case_id, now=context.now())
    case = visible_case(db, context.signed_in(), case_id, Permission.CASE_READ)
    return _page("consent/membership_history.html", case=case, rows=rows)
