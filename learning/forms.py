"""What the review pages' forms post, read into the learning services' inputs (learning.rules),
with what cannot be read keyed by the field that holds it; the services' problems keep the same
names. Pure functions: nothing here touches the database or Flask's request (a form is a
werkzeug ``MultiDict``); the answers are kept as typed, so a page shown again loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from hub.agencies.services import AGENCY_CODE
from hub.text import CONTROL_PROBLEM, has_control_characters
from hub.web.forms import date_parts, read_date
from hub.web.forms import long_date as long_date  # the pages call forms.long_date
from learning.rules import (
    KIND_LABELS,
    MAX_AGENCIES,
    MAX_CASES,
    MAX_TAGS,
    MAX_TIMELINE,
    STATUS_LABELS,
    STATUTORY_KINDS,
    ClockState,
    Harm,
    ReviewIn,
    ReviewKind,
    SarDecision,
    SarReferral,
    StructuredReviewIn,
    TimelineEntry,
    factor_label,
)
from learning.services.actions import OWNER_ROLES
from learning.services.statutory import CLOCK_LABELS
from sharing import action_forms

Answers = dict[str, Any]
Problems = dict[str, str]

# Longer than anything the rules accept, so the rules still say what is wrong.
_MAX_TYPED = 20_000
_MAX_CHOICE = 64
_MAX_REFS_TYPED = 2_000
_SEPARATORS = re.compile(r"[\s,;]+")
YES_NO = ("yes", "no")
_YES_OR_NO = "Select yes or no"

KIND_WORDS = {str(kind): label for kind, label in KIND_LABELS.items()}
KIND_HINTS = {
    ReviewKind.INCIDENT: "Something went wrong and someone was, or could have been, harmed.",
    ReviewKind.NEAR_MISS: "Something went wrong and was caught before it caused harm.",
    ReviewKind.SAR: "Care Act 2014 section 44: an adult died or was seriously abused or neglected, and how "
                    "agencies worked together is in question.",
    ReviewKind.CSPR: "Working Together to Safeguard Children 2023: a serious incident about a child. The "
                     "national panel is notified within 5 working days.",
}
STATUS_WORDS = {str(status): label for status, label in STATUS_LABELS.items()}
STATUS_TAGS = {"open": "govuk-tag--blue", "reviewed": "govuk-tag--yellow", "closed": "govuk-tag--green"}
CLOCK_WORDS = CLOCK_LABELS
CLOCK_STATE_WORDS = {ClockState.MET: "Met", ClockState.LATE: "Done late", ClockState.DUE: "Due",
                     ClockState.OVERDUE: "Overdue"}
CLOCK_STATE_TAGS = {ClockState.MET: "govuk-tag--green", ClockState.LATE: "govuk-tag--orange",
                    ClockState.DUE: "govuk-tag--blue", ClockState.OVERDUE: "govuk-tag--red"}
HARM_WORDS = {Harm.DIED: "The adult died", Harm.SERIOUS_ABUSE: "The adult experienced serious abuse",
              Harm.SERIOUS_NEGLECT: "The adult experienced serious neglect",
              Harm.NONE: "None of these"}
HARM_OPTIONS = [(str(h), words) for h, words in HARM_WORDS.items()]
DECISION_WORDS = {SarDecision.REVIEW: "Arrange a Safeguarding Adult Review",
                  SarDecision.NO_REVIEW: "Do not arrange a review"}
DECISION_OPTIONS = [(str(d), words) for d, words in DECISION_WORDS.items()]
ROLE_WORDS = {"practitioner": "Practitioners", "manager": "Managers", "lead": "Safeguarding leads",
              "ig": "Information governance"}
ROLE_OPTIONS = [(str(r), ROLE_WORDS[r]) for r in OWNER_ROLES]
# An action of a review's plan moves as every action does (DOMAIN.md §8), in the same words.
ACTION_STATUS_WORDS = action_forms.STATUS_WORDS
ACTION_STATUS_TAGS = action_forms.STATUS_TAGS
ACTION_STATUS_OPTIONS = [(str(status), ACTION_STATUS_WORDS[status], hint)
                         for status, hint in action_forms.STATUS_HINTS.items()]


def typed(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:_MAX_TYPED]


def _date_names(*names: str) -> tuple[str, ...]:
    return tuple(f"{name}-{part}" for name in names for part in ("day", "month", "year"))


def ordered(problems: Mapping[str, str], order: Iterable[str]) -> list[tuple[str, str]]:
    """The problems in page order (any others after), for the error summary."""
    order = tuple(order)
    return [*((n, problems[n]) for n in order if n in problems),
            *((n, m) for n, m in problems.items() if n not in order)]


def _yes_no(answers: Mapping[str, Any], name: str, problems: Problems | None = None) -> bool | None:
    value = answers.get(name) or ""
    if value not in YES_NO:
        if problems is not None:
            problems[name] = _YES_OR_NO
        return None
    return value == "yes"


def yes_no_words(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


# --- raising a review -------------------------------------------------------------------------------

REVIEW_SINGLE = ("kind", "summary", "account", *_date_names("occurred_on", "aware_on"), "case_refs")
REVIEW_LISTS = ("agencies",)
REVIEW_ORDER = ("kind", "aware_on", "summary", "account", "occurred_on", "agencies", "case_refs")
REVIEW_DATES = ("occurred_on", "aware_on")


def kind_options(statutory: bool) -> list[tuple[str, str, str]]:
    """The kinds of review the person may open: anyone an incident or near miss, a lead or a
    manager a SAR or CSPR too."""
    return [(str(kind), KIND_WORDS[kind], KIND_HINTS[kind]) for kind in ReviewKind
            if statutory or kind not in STATUTORY_KINDS]


def review_answers(form: Any) -> Answers:
    """What the review's form posted, as typed."""
    answers: Answers = {name: typed(form, name) for name in REVIEW_SINGLE}
    answers["agencies"] = list(dict.fromkeys(str(v)[:_MAX_CHOICE] for v in form.getlist("agencies")))[
        :MAX_AGENCIES + 1]
    return answers


def case_refs_of(text: str) -> list[str]:
    """The references typed, separated by commas, semicolons or spaces."""
    return [ref for ref in _SEPARATORS.split(text.strip()) if ref]


def read_case_refs(answers: Mapping[str, Any], problems: Problems) -> list[str]:
    """The case references typed (one more than may be linked, so the rules say so), or the
    problem with what was typed, added to ``problems``."""
    refs_text = str(answers.get("case_refs") or "")
    if len(refs_text) > _MAX_REFS_TYPED:
        problems["case_refs"] = f"Link at most {MAX_CASES} cases"
    elif has_control_characters(refs_text):
        problems["case_refs"] = CONTROL_PROBLEM
    else:
        return case_refs_of(refs_text)[:MAX_CASES + 1]
    return []


def review_from_answers(answers: Mapping[str, Any], *, kinds: Collection[str]) -> tuple[ReviewIn, Problems]:
    """The review the answers describe and what could not be read from them: a kind among those
    offered (``kinds``), the dates, agencies chosen from the list, and the case references. The
    day the partnership learnt of the incident is read for a CSPR only."""
    problems: Problems = {}
    kind = str(answers.get("kind") or "")
    if kind not in kinds:
        problems["kind"] = "Select the kind of review"
        kind = ""
    occurred_on, wrong = read_date(answers, "occurred_on", "The day it happened", required=True)
    if wrong:
        problems["occurred_on"] = wrong
    aware_on = None
    if kind == ReviewKind.CSPR:
        aware_on, wrong = read_date(answers, "aware_on", "The day the partnership learnt of the serious "
                                                         "incident", required=True)
        if wrong:
            problems["aware_on"] = wrong
    codes = [str(code) for code in answers.get("agencies") or []]
    if any(not AGENCY_CODE.fullmatch(code) for code in codes):
        problems["agencies"] = "Choose the agencies from the list"
        codes = [code for code in codes if AGENCY_CODE.fullmatch(code)]
    refs = read_case_refs(answers, problems)
    review = ReviewIn(kind=kind, summary=str(answers.get("summary") or ""),
                      account=str(answers.get("account") or ""), occurred_on=occurred_on,
                      agencies=tuple(codes), case_refs=tuple(refs), aware_on=aware_on)
    return review, problems


def review_problems(found: Mapping[str, str], answers: Mapping[str, Any]) -> Problems:
    """The services' problems in the page's words: a kind not chosen is asked for, not listed."""
    problems = dict(found)
    if "kind" in problems and not answers.get("kind"):
        problems["kind"] = "Select the kind of review"
    return problems


# --- the structured review ---------------------------------------------------------------------------

TIMELINE_ROWS = 5
STRUCTURED_TEXTS = ("tags", "went_well", "findings", "recommendations")
STRUCTURED_ORDER = ("timeline", "factors", "tags", "went_well", "findings", "recommendations")


def timeline_rows(answers: Mapping[str, Any]) -> int:
    """How many rows of the timeline the form shows: five, or as many as were filled in and one more."""
    return int(answers.get("rows") or TIMELINE_ROWS)


def _row_names(number: int) -> tuple[str, ...]:
    return (*_date_names(f"timeline.{number}.on"), f"timeline.{number}.what")


def structured_answers(form: Any, *, factors: Collection[str]) -> Answers:
    """What the structured review's form posted, as typed: its rows of the timeline up to the
    rules' limit, the factors ticked (the rules judge them), and the texts."""
    answers: Answers = {name: typed(form, name) for name in STRUCTURED_TEXTS}
    numbers = sorted({int(m[1]) for name in form
                      if (m := re.fullmatch(r"timeline\.(\d{1,3})\.(?:on-day|on-month|on-year|what)", name))})
    shown = [n for n in numbers if 1 <= n <= MAX_TIMELINE + 1]
    for number in shown:
        answers.update({name: typed(form, name) for name in _row_names(number)})
    answers["rows"] = max(TIMELINE_ROWS, max(shown, default=0))
    answers["factors"] = list(dict.fromkeys(str(v)[:_MAX_CHOICE] for v in form.getlist("factors")))[
        :len(factors) + 1]
    return answers


def structured_from_answers(answers: Mapping[str, Any]) -> tuple[StructuredReviewIn, Problems]:
    """The structured review the answers describe: the timeline's rows that have anything typed
    (a blank row is left out), the factors and the comma-separated tags."""
    problems: Problems = {}
    timeline: list[TimelineEntry] = []
    for number in range(1, timeline_rows(answers) + 1):
        what = str(answers.get(f"timeline.{number}.what") or "")
        if not what.strip() and not any(date_parts(answers, f"timeline.{number}.on")):
            continue
        on, wrong = read_date(answers, f"timeline.{number}.on", f"The date of entry {len(timeline) + 1}",
                              required=True)
        if wrong and "timeline" not in problems:
            problems["timeline"] = wrong
        timeline.append(TimelineEntry(on, what))
    tags = [tag.strip().lower() for tag in str(answers.get("tags") or "").split(",") if tag.strip()]
    review = StructuredReviewIn(
        timeline=tuple(timeline[:MAX_TIMELINE + 1]), factors=tuple(answers.get("factors") or ()),
        tags=tuple(tags[:MAX_TAGS + 1]), went_well=str(answers.get("went_well") or ""),
        findings=str(answers.get("findings") or ""),
        recommendations=str(answers.get("recommendations") or ""))
    return review, problems


def structured_answers_of(review: Mapping[str, Any] | None, factors: Iterable[str],
                          tags: Iterable[str]) -> Answers:
    """The form's answers for a structured review as recorded (to record it again)."""
    if review is None:
        return {"rows": TIMELINE_ROWS, "factors": []}
    answers: Answers = {"factors": list(factors), "tags": ", ".join(tags),
                        "went_well": review.get("went_well") or "", "findings": review.get("findings") or "",
                        "recommendations": review.get("recommendations") or ""}
    entries = review.get("timeline") or []
    for number, entry in enumerate(entries, start=1):
        on, prefix = date.fromisoformat(entry["on"]), f"timeline.{number}"
        answers.update({f"{prefix}.on-day": str(on.day), f"{prefix}.on-month": str(on.month),
                        f"{prefix}.on-year": str(on.year), f"{prefix}.what": entry["what"]})
    answers["rows"] = max(TIMELINE_ROWS, min(len(entries) + 1, MAX_TIMELINE))
    return answers


def factor_options(factors: Iterable[str]) -> list[tuple[str, str]]:
    return [(factor, factor_label(factor)) for factor in factors]


def entry_date(text: str) -> str:
    """A timeline entry's date as the pages write it."""
    return long_date(date.fromisoformat(text))


# --- feedback -------------------------------------------------------------------------------------

def feedback_answers(form: Any) -> Answers:
    return {"feedback": typed(form, "feedback")}


# --- a SAR's decision -----------------------------------------------------------------------------

SAR_QUESTIONS = {
    "care_and_support_needs": "Did the adult have needs for care and support (whether or not the local "
                              "authority was meeting them)?",
    "joint_working_concern": "Is there reasonable cause for concern about how the board, its members or "
                             "others worked together to safeguard the adult?",
    "known_or_suspected": "Is the abuse or neglect known or suspected?",
}
SAR_HINTS = {"care_and_support_needs": "Care Act 2014 section 44(1)(a)",
             "joint_working_concern": "Section 44(1)(b)", "known_or_suspected": "Section 44(2)(b) and (3)(b)"}
SAR_SINGLE = ("care_and_support_needs", "joint_working_concern", "harm", "known_or_suspected", "decision",
              "rationale", *_date_names("decided_on"))
SAR_ORDER = ("care_and_support_needs", "joint_working_concern", "harm", "known_or_suspected", "decision",
             "rationale", "decided_on")


def sar_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in SAR_SINGLE}


def sar_from_answers(answers: Mapping[str, Any]) -> tuple[SarReferral, Problems]:
    """The decision the answers describe: a criterion not answered is None, for the rules to ask."""
    problems: Problems = {}
    decided_on, wrong = read_date(answers, "decided_on", "The date of the decision", required=True)
    if wrong:
        problems["decided_on"] = wrong
    harm = str(answers.get("harm") or "") or None
    decision = str(answers.get("decision") or "") or None
    return SarReferral(
        care_and_support_needs=_yes_no(answers, "care_and_support_needs"),
        joint_working_concern=_yes_no(answers, "joint_working_concern"), harm=harm,
        known_or_suspected=_yes_no(answers, "known_or_suspected"), decision=decision,
        rationale=str(answers.get("rationale") or ""), decided_on=decided_on), problems


def sar_problems(found: Mapping[str, str], answers: Mapping[str, Any]) -> Problems:
    """The services' problems in the page's words: a choice not made is asked for."""
    problems = dict(found)
    for name in SAR_QUESTIONS:
        if name in problems and not answers.get(name):
            problems[name] = _YES_OR_NO
    if "decision" in problems and not answers.get("decision"):
        problems["decision"] = "Select whether the board arranges a review"
    return problems


# --- a review's dates -----------------------------------------------------------------------------

DATE_LABELS = {"started_on": "When did the review start?", "ended_on": "When did the review end?",
               "notified_on": "When was the national panel notified?",
               "rapid_review_on": "When was the rapid review held?",
               "decided_on": "When did the partners decide to hold a local review?",
               "published_on": "When was the local review published?"}
DATE_HINTS = {"started_on": "Leave blank until it starts.", "ended_on": "Leave blank until it ends.",
              "notified_on": "Within 5 working days of learning of the serious incident.",
              "rapid_review_on": "Within 15 working days of learning of the serious incident.",
              "decided_on": "Leave blank if no local review has been decided on.",
              "published_on": "Within 6 months of the decision to hold it."}
DATE_WHAT = {"started_on": "The start date", "ended_on": "The end date",
             "notified_on": "The date the national panel was notified",
             "rapid_review_on": "The date of the rapid review", "decided_on": "The date of the decision",
             "published_on": "The date of publication"}
REVIEW_DATE_FIELDS = ("started_on", "ended_on")
CSPR_DATE_FIELDS = ("notified_on", "rapid_review_on", "decided_on", "published_on")


def date_fields(kind: str) -> tuple[str, ...]:
    """The dates a review of this kind records: a CSPR its steps too."""
    return (*CSPR_DATE_FIELDS, *REVIEW_DATE_FIELDS) if kind == ReviewKind.CSPR else REVIEW_DATE_FIELDS


def dates_answers(form: Any, kind: str) -> Answers:
    return {name: typed(form, name) for name in _date_names(*date_fields(kind))}


def dates_answers_of(recorded: Mapping[str, date | None], kind: str) -> Answers:
    """The form's answers for the dates as recorded."""
    answers: Answers = {}
    for name in date_fields(kind):
        day = recorded.get(name)
        if day is not None:
            answers.update({f"{name}-day": str(day.day), f"{name}-month": str(day.month),
                            f"{name}-year": str(day.year)})
    return answers


def dates_from_answers(answers: Mapping[str, Any], kind: str) -> tuple[dict[str, date | None], Problems]:
    """Every date of the form, as it now stands: a date left blank is not (or no longer) recorded."""
    problems: Problems = {}
    dates: dict[str, date | None] = {}
    for name in date_fields(kind):
        dates[name], wrong = read_date(answers, name, DATE_WHAT[name])
        if wrong:
            problems[name] = wrong
    return dates, problems


# --- the action plan ----------------------------------------------------------------------------

ACTION_SINGLE = ("title", "agency", "owner_role", *_date_names("due"))
ACTION_ORDER = ("title", "agency", "owner_role", "due")
CHANGE_SINGLE = ("status", "note", "evidence")
CHANGE_ORDER = CHANGE_SINGLE


def action_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in ACTION_SINGLE}


def action_from_answers(answers: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    """The action the answers describe; an agency that could not be one is none (which the
    services refuse by name, never asking the database for it)."""
    problems: Problems = {}
    due, wrong = read_date(answers, "due", "The date the action is due", required=True)
    if wrong:
        problems["due"] = wrong
    code = str(answers.get("agency") or "")
    return {"title": str(answers.get("title") or ""),
            "agency_code": code if AGENCY_CODE.fullmatch(code) else "",
            "owner_role": str(answers.get("owner_role") or ""), "due": due}, problems


def change_answers(form: Any) -> Answers:
    return {name: typed(form, name) for name in CHANGE_SINGLE}
