"""What the consent pages' forms post, turned into the rules' inputs, and the rules' problems turned
back into the fields that hold them.

Nothing here touches the database or Flask's request: a form is a
``werkzeug.datastructures.MultiDict`` of what was posted. The guided disclosure form keeps its
answers as they were typed (strings, and lists of strings for checkboxes), so that nothing typed
is ever lost; :func:`decision_from_answers` reads them into a :class:`DecisionIn` when asked.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from consent.rules import (
    AdviceSought,
    Art6Basis,
    Art9Condition,
    CapacityOutcome,
    ConfidentialityOverride,
    ConsentGivenBy,
    ConsentIn,
    ConsentMethod,
    ConsentStatus,
    ConsentType,
    DecisionIn,
    Direction,
    LegalPower,
    NoConsentReason,
    Outcome,
    Problems,
    Purpose,
    Regime,
    Sch1Condition,
    Sch8Condition,
    SubjectCategory,
)
from consent.services.decisions import Decision, DecisionDetails
from hub.text import without_control_characters
from hub.web.forms import date_parts, read_date

Answers = dict[str, Any]
E = TypeVar("E", bound=enum.StrEnum)

_MAX_TEXT = 10_000
_MAX_LINE = 500


# What a posted form offers: werkzeug's MultiDict (a name may carry several values).
Form = MultiDict[str, str]


# --- words for the vocabulary ------------------------------------------------------------------

def _words(kind: type[E], words: Mapping[E, str]) -> dict[str, str]:
    assert set(words) == set(kind), f"{kind.__name__}: every value needs its words"
    return {str(member): words[member] for member in kind}


# The words for each vocabulary, by the enumeration (values are shared between some of them).
WORDS: dict[type[enum.StrEnum], dict[str, str]] = {
    SubjectCategory: _words(SubjectCategory, {
        SubjectCategory.CHILD: "A child",
        SubjectCategory.ADULT_AT_RISK: "An adult at risk",
        SubjectCategory.ADULT: "An adult",
        SubjectCategory.ALLEGED_PERPETRATOR: "An alleged perpetrator",
        SubjectCategory.THIRD_PARTY: "A third party",
    }),
    Direction: _words(Direction, {
        Direction.PROACTIVE: "Proactively, without a request",
        Direction.ON_REQUEST: "In answer to a request",
    }),
    Purpose: _words(Purpose, {
        Purpose.SAFEGUARD_CHILD: "To safeguard a child",
        Purpose.SAFEGUARD_ADULT_AT_RISK: "To safeguard an adult at risk",
        Purpose.PREVENT_DETECT_CRIME: "To prevent or detect crime",
        Purpose.MARAC: "MARAC",
        Purpose.MAPPA: "MAPPA",
        Purpose.SAB_S45_REQUEST: "A Safeguarding Adults Board request (Care Act 2014 s45)",
        Purpose.S42_ENQUIRY: "A safeguarding enquiry (Care Act 2014 s42)",
        Purpose.DIRECT_CARE: "Direct care",
        Purpose.EMERGENCY_LIFE_OR_SERIOUS_HARM: "An emergency: risk to life or of serious harm",
        Purpose.COURT_ORDER: "A court order",
        Purpose.LEGAL_OBLIGATION_OTHER: "Another legal obligation",
    }),
    Regime: _words(Regime, {
        Regime.UK_GDPR: "UK GDPR",
        Regime.DPA_PART3: "Data Protection Act 2018 Part 3 (police law enforcement processing)",
    }),
    Art6Basis: _words(Art6Basis, {
        Art6Basis.CONSENT: "Consent (Article 6(1)(a))",
        Art6Basis.CONTRACT: "Contract (Article 6(1)(b))",
        Art6Basis.LEGAL_OBLIGATION: "Legal obligation (Article 6(1)(c))",
        Art6Basis.VITAL_INTERESTS: "Vital interests (Article 6(1)(d))",
        Art6Basis.PUBLIC_TASK: "Public task (Article 6(1)(e))",
        Art6Basis.LEGITIMATE_INTERESTS: "Legitimate interests (Article 6(1)(f))",
    }),
    Art9Condition: _words(Art9Condition, {
        Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST: "Substantial public interest (Article 9(2)(g))",
        Art9Condition.HEALTH_AND_SOCIAL_CARE: "Health and social care (Article 9(2)(h))",
        Art9Condition.SOCIAL_PROTECTION:
            "Employment, social security and social protection (Article 9(2)(b))",
        Art9Condition.VITAL_INTERESTS: "Vital interests (Article 9(2)(c))",
        Art9Condition.EXPLICIT_CONSENT: "Explicit consent (Article 9(2)(a))",
    }),
    Sch1Condition: _words(Sch1Condition, {
        Sch1Condition.STATUTORY_PURPOSES: "Statutory and government purposes (paragraph 6)",
        Sch1Condition.PREVENTING_OR_DETECTING_UNLAWFUL_ACTS:
            "Preventing or detecting unlawful acts (paragraph 10)",
        Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK:
            "Safeguarding of children and of individuals at risk (paragraph 18)",
    }),
    Sch8Condition: _words(Sch8Condition, {
        Sch8Condition.STATUTORY_PURPOSES: "Statutory purposes (paragraph 1)",
        Sch8Condition.ADMINISTRATION_OF_JUSTICE: "Administration of justice (paragraph 2)",
        Sch8Condition.VITAL_INTERESTS: "Protecting individuals' vital interests (paragraph 3)",
        Sch8Condition.SAFEGUARDING: "Safeguarding of children and of individuals at risk (paragraph 4)",
    }),
    LegalPower: _words(LegalPower, {
        LegalPower.CRIME_AND_DISORDER_ACT_1998_S115: "Crime and Disorder Act 1998 section 115",
        LegalPower.CARE_ACT_2014_S42: "Care Act 2014 section 42",
        LegalPower.CARE_ACT_2014_S45: "Care Act 2014 section 45",
        LegalPower.CHILDREN_ACT_2004_S11: "Children Act 2004 section 11",
        LegalPower.CHILDREN_ACT_2004_S16: "Children Act 2004 section 16",
        LegalPower.COMMON_LAW: "Common law",
        LegalPower.COURT_ORDER: "A court order",
    }),
    ConfidentialityOverride: _words(ConfidentialityOverride, {
        ConfidentialityOverride.CONSENT: "Consent",
        ConfidentialityOverride.PUBLIC_INTEREST: "The public interest",
        ConfidentialityOverride.STATUTORY_DUTY: "A statutory duty",
        ConfidentialityOverride.COURT_ORDER: "A court order",
    }),
    ConsentStatus: _words(ConsentStatus, {
        ConsentStatus.OBTAINED: "Consent was obtained",
        ConsentStatus.REFUSED: "Consent was refused",
        ConsentStatus.NOT_SOUGHT: "Consent was not sought",
        ConsentStatus.WITHDRAWN: "Consent was withdrawn",
        ConsentStatus.LACKS_CAPACITY: "The person lacks capacity to consent (best interests)",
    }),
    NoConsentReason: _words(NoConsentReason, {
        NoConsentReason.WOULD_INCREASE_RISK_OF_HARM: "Asking would increase the risk of harm",
        NoConsentReason.WOULD_PREJUDICE_CRIME_PREVENTION_DETECTION_PROSECUTION:
            "Asking would prejudice the prevention, detection or prosecution of crime",
        NoConsentReason.UNJUSTIFIED_DELAY: "Asking would cause unjustified delay",
        NoConsentReason.CANNOT_BE_GIVEN: "Consent cannot be given",
        NoConsentReason.CANNOT_REASONABLY_BE_OBTAINED: "Consent cannot reasonably be obtained",
        NoConsentReason.WOULD_PREJUDICE_PROTECTION: "Asking would put the person's protection at risk",
        NoConsentReason.LACKS_CAPACITY: "The person lacks capacity to consent",
        NoConsentReason.CONSENT_NOT_LAWFUL_BASIS: "Consent is not the lawful basis for this sharing",
        NoConsentReason.EMERGENCY: "It is an emergency",
    }),
    Outcome: _words(Outcome, {
        Outcome.SHARE_FULL: "Share in full",
        Outcome.SHARE_PARTIAL_MINIMISED: "Share in part, minimised",
        Outcome.SHARE_ANONYMISED: "Share anonymised",
        Outcome.DO_NOT_SHARE: "Do not share",
        Outcome.DEFERRED_ADVICE_SOUGHT: "Defer while advice is sought",
        Outcome.REFER_TO_ORIGINATING_AGENCY: "Refer to the agency the information came from",
    }),
    AdviceSought: _words(AdviceSought, {
        AdviceSought.MANAGER: "A manager",
        AdviceSought.SAFEGUARDING_LEAD: "A safeguarding lead",
        AdviceSought.DPO: "The data protection officer",
        AdviceSought.CALDICOTT_GUARDIAN: "The Caldicott Guardian",
        AdviceSought.LEGAL: "Legal advice",
    }),
    ConsentGivenBy: _words(ConsentGivenBy, {
        ConsentGivenBy.SELF: "The person themselves",
        ConsentGivenBy.PARENTAL_RESPONSIBILITY: "Someone with parental responsibility",
        ConsentGivenBy.ATTORNEY: "An attorney (lasting power of attorney)",
        ConsentGivenBy.DEPUTY: "A deputy appointed by the Court of Protection",
        ConsentGivenBy.OTHER: "Someone else",
    }),
    ConsentType: _words(ConsentType, {
        ConsentType.EXPLICIT: "Explicit",
        ConsentType.IMPLIED: "Implied",
    }),
    CapacityOutcome: _words(CapacityOutcome, {
        CapacityOutcome.HAS_CAPACITY: "Has capacity for this decision",
        CapacityOutcome.LACKS_CAPACITY: "Lacks capacity for this decision",
    }),
    ConsentMethod: _words(ConsentMethod, {
        ConsentMethod.WRITTEN: "In writing",
        ConsentMethod.VERBAL: "Verbally",
        ConsentMethod.ELECTRONIC: "Electronically",
    }),
}

# The seven-part quality check of a share (DOMAIN.md §6).
QUALITY_CHECKS = {
    "necessary": "Necessary", "proportionate": "Proportionate", "relevant": "Relevant",
    "adequate": "Adequate", "accurate": "Accurate", "timely": "Timely", "secure": "Secure",
}
CHANNELS = {
    "secure_email": "Secure email", "secure_portal": "Secure portal or system",
    "meeting": "At a meeting", "phone": "By phone", "in_person": "In person", "post": "By post",
}
SECURITY_MARKINGS = {"official": "OFFICIAL", "official_sensitive": "OFFICIAL-SENSITIVE"}
WITHDRAWAL_CHANNELS = WORDS[ConsentMethod]
YES_NO = {"yes": "Yes", "no": "No"}

# The words of each field's values, by field name (templates: ``words(field, value)``).
FIELD_WORDS: dict[str, Mapping[str, str]] = {
    "subject_category": WORDS[SubjectCategory], "direction": WORDS[Direction],
    "purpose": WORDS[Purpose], "purposes": WORDS[Purpose], "regime": WORDS[Regime],
    "art6_basis": WORDS[Art6Basis], "art9_condition": WORDS[Art9Condition],
    "sch1_condition": WORDS[Sch1Condition], "sch8_condition": WORDS[Sch8Condition],
    "legal_power": WORDS[LegalPower], "confidentiality_override": WORDS[ConfidentialityOverride],
    "consent_status": WORDS[ConsentStatus], "no_consent_reason": WORDS[NoConsentReason],
    "outcome": WORDS[Outcome], "advice_sought": WORDS[AdviceSought],
    "given_by": WORDS[ConsentGivenBy], "consent_type": WORDS[ConsentType],
    "capacity_outcome": WORDS[CapacityOutcome], "method": WORDS[ConsentMethod],
    "withdrawal_channel": WITHDRAWAL_CHANNELS, "quality_checks": QUALITY_CHECKS,
    "channel": CHANNELS, "security_marking": SECURITY_MARKINGS, "yes_no": YES_NO,
}


def words(field_name: str, value: Any) -> str:
    """The words for a field's stored value (the value itself if it has none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return FIELD_WORDS.get(field_name, {}).get(str(value), str(value))


def choices(field_name: str) -> list[tuple[str, str]]:
    """``(value, words)`` for every value a field may take."""
    return list(FIELD_WORDS[field_name].items())


# --- reading what was typed --------------------------------------------------------------------

def text(value: Any) -> str | None:
    """Free text as given: None when blank."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def lines(value: Any) -> list[str]:
    """A textarea of one item per line, blank lines left out."""
    if not isinstance(value, str):
        return []
    return [line.strip() for line in value.splitlines() if line.strip()]


def enum_value(kind: type[E], value: Any) -> E | None:
    try:
        return kind(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def yes_no(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def read_time(value: Any, what: str) -> tuple[time | None, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, None
    match = _TIME.match(value)
    if match is None:
        return None, f"{what} must be a time, such as 14:30"
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None, f"{what} must be a real time, such as 14:30"
    return time(hour, minute), None


def local_to_utc(day: date, moment: time, zone: str) -> datetime:
    """A day and a time in the policy's zone (Europe/London), as UTC (invariant 7)."""
    return datetime.combine(day, moment, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def start_of_day(day: date, zone: str) -> datetime:
    return local_to_utc(day, time(0, 0), zone)


def _typed(value: object, limit: int) -> str:
    return without_control_characters(str(value or ""))[:limit]


def form_answers(form: Form, names: Iterable[str], *, lists: frozenset[str] = frozenset(),
                 dates: frozenset[str] = frozenset()) -> Answers:
    """What a form posted for these fields, as typed (a date input's three parts apart), with
    control characters dropped."""
    found: Answers = {}
    for name in names:
        if name in lists:
            found[name] = [_typed(v, _MAX_LINE) for v in form.getlist(name) if v][:100]
        elif name in dates:
            for part in ("day", "month", "year"):
                found[f"{name}-{part}"] = _typed(form.get(f"{name}-{part}"), 10)
        else:
            found[name] = _typed(form.get(name), _MAX_TEXT)
    return found


def _too_long(answers: Mapping[str, Any], names: Iterable[str]) -> Problems:
    return {name: "Keep this to 10,000 characters or fewer" for name in names
            if isinstance(answers.get(name), str) and len(answers[name]) >= _MAX_TEXT}


# --- the consent record form -------------------------------------------------------------------

CONSENT_LISTS = frozenset({"purposes", "agencies"})
CONSENT_DATES = frozenset({"obtained_at", "valid_from", "valid_until"})
CONSENT_FIELDS = (
    "given_by", "gillick_competent", "capacity_assessed", "capacity_outcome", "best_interests",
    "consent_type", "purposes", "agencies", "other_agencies", "data_categories", "exclusions",
    "information_given", "method", "obtained_at", "obtained_at-time", "obtained_by", "valid_from",
    "valid_until", "desired_outcomes", "advocate_present",
)
CONSENT_TEXTS = ("best_interests", "other_agencies", "data_categories", "exclusions",
                 "information_given", "obtained_by", "desired_outcomes")


def consent_answers(form: Form) -> Answers:
    return form_answers(form, CONSENT_FIELDS, lists=CONSENT_LISTS, dates=CONSENT_DATES)


def consent_from_answers(answers: Mapping[str, Any], *, zone: str) -> tuple[ConsentIn, Problems]:
    """The consent record the form describes, and what could not be read (keyed by field).
    ``valid_until`` is the last day the consent holds: it ends at the start of the next day."""
    problems: Problems = dict(_too_long(answers, CONSENT_TEXTS))
    enums: dict[str, Any] = {}
    for name, kind in (("given_by", ConsentGivenBy), ("capacity_outcome", CapacityOutcome),
                       ("consent_type", ConsentType), ("method", ConsentMethod)):
        raw = answers.get(name)
        enums[name] = enum_value(kind, raw)
        if raw and enums[name] is None:
            problems[name] = "Choose one of the options"
    purposes: list[Purpose] = []
    for raw in answers.get("purposes") or []:
        found = enum_value(Purpose, raw)
        if found is None:
            problems["purposes"] = "Choose purposes from the list"
        else:
            purposes.append(found)
    agencies = [*(a for a in answers.get("agencies") or [] if a.strip()),
                *lines(answers.get("other_agencies"))]
    obtained_day, error = read_date(answers, "obtained_at", "The date consent was obtained")
    if error:
        problems["obtained_at"] = error
    obtained_time, error = read_time(answers.get("obtained_at-time"), "The time consent was obtained")
    if error:
        problems["obtained_at"] = error
    obtained_at = None
    if obtained_day is not None:
        if obtained_time is None and "obtained_at" not in problems:
            problems["obtained_at"] = "Give the time consent was obtained"
        elif obtained_time is not None:
            obtained_at = local_to_utc(obtained_day, obtained_time, zone)
    elif obtained_time is not None and "obtained_at" not in problems:
        problems["obtained_at"] = "Give the date consent was obtained"
    valid_from_day, error = read_date(answers, "valid_from", "The date consent applies from")
    if error:
        problems["valid_from"] = error
    valid_until_day, error = read_date(answers, "valid_until", "The last day consent applies")
    if error:
        problems["valid_until"] = error
    valid_from = None
    if valid_from_day is not None:
        # The day consent was given applies from the moment it was given.
        valid_from = (obtained_at if obtained_at is not None and obtained_day == valid_from_day
                      else start_of_day(valid_from_day, zone))
    valid_until = None
    if valid_until_day is not None:
        valid_until = start_of_day(date.fromordinal(valid_until_day.toordinal() + 1), zone)
    capacity_assessed = yes_no(answers.get("capacity_assessed")) is True
    consent = ConsentIn(
        given_by=enums["given_by"], purposes=tuple(purposes), agencies=tuple(agencies),
        obtained_at=obtained_at,
        gillick_competent=(yes_no(answers.get("gillick_competent"))
                           if enums["given_by"] == ConsentGivenBy.SELF else None),
        capacity_assessed=capacity_assessed,
        capacity_outcome=enums["capacity_outcome"] if capacity_assessed else None,
        best_interests=text(answers.get("best_interests")) if capacity_assessed else None,
        consent_type=enums["consent_type"], data_categories=tuple(lines(answers.get("data_categories"))),
        exclusions=tuple(lines(answers.get("exclusions"))),
        information_given=text(answers.get("information_given")), method=enums["method"],
        obtained_by=text(answers.get("obtained_by")), valid_from=valid_from, valid_until=valid_until,
        desired_outcomes=text(answers.get("desired_outcomes")),
        advocate_present=yes_no(answers.get("advocate_present")),
    )
    return consent, problems


# The consent page's fields in page order: the error summary lists problems in this order.
CONSENT_ORDER = ("given_by", "gillick_competent", "capacity_assessed", "capacity_outcome",
                 "best_interests", "consent_type", "purposes", "agencies", "data_categories",
                 "exclusions", "information_given", "method", "obtained_at", "obtained_by",
                 "valid_from", "valid_until", "desired_outcomes", "advocate_present")


# --- the guided disclosure-decision form -------------------------------------------------------

def _answer(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda answers: answers.get(name)


@dataclass(frozen=True)
class Question:
    """One question page: its address, heading, the answers it holds and when it is asked."""

    slug: str
    title: str
    fields: tuple[str, ...]
    applies: Callable[[Mapping[str, Any]], bool] = lambda answers: True
    lists: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    # Radios that must be answered whenever the page is asked, with the message if not.
    required: Mapping[str, str] = field(default_factory=dict)


def _uk_gdpr(a: Mapping[str, Any]) -> bool:
    return a.get("regime") == Regime.UK_GDPR


def _special(a: Mapping[str, Any]) -> bool:
    return _uk_gdpr(a) and a.get("special_category") == "yes"


def _without_consent(a: Mapping[str, Any]) -> bool:
    return bool(a.get("consent_status")) and a.get("consent_status") != ConsentStatus.OBTAINED


def _shares(a: Mapping[str, Any]) -> bool:
    return bool(a.get("outcome")) and a.get("outcome") != Outcome.DO_NOT_SHARE


QUESTIONS: tuple[Question, ...] = (
    Question("request", "About the information and the request",
             ("subject_category", "direction", "requesting_org", "requester", "date_received",
              "information_requested"), dates=frozenset({"date_received"}),
             required={"subject_category": "Select who the information is about",
                       "direction": "Select whether the information is shared proactively or on request"}),
    Question("purpose", "What is the purpose of sharing?", ("purpose",),
             required={"purpose": "Select the purpose of sharing"}),
    Question("regime", "Which law applies to the processing?", ("regime", "legal_power"),
             required={"regime": "Select the law that applies to the processing"}),
    Question("lawful-basis", "Lawful basis under UK GDPR",
             ("art6_basis", "special_category", "art9_condition"), applies=_uk_gdpr,
             required={"art6_basis": "Select the lawful basis for sharing (UK GDPR Article 6)",
                       "special_category": "Select yes if the information includes special category data"}),
    Question("schedule-1", "Which Schedule 1 condition applies?", ("sch1_condition",),
             applies=lambda a: _special(a)
             and a.get("art9_condition") == Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST,
             required={"sch1_condition": "Select the Schedule 1 condition"}),
    Question("schedule-8", "Which Schedule 8 condition applies?", ("sch8_condition",),
             applies=lambda a: a.get("regime") == Regime.DPA_PART3,
             required={"sch8_condition": "Select the Schedule 8 condition"}),
    Question("confidentiality", "Is the information confidential?",
             ("confidential", "confidentiality_override"),
             required={"confidential": "Select yes if the information is confidential"}),
    Question("consent", "Where does consent stand?", ("consent_status", "consent_id"),
             required={"consent_status": "Select where consent stands"}),
    Question("without-consent", "Sharing without consent", ("no_consent_reason", "public_interest_rationale"),
             applies=_without_consent,
             required={"no_consent_reason": "Select why consent is not the basis for this decision"}),
    Question("informed", "Has the person been told?",
             ("subject_informed", "not_informed_reason", "subject_views"),
             required={"subject_informed": "Select yes if the person has been told"}),
    Question("test", "Is sharing necessary and proportionate?",
             ("necessity", "proportionality", "minimised", "quality_checks"),
             lists=frozenset({"quality_checks"})),
    Question("outcome", "What have you decided?",
             ("outcome", "rationale", "decision_maker_role", "advice_sought", "dsa_ref", "dpia_ref",
              "review_date"), lists=frozenset({"advice_sought"}), dates=frozenset({"review_date"}),
             required={"outcome": "Select what you have decided"}),
    Question("recipients", "Who receives what?",
             ("recipients", "other_recipients", "items_shared", "channel", "security_marking"),
             applies=_shares, lists=frozenset({"recipients"})),
)
QUESTION = {q.slug: q for q in QUESTIONS}
# Where each field of a decision (and of a problem keyed by it) is asked.
FIELD_QUESTION: dict[str, str] = {name: q.slug for q in QUESTIONS for name in q.fields}
FIELD_QUESTION.update({"decided_at": "outcome", "decision_maker": "outcome", "supersedes": "outcome",
                       "other_recipients": "recipients"})
CHECK_ANSWERS = "check-answers"


def asked(answers: Mapping[str, Any]) -> list[Question]:
    """The question pages that apply to these answers, in order."""
    return [q for q in QUESTIONS if q.applies(answers)]


def next_question(slug: str, answers: Mapping[str, Any]) -> str:
    """The page after ``slug`` given the answers so far: the next that applies, or check answers."""
    order = [q.slug for q in QUESTIONS]
    for q in QUESTIONS[order.index(slug) + 1:]:
        if q.applies(answers):
            return q.slug
    return CHECK_ANSWERS


def previous_question(slug: str, answers: Mapping[str, Any]) -> str | None:
    earlier = [q.slug for q in asked(answers)]
    if slug == CHECK_ANSWERS:
        return earlier[-1] if earlier else None
    order = [q.slug for q in QUESTIONS]
    before = [s for s in earlier if order.index(s) < order.index(slug)]
    return before[-1] if before else None


def question_answers(question: Question, form: Form) -> Answers:
    return form_answers(form, question.fields, lists=question.lists, dates=question.dates)


_ENUMS: dict[str, type[enum.StrEnum]] = {
    "subject_category": SubjectCategory, "direction": Direction, "purpose": Purpose, "regime": Regime,
    "art6_basis": Art6Basis, "art9_condition": Art9Condition, "sch1_condition": Sch1Condition,
    "sch8_condition": Sch8Condition, "legal_power": LegalPower,
    "confidentiality_override": ConfidentialityOverride, "consent_status": ConsentStatus,
    "no_consent_reason": NoConsentReason, "outcome": Outcome,
}
_TEXTS = ("requesting_org", "requester", "information_requested", "public_interest_rationale",
          "not_informed_reason", "subject_views", "necessity", "proportionality", "minimised",
          "rationale", "decision_maker_role", "dsa_ref", "dpia_ref", "other_recipients", "items_shared")
_SHORT = {"decision_maker_role": 200, "dsa_ref": 100, "dpia_ref": 100}


def applicable_answers(answers: Mapping[str, Any]) -> Answers:
    """Only what the pages asked given the other answers: a follow-up of a choice since changed
    (a Schedule 8 condition after switching to UK GDPR) is left out, as the person would expect."""
    kept: Answers = {}
    for q in asked(answers):
        for name in q.fields:
            for key in ([f"{name}-{p}" for p in ("day", "month", "year")] if name in q.dates else [name]):
                if key in answers:
                    kept[key] = answers[key]
    if kept.get("direction") != Direction.ON_REQUEST:
        for name in ("requesting_org", "requester", "information_requested"):
            kept.pop(name, None)
        for part in ("day", "month", "year"):
            kept.pop(f"date_received-{part}", None)
    if kept.get("special_category") != "yes":
        kept.pop("art9_condition", None)
    if kept.get("confidential") != "yes":
        kept.pop("confidentiality_override", None)
        kept.pop("public_interest_rationale", None)
    if kept.get("consent_status") != ConsentStatus.OBTAINED:
        kept.pop("consent_id", None)
    if kept.get("subject_informed") != "no":
        kept.pop("not_informed_reason", None)
    if "supersedes" in answers:
        kept["supersedes"] = answers["supersedes"]
    return kept


def decision_from_answers(case_id: uuid.UUID, answers: Mapping[str, Any], *,
                          assume_share: bool = False) -> tuple[DecisionIn, DecisionDetails, Problems]:
    """The decision the answers describe, and what could not be read (keyed by field).

    Unanswered choices stay None (the rules treat them as not given). ``assume_share`` judges the
    answers as if something were to be shared when no outcome is chosen yet, so that a page
    before the outcome asks for what sharing would need.
    """
    a = applicable_answers(answers)
    problems: Problems = dict(_too_long(a, _TEXTS))
    for name, limit in _SHORT.items():
        if isinstance(a.get(name), str) and len(a[name].strip()) > limit:
            problems[name] = f"Keep this to {limit} characters or fewer"
    values: dict[str, Any] = {}
    for name, kind in _ENUMS.items():
        raw = a.get(name)
        values[name] = enum_value(kind, raw)
        if raw and values[name] is None:
            problems[name] = "Choose one of the options"
    if assume_share and values["outcome"] is None:
        values["outcome"] = Outcome.SHARE_FULL
    advice = set()
    for raw in a.get("advice_sought") or []:
        found = enum_value(AdviceSought, raw)
        if found is None:
            problems["advice_sought"] = "Choose from the list"
        else:
            advice.add(found)
    consent_id = None
    if a.get("consent_id"):
        try:
            consent_id = uuid.UUID(str(a["consent_id"]))
        except ValueError:
            problems["consent_id"] = "Choose a consent record of this case"
    supersedes = None
    if a.get("supersedes"):
        try:
            supersedes = uuid.UUID(str(a["supersedes"]))
        except ValueError:
            problems["supersedes"] = "Choose a decision of this case to correct"
    date_received, error = read_date(a, "date_received", "The date the request was received")
    if error:
        problems["date_received"] = error
    review_date, error = read_date(a, "review_date", "The review date")
    if error:
        problems["review_date"] = error
    quality = [c for c in a.get("quality_checks") or [] if c in QUALITY_CHECKS]
    if len(quality) != len(a.get("quality_checks") or []):
        problems["quality_checks"] = "Choose from the list"
    for name, allowed in (("channel", CHANNELS), ("security_marking", SECURITY_MARKINGS)):
        if a.get(name) and a[name] not in allowed:
            problems[name] = "Choose one of the options"
    recipients = [*(r for r in a.get("recipients") or [] if r.strip()), *lines(a.get("other_recipients"))]
    decision = DecisionIn(
        case_id=case_id,
        subject_category=values["subject_category"], direction=values["direction"],
        purpose=values["purpose"], regime=values["regime"], outcome=values["outcome"],
        consent_status=values["consent_status"],
        special_category=yes_no(a.get("special_category")) is True,
        confidential=yes_no(a.get("confidential")) is True,
        # Unanswered, the person is taken as told: the question asks for the reason when not.
        subject_informed=yes_no(a.get("subject_informed")) is not False,
        requesting_org=text(a.get("requesting_org")),
        art6_basis=values["art6_basis"], art9_condition=values["art9_condition"],
        sch1_condition=values["sch1_condition"], sch8_condition=values["sch8_condition"],
        legal_power=values["legal_power"], confidentiality_override=values["confidentiality_override"],
        consent_id=consent_id, no_consent_reason=values["no_consent_reason"],
        public_interest_rationale=text(a.get("public_interest_rationale")),
        not_informed_reason=text(a.get("not_informed_reason")),
        necessity=text(a.get("necessity")), proportionality=text(a.get("proportionality")),
        rationale=text(a.get("rationale")), recipients=tuple(recipients),
        items_shared=tuple(lines(a.get("items_shared"))), advice_sought=frozenset(advice),
        decision_maker_role=text(a.get("decision_maker_role")), supersedes=supersedes,
    )
    details = DecisionDetails(
        requester=text(a.get("requester")), date_received=date_received,
        information_requested=text(a.get("information_requested")),
        subject_views=text(a.get("subject_views")), minimised=text(a.get("minimised")),
        quality_checks=tuple(quality), channel=a.get("channel") or None,
        security_marking=a.get("security_marking") or None,
        dsa_ref=text(a.get("dsa_ref")), dpia_ref=text(a.get("dpia_ref")), review_date=review_date,
    )
    return decision, details, problems


def missing_choices(answers: Mapping[str, Any]) -> Problems:
    """The required choices of every page that applies that are still unanswered."""
    a = applicable_answers(answers)
    problems: Problems = {}
    for q in asked(a):
        for name, message in q.required.items():
            if not a.get(name):
                problems[name] = message
    if a.get("special_category") == "yes" and not a.get("art9_condition"):
        problems["art9_condition"] = "Select the Article 9 condition for special category information"
    return problems


def question_problems(question: Question, answers: Mapping[str, Any],
                      rule_problems: Callable[[DecisionIn], Problems],
                      case_id: uuid.UUID) -> Problems:
    """What is wrong with one page's answers: its unanswered choices, what could not be read,
    and the rules' problems with its own fields (judged as a share until an outcome is chosen).

    Choosing Schedule 1 paragraph 18 checks the subject category asked earlier; that problem is
    shown here, against the condition chosen.
    """
    own = set(question.fields)
    problems = {k: v for k, v in missing_choices(answers).items() if k in own}
    decision, _details, unread = decision_from_answers(case_id, answers, assume_share=True)
    problems.update({k: v for k, v in unread.items() if k in own and k not in problems})
    found = rule_problems(decision)
    for name, message in found.items():
        if name in own:
            problems.setdefault(name, message)
    if question.slug == "schedule-1" and "subject_category" in found and answers.get("subject_category"):
        problems.setdefault("sch1_condition", found["subject_category"])
    return problems


def ordered(problems: Mapping[str, str], order: Iterable[str]) -> list[tuple[str, str]]:
    """Problems in the order their fields appear (unknown fields last)."""
    order = list(order)
    rank = {name: i for i, name in enumerate(order)}
    return sorted(problems.items(), key=lambda item: rank.get(item[0], len(order)))


def decision_order() -> list[str]:
    return [name for q in QUESTIONS for name in q.fields]


def answers_from_decision(decision: Decision, agency_codes: Iterable[str] = ()) -> Answers:
    """A recorded decision's answers, to start its correction from (``supersedes`` set);
    recipients among ``agency_codes`` are ticked, the others listed as other organisations."""
    row, texts = decision.row, decision.texts
    codes = set(agency_codes)
    a: Answers = {
        "subject_category": row.subject_category, "direction": row.direction,
        "purpose": row.purpose, "regime": row.regime, "art6_basis": row.art6_basis or "",
        "special_category": "yes" if row.special_category else "no",
        "art9_condition": row.art9_condition or "", "sch1_condition": row.sch1_condition or "",
        "sch8_condition": row.sch8_condition or "", "legal_power": row.legal_power or "",
        "confidential": "yes" if row.confidential else "no",
        "confidentiality_override": row.confidentiality_override or "",
        "consent_status": row.consent_status, "consent_id": str(row.consent_id) if row.consent_id else "",
        "no_consent_reason": row.no_consent_reason or "",
        "subject_informed": "yes" if row.subject_informed else "no",
        "outcome": row.outcome, "advice_sought": list(row.advice_sought),
        "quality_checks": list(row.quality_checks), "channel": row.channel or "",
        "security_marking": row.security_marking or "", "dsa_ref": row.dsa_ref or "",
        "dpia_ref": row.dpia_ref or "", "decision_maker_role": row.decision_maker_role or "",
        "recipients": [r for r in row.recipients if r in codes],
        "other_recipients": "\n".join(r for r in row.recipients if r not in codes),
        "items_shared": "\n".join(decision.items_shared), "supersedes": str(row.id),
    }
    for name in ("requesting_org", "requester", "information_requested", "rationale", "necessity",
                 "proportionality", "public_interest_rationale", "not_informed_reason",
                 "subject_views", "minimised"):
        a[name] = texts.get(name) or ""
    for name, day in (("date_received", row.date_received), ("review_date", row.review_date)):
        a[f"{name}-day"] = str(day.day) if day else ""
        a[f"{name}-month"] = str(day.month) if day else ""
        a[f"{name}-year"] = str(day.year) if day else ""
    return a


# Short names of a decision's fields, for check your answers and the decision page.
FIELD_NAMES = {
    "subject_category": "About", "direction": "Shared", "requesting_org": "Requesting organisation",
    "requester": "Requester", "date_received": "Request received",
    "information_requested": "Information requested", "purpose": "Purpose", "regime": "Law",
    "legal_power": "Legal power or gateway", "art6_basis": "Lawful basis (Article 6)",
    "special_category": "Special category information", "art9_condition": "Article 9 condition",
    "sch1_condition": "Schedule 1 condition", "sch8_condition": "Schedule 8 condition",
    "confidential": "Confidential", "confidentiality_override": "Confidence set aside on",
    "consent_status": "Consent", "consent_id": "Consent record",
    "no_consent_reason": "Why consent is not the basis",
    "public_interest_rationale": "Public interest rationale", "subject_informed": "Person told",
    "not_informed_reason": "Why not told", "subject_views": "Person's views", "necessity": "Necessity",
    "proportionality": "Proportionality", "minimised": "Minimised", "quality_checks": "Quality check",
    "outcome": "Outcome", "rationale": "Rationale", "decision_maker_role": "Your role",
    "advice_sought": "Advice sought", "dsa_ref": "Data sharing agreement", "dpia_ref": "DPIA",
    "review_date": "Review date", "recipients": "Recipients", "items_shared": "Information shared",
    "channel": "Channel", "security_marking": "Security marking",
}
_YES_NO_FIELDS = frozenset({"special_category", "confidential", "subject_informed"})


@dataclass(frozen=True)
class SummaryRow:
    slug: str
    field: str
    key: str
    value: str


def summary_rows(answers: Mapping[str, Any], *, agency_names: Mapping[str, str],
                 consent_words: str = "") -> list[SummaryRow]:
    """Check your answers: every question asked, with the answer in words, by page."""
    a = applicable_answers(answers)
    rows: list[SummaryRow] = []
    for q in asked(a):
        for name in q.fields:
            if name == "other_recipients":
                continue
            if name in q.dates:
                day, month, year = date_parts(a, name)
                value = f"{day}/{month}/{year}" if day or month or year else ""
                parsed, _ = read_date(a, name, "")
                if parsed is not None:
                    value = f"{parsed.day} {parsed.strftime('%B %Y')}"
            elif name == "recipients":
                chosen = [agency_names.get(code, code) for code in a.get("recipients") or []]
                value = "\n".join([*chosen, *lines(a.get("other_recipients"))])
            elif name == "consent_id":
                if a.get("consent_status") != ConsentStatus.OBTAINED:
                    continue
                value = consent_words
            elif name in _YES_NO_FIELDS:
                value = YES_NO.get(a.get(name) or "", "")
            elif name in q.lists:
                value = "\n".join(words(name, v) for v in a.get(name) or [])
            else:
                value = words(name, a.get(name)) if name in FIELD_WORDS else str(a.get(name) or "")
            if name in ("requesting_org", "requester", "information_requested", "date_received") \
                    and a.get("direction") != Direction.ON_REQUEST:
                continue
            if name == "art9_condition" and a.get("special_category") != "yes":
                continue
            if name == "confidentiality_override" and a.get("confidential") != "yes":
                continue
            if name == "public_interest_rationale" and a.get("confidential") != "yes":
                continue
            if name == "not_informed_reason" and a.get("subject_informed") != "no":
                continue
            rows.append(SummaryRow(q.slug, name, FIELD_NAMES.get(name, name), value or "Not given"))
    return rows
