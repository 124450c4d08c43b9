"""What the concerns package's forms post, read into the services' inputs (concerns.rules), with
what cannot be read keyed by the field that holds it; the services' problems are mapped to the
same fields. Pure functions: nothing here touches the database or Flask's request (a form is a
werkzeug ``MultiDict``); the answers are kept as typed, so a page shown again loses nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from concerns.rules import (
    ADULT_CATEGORIES,
    ALERT_ACTION_NAMES,
    CATEGORY_NAMES,
    CHILD_CATEGORIES,
    CONCERN_CONSENT,
    OUTCOME_NAMES,
    S42_QUESTIONS,
    ConcernIn,
    ObservationIn,
    Outcome,
    S42Answer,
    TriageIn,
    is_child,
)
from concerns.rules import S42_WORDING as S42_WORDING  # the triage form reads forms.S42_WORDING
from consent.rules import ConsentStatus
from hub.web.forms import date_parts, read_date
from sharing.forms import LEVEL_TAGS as LEVEL_TAGS  # the supervision pages read forms.LEVEL_TAGS
from sharing.forms import LEVEL_WORDS as LEVEL_WORDS

Answers = dict[str, Any]
Problems = dict[str, str]

# Longer than anything the rules accept, so the rules still say what is wrong.
_MAX_TYPED = 20_000
_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
YES_NO = ("yes", "no")
_YES_OR_NO = "Select yes or no"

CONSENT_NAMES = {
    ConsentStatus.OBTAINED: "Consent obtained",
    ConsentStatus.REFUSED: "Consent refused",
    ConsentStatus.NOT_SOUGHT: "Consent not sought",
    ConsentStatus.LACKS_CAPACITY: "The person lacks capacity to consent",
}
CONSENT_HINTS = {
    ConsentStatus.NOT_SOUGHT: "For example, asking would increase the risk to them or others",
    ConsentStatus.LACKS_CAPACITY: "Assessed under the Mental Capacity Act 2005 for this decision",
}
CONSENT_OPTIONS = [(str(s), CONSENT_NAMES[s], CONSENT_HINTS.get(s)) for s in CONCERN_CONSENT]
ADULT_OPTIONS = [(c, CATEGORY_NAMES[c]) for c in ADULT_CATEGORIES]
CHILD_OPTIONS = [(c, CATEGORY_NAMES[c]) for c in CHILD_CATEGORIES]
OUTCOME_WORDS = {str(o): name for o, name in OUTCOME_NAMES.items()}
ACTION_WORDS = {str(a): name for a, name in ALERT_ACTION_NAMES.items()}
ACTION_OPTIONS = list(ACTION_WORDS.items())
STATUS_WORDS = {"awaiting_triage": "Awaiting triage", "triaged": "Triaged"}
ALERT_STATUS_WORDS = {"open": "Open", "escalated": "Escalated", "acknowledged": "Acknowledged"}
ALERT_STATUS_TAGS = {"open": "govuk-tag--blue", "escalated": "govuk-tag--red",
                     "acknowledged": "govuk-tag--green"}

# --- raising a concern ------------------------------------------------------------------------------

# The single answers of the concern's form, in page order; the categories are lists. A person
# named (not a case) may be a child or an adult: the form offers both lists, each its own field.
CONCERN_SINGLE = ("case_id", "name", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year",
                  "account", "opinion", "immediate_risk", "immediate_action", "views", "desired_outcomes",
                  "person_aware", "consent_status")
CONCERN_LISTS = ("categories", "categories_adult", "categories_child")
CONCERN_ORDER = ("name", "date_of_birth", "categories", "categories_adult", "categories_child", "account",
                 "opinion", "immediate_risk", "immediate_action", "views", "desired_outcomes",
                 "person_aware", "consent_status")
# The services' names for the person's fields.
_CONCERN_FIELDS = {"subject.name": "name", "subject.date_of_birth": "date_of_birth", "case_id": "name"}


def typed(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:_MAX_TYPED]


def concern_answers(form: Any) -> Answers:
    """What the concern's form posted, as typed."""
    answers: Answers = {name: typed(form, name) for name in CONCERN_SINGLE}
    for name in CONCERN_LISTS:
        answers[name] = [str(v)[:40] for v in form.getlist(name)][:20]
    return answers


def case_of(text: str | None) -> uuid.UUID | None:
    """The case the concern is about, None when a person is named instead; ValueError when the
    form's case is not an id (which the pages answer as a case that does not exist)."""
    text = (text or "").strip()
    return uuid.UUID(text) if text else None


def _yes_no(answers: Mapping[str, Any], name: str, problems: Problems) -> bool:
    value = answers.get(name) or ""
    if value not in YES_NO:
        problems[name] = _YES_OR_NO
    return value == "yes"


def categories_field(child: bool | None, named: bool) -> str:
    """Where the form holds the categories: one list when the person's age is known from their
    case, else the adult's or the child's list by the date of birth typed."""
    if not named:
        return "categories"
    return "categories_child" if child else "categories_adult"


def concern_from_answers(answers: Mapping[str, Any], *, case_id: uuid.UUID | None, child: bool | None,
                         today: date) -> tuple[ConcernIn, Problems]:
    """The concern the answers describe and what could not be read from them. ``child`` is
    whether the case's person is a child, when the concern is about a case; for a person named,
    the date of birth typed says which list of categories is read (the other's ticks are read
    when the list that applies has none, so that the rules say why they do not fit)."""
    problems: Problems = {}
    born: date | None = None
    if case_id is None:
        born, wrong = read_date(answers, "date_of_birth", "The date of birth", required=True)
        if wrong:
            problems["date_of_birth"] = wrong
        child = born is not None and born <= today and is_child(born, today)
        chosen = answers.get(categories_field(child, True)) or \
            answers.get(categories_field(not child, True)) or []
    else:
        chosen = answers.get("categories") or []
    immediate_risk = _yes_no(answers, "immediate_risk", problems)
    person_aware = _yes_no(answers, "person_aware", problems)
    concern = ConcernIn(
        case_id=case_id, subject_name=str(answers.get("name") or "") if case_id is None else "",
        subject_date_of_birth=born, categories=tuple(chosen), account=answers.get("account") or "",
        opinion=answers.get("opinion") or "", immediate_risk=immediate_risk,
        immediate_action=(answers.get("immediate_action") or "") if immediate_risk else "",
        views=answers.get("views") or "", desired_outcomes=answers.get("desired_outcomes") or "",
        person_aware=person_aware, consent_status=answers.get("consent_status") or "")
    return concern, problems


def concern_problems(found: Mapping[str, str], answers: Mapping[str, Any], *, categories: str) -> Problems:
    """The services' problems under the form's field names; a choice not made is asked for in
    the page's words rather than the rules' list of values."""
    problems = {(categories if name == "categories" else _CONCERN_FIELDS.get(name, name)): message
                for name, message in found.items()}
    if "consent_status" in problems and not answers.get("consent_status"):
        problems["consent_status"] = "Select whether the person has consented to the concern being shared"
    return problems


def category_words(categories: Iterable[str]) -> str:
    return ", ".join(CATEGORY_NAMES.get(c, c) for c in categories)


# --- triage -------------------------------------------------------------------------------------------

# A referral to MAPPA or to another agency names whom: each outcome has its own field.
REFERRED_TO = {str(Outcome.MAPPA_REFERRAL): "referred_to-mappa_referral",
               str(Outcome.OTHER_AGENCY): "referred_to-other_agency"}
TRIAGE_SINGLE = ("outcome", "rationale", "dash_score", *REFERRED_TO.values(),
                 *(f"s42.{q}" for q in S42_QUESTIONS), *(f"s42.{q}.evidence" for q in S42_QUESTIONS))
TRIAGE_ORDER = ("outcome", *(n for q in S42_QUESTIONS for n in (f"s42.{q}", f"s42.{q}.evidence")),
                "dash_score", *REFERRED_TO.values(), "s42", "rationale")


def outcome_options(child: bool) -> list[tuple[str, str]]:
    """The outcomes open for the person: an s42 enquiry for an adult, a referral to children's
    services for a child (Care Act 2014 s42; Children Act 1989 s47)."""
    ruled_out = Outcome.S42_ENQUIRY if child else Outcome.CHILD_REFERRAL
    return [(str(o), name) for o, name in OUTCOME_NAMES.items() if o != ruled_out]


def triage_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in TRIAGE_SINGLE}


def triage_from_answers(answers: Mapping[str, Any]) -> tuple[TriageIn, Problems]:
    """The decision the answers describe: the follow-up questions of the outcome chosen only."""
    problems: Problems = {}
    outcome = str(answers.get("outcome") or "")
    s42 = None
    if outcome == Outcome.S42_ENQUIRY:
        s42 = {}
        for question in S42_QUESTIONS:
            answer = answers.get(f"s42.{question}") or ""
            if answer in YES_NO:
                s42[question] = S42Answer(answer == "yes", answers.get(f"s42.{question}.evidence") or "")
    dash_score = None
    if outcome == Outcome.MARAC_REFERRAL:
        text = str(answers.get("dash_score") or "").strip()
        if text and not (text.isdigit() and len(text) < 4):
            problems["dash_score"] = "Enter the number of yes answers on the DASH checklist, 0 to 24"
        elif text:
            dash_score = int(text)
    referred_to = str(answers.get(REFERRED_TO[outcome]) or "") if outcome in REFERRED_TO else ""
    return TriageIn(outcome=outcome, rationale=answers.get("rationale") or "", s42=s42,
                    dash_score=dash_score, referred_to=referred_to), problems


def triage_problems(found: Mapping[str, str], outcome: str) -> Problems:
    """The services' problems under the form's field names (the outcome not chosen, in the
    page's words)."""
    referred = REFERRED_TO.get(outcome, REFERRED_TO[str(Outcome.OTHER_AGENCY)])
    problems = {(referred if name == "referred_to" else name): message for name, message in found.items()}
    if "outcome" in problems and not outcome:
        problems["outcome"] = "Select the decision"
    return problems


# --- daily observations -------------------------------------------------------------------------

def indicator_name(indicator: str) -> str:
    return indicator.replace("_", " ").capitalize()


def observation_answers(form: Any, indicators: Iterable[str]) -> Answers:
    names = (*(f"scores.{i}" for i in indicators), "note", "observed_at-day", "observed_at-month",
             "observed_at-year", "observed_time")
    return {name: typed(form, name) for name in names}


def observation_defaults(now: datetime, zone: ZoneInfo) -> Answers:
    """Now, as the form's date and time of the observation."""
    local = now.astimezone(zone)
    return {"observed_at-day": str(local.day), "observed_at-month": str(local.month),
            "observed_at-year": str(local.year), "observed_time": f"{local:%H:%M}"}


def observation_from_answers(answers: Mapping[str, Any], indicators: Iterable[str], *, zone: ZoneInfo,
                             now: datetime) -> tuple[ObservationIn, Problems]:
    """The observation the answers describe: the indicators scored (the rules judge each score),
    the note, and when it was made, typed in the policy's zone (now when the date and the time
    are both left blank)."""
    problems: Problems = {}
    scores: dict[str, object] = {}
    for indicator in indicators:
        text = str(answers.get(f"scores.{indicator}") or "").strip()
        if text:
            scores[indicator] = int(text) if text.isdigit() and len(text) < 4 else text
    observed_at = now
    clock = str(answers.get("observed_time") or "").strip()
    if not clock and not any(date_parts(answers, "observed_at")):
        return ObservationIn(scores=scores, note=answers.get("note") or "", observed_at=now), problems
    day, wrong = read_date(answers, "observed_at", "The date of the observation", required=True)
    match = _TIME.fullmatch(clock)
    if wrong:
        problems["observed_at"] = wrong
    elif match is None:
        problems["observed_time"] = ("Enter the time of the observation on the 24-hour clock, "
                                     "such as 14:30")
    elif day is not None:
        observed_at = datetime.combine(day, time(int(match[1]), int(match[2])), zone)
    return ObservationIn(scores=scores, note=answers.get("note") or "", observed_at=observed_at), problems


# --- alerts and deputies ------------------------------------------------------------------------

def acknowledge_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in ("action_taken", "note")}


def deputy_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in (
        "user_id", "starts-day", "starts-month", "starts-year", "ends-day", "ends-month", "ends-year")}


# The services want an id; a choice that is not one is nobody, whom they refuse by name.
NOBODY = uuid.UUID(int=0)


def deputy_from_answers(answers: Mapping[str, Any]) -> tuple[uuid.UUID, date | None, date | None, Problems]:
    problems: Problems = {}
    try:
        person = uuid.UUID(str(answers.get("user_id") or ""))
    except ValueError:
        person = NOBODY
    starts, wrong = read_date(answers, "starts", "The first day", required=True)
    if wrong:
        problems["starts"] = wrong
    ends, wrong = read_date(answers, "ends", "The last day", required=True)
    if wrong:
        problems["ends"] = wrong
    return person, starts, ends, problems


def ordered(problems: Mapping[str, str], order: Iterable[str]) -> list[tuple[str, str]]:
    """The problems in page order (any others after), for the error summary."""
    order = tuple(order)
    return [*((n, problems[n]) for n in order if n in problems),
            *((n, m) for n, m in problems.items() if n not in order)]
