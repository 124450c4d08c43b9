"""The rules of concerns, triage and daily observations, as pure functions (DOMAIN.md §2, §11).

A concern names the categories of abuse and neglect of the Care Act 2014 statutory guidance
(§14.17) for an adult, or of Working Together to Safeguard Children 2023 for a child; the named
safeguarding leads decide on it by the end of the next working day. An s42 enquiry is the council's
duty only when the three-part test of the Care Act 2014 s42(1) holds. The thresholds that raise an
alert from daily observations are policy (`[policy.observations]`), every default local.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from consent.rules import ConsentStatus
from hub.config import ObservationPolicy, Policy
from hub.text import has_control_characters
from hub.text import text_problem as _text_problem
from hub.workdays import add_working_days, is_working_day
from sharing.rules import MAX_TITLE as MAX_ACTION_TITLE

Problems = dict[str, str]

MAX_TEXT = 5000
MAX_SHORT = 200
MAX_NOTE = 1000
# An observation may be recorded after the event, within a week; never in the future.
OBSERVED_FUTURE_GRACE = timedelta(minutes=5)
OBSERVED_MAX_AGE = timedelta(days=7)


# Care Act 2014 statutory guidance §14.17 (adults) and Working Together 2023 (children).
ADULT_CATEGORIES = ("physical", "domestic", "sexual", "psychological", "financial_material",
                    "modern_slavery", "discriminatory", "organisational", "neglect_omission",
                    "self_neglect")
CHILD_CATEGORIES = ("physical", "emotional", "sexual", "neglect")
CATEGORY_NAMES = {
    "physical": "Physical abuse", "domestic": "Domestic abuse", "sexual": "Sexual abuse",
    "psychological": "Psychological or emotional abuse", "financial_material": "Financial or material abuse",
    "modern_slavery": "Modern slavery", "discriminatory": "Discriminatory abuse",
    "organisational": "Organisational abuse", "neglect_omission": "Neglect and acts of omission",
    "self_neglect": "Self-neglect", "emotional": "Emotional abuse", "neglect": "Neglect",
}


class ConcernStatus(enum.StrEnum):
    AWAITING_TRIAGE = "awaiting_triage"
    TRIAGED = "triaged"


# Where the person's consent to the concern being shared stands, in the words of the consent
# package's vocabulary; a concern is raised before any consent to it could be withdrawn.
CONCERN_CONSENT = (ConsentStatus.OBTAINED, ConsentStatus.REFUSED, ConsentStatus.NOT_SOUGHT,
                   ConsentStatus.LACKS_CAPACITY)


class Outcome(enum.StrEnum):
    """The named lead's decision on a concern (DOMAIN.md §11)."""

    NO_FURTHER_ACTION = "no_further_action"
    ADVICE_GIVEN = "advice_given"
    S42_ENQUIRY = "s42_enquiry"
    CHILD_REFERRAL = "child_referral"
    MARAC_REFERRAL = "marac_referral"
    MAPPA_REFERRAL = "mappa_referral"
    OTHER_AGENCY = "other_agency"


OUTCOME_NAMES = {
    Outcome.NO_FURTHER_ACTION: "No further action", Outcome.ADVICE_GIVEN: "Advice given",
    Outcome.S42_ENQUIRY: "Section 42 enquiry", Outcome.CHILD_REFERRAL: "Referral to children's services",
    Outcome.MARAC_REFERRAL: "Referral to MARAC", Outcome.MAPPA_REFERRAL: "Referral to MAPPA",
    Outcome.OTHER_AGENCY: "Passed to another agency",
}

# The Care Act 2014 s42(1) test, in its order: each is answered yes or no, with the evidence.
S42_QUESTIONS = ("care_and_support_needs", "experiencing_or_at_risk", "unable_to_protect")
S42_WORDING = {
    "care_and_support_needs": "Has needs for care and support (whether or not the local authority "
                              "is meeting any of those needs)",
    "experiencing_or_at_risk": "Is experiencing, or at risk of, abuse or neglect",
    "unable_to_protect": "As a result of those needs is unable to protect themselves against the "
                         "abuse or neglect or the risk of it",
}


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"


class AlertAction(enum.StrEnum):
    RAISE_CONCERN = "raise_concern"
    REVIEW_CRISIS_PLAN = "review_crisis_plan"
    CONTACT_PERSON = "contact_person"
    NO_ACTION_WITH_REASON = "no_action_with_reason"


ALERT_ACTION_NAMES = {
    AlertAction.RAISE_CONCERN: "Raised a safeguarding concern",
    AlertAction.REVIEW_CRISIS_PLAN: "Reviewing the crisis plan",
    AlertAction.CONTACT_PERSON: "Contacted the person",
    AlertAction.NO_ACTION_WITH_REASON: "No action, with the reason",
}


# --- raising a concern ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ConcernIn:
    case_id: uuid.UUID | None
    subject_name: str
    subject_date_of_birth: date | None
    categories: tuple[str, ...]
    account: str  # what was seen or heard: the facts
    opinion: str  # the professional's opinion, kept apart from the facts
    immediate_risk: bool
    immediate_action: str
    views: str
    desired_outcomes: str
    person_aware: bool
    consent_status: str


def is_child(date_of_birth: date, today: date) -> bool:
    """Under 18 on ``today`` (Children Act 1989 s105)."""
    eighteenth = _birthday(date_of_birth, 18)
    return today < eighteenth


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March
        return date(born.year + years, 3, 1)


def categories_for(child: bool) -> tuple[str, ...]:
    """Working Together's four categories for a child; the Care Act guidance's ten for an adult."""
    return CHILD_CATEGORIES if child else ADULT_CATEGORIES


def person_problems(concern: ConcernIn, today: date) -> Problems:
    """A concern is about one person: a case of the agency, or a name and date of birth."""
    problems: Problems = {}
    named = bool(concern.subject_name.strip()) or concern.subject_date_of_birth is not None
    if concern.case_id is not None and named:
        problems["case_id"] = "Choose a case or give the person's name and date of birth, not both"
    elif concern.case_id is None:
        if not concern.subject_name.strip():
            problems["subject.name"] = "Enter the person's full name"
        elif (problem := _text_problem(concern.subject_name, MAX_SHORT)) is not None:
            problems["subject.name"] = problem
        born = concern.subject_date_of_birth
        if born is None:
            problems["subject.date_of_birth"] = "Enter the person's date of birth"
        elif born > today or born.year < 1900:
            problems["subject.date_of_birth"] = "The date of birth must be a real date in the past"
    return problems


def category_problems(categories: Sequence[str], *, child: bool) -> Problems:
    """Care Act statutory guidance §14.17 for adults; Working Together 2023 for children."""
    allowed = categories_for(child)
    if not categories:
        return {"categories": "Choose at least one category of abuse or neglect"}
    wrong = [c for c in categories if c not in allowed]
    if wrong:
        who = "a child (Working Together 2023)" if child else "an adult (Care Act statutory guidance)"
        return {"categories": f"{', '.join(sorted(set(wrong)))} is not a category for {who}: choose from "
                              f"{', '.join(allowed)}"}
    if len(set(categories)) != len(categories):
        return {"categories": "Choose each category once"}
    return {}


def account_problems(concern: ConcernIn) -> Problems:
    """What was seen or heard is the heart of a concern: facts, and opinion kept apart."""
    problems: Problems = {}
    if not concern.account.strip():
        problems["account"] = "Say what was seen or heard"
    for name, value in (("account", concern.account), ("opinion", concern.opinion),
                        ("views", concern.views), ("desired_outcomes", concern.desired_outcomes),
                        ("immediate_action", concern.immediate_action)):
        if name not in problems and (problem := _text_problem(value, MAX_TEXT)) is not None:
            problems[name] = problem
    return problems


def immediate_risk_problems(concern: ConcernIn) -> Problems:
    """Immediate risk is acted on at once: say what was done (DOMAIN.md §11)."""
    if concern.immediate_risk and not concern.immediate_action.strip():
        return {"immediate_action": "Say what was done at once about the immediate risk"}
    return {}


def consent_problems(concern: ConcernIn) -> Problems:
    if concern.consent_status not in CONCERN_CONSENT:
        return {"consent_status": f"Choose one of {', '.join(CONCERN_CONSENT)}"}
    return {}


def concern_problems(concern: ConcernIn, *, child: bool | None, today: date) -> Problems:
    """Everything wrong with a concern, keyed by field. ``child`` is whether the person is a child
    (None while the person is not yet known, when only the person's own problems are reported)."""
    problems = person_problems(concern, today)
    if child is not None:
        problems |= category_problems(concern.categories, child=child)
    problems |= account_problems(concern) | immediate_risk_problems(concern) | consent_problems(concern)
    return problems


def triage_due(raised_at: datetime, policy: Policy) -> datetime:
    """By the end of the next working day (DOMAIN.md §2): the close of working hours, local time,
    `concern_triage_working_days` (1) working days after the day the concern was raised."""
    zone = ZoneInfo(policy.timezone)
    local = raised_at.astimezone(zone)
    day = add_working_days(local.date(), policy.concern_triage_working_days)
    return datetime.combine(day, time(0), zone) + timedelta(hours=policy.working_day_end_hour)


# --- triage --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class S42Answer:
    answer: bool
    evidence: str


@dataclass(frozen=True)
class TriageIn:
    outcome: str
    rationale: str
    s42: Mapping[str, S42Answer] | None = None
    dash_score: int | None = None
    referred_to: str = ""


def rationale_problems(triage: TriageIn) -> Problems:
    """Every decision on a concern is recorded with its reasons (Care Act statutory guidance
    §14.92: record the decision and the reasons, including when no further action is taken)."""
    if not triage.rationale.strip():
        return {"rationale": "Give the reasons for the decision"}
    if (problem := _text_problem(triage.rationale, MAX_TEXT)) is not None:
        return {"rationale": problem}
    return {}


def s42_problems(triage: TriageIn, *, child: bool) -> Problems:
    """Care Act 2014 s42(1): the enquiry duty arises for an adult who has care and support needs,
    is experiencing or at risk of abuse or neglect, and as a result of those needs cannot protect
    themselves. Each of the three is answered, with its evidence; all three must hold."""
    if triage.outcome != Outcome.S42_ENQUIRY:
        return {}
    if child:
        return {"outcome": "A section 42 enquiry is for an adult: refer a child to children's services"}
    answers = triage.s42 or {}
    problems: Problems = {}
    for question in S42_QUESTIONS:
        given = answers.get(question)
        if given is None:
            problems[f"s42.{question}"] = "Answer this part of the section 42 test"
        elif not given.evidence.strip():
            problems[f"s42.{question}.evidence"] = "Give the evidence for this answer"
        elif (problem := _text_problem(given.evidence, MAX_TEXT)) is not None:
            problems[f"s42.{question}.evidence"] = problem
    unknown = sorted(set(answers) - set(S42_QUESTIONS))
    if unknown:
        problems["s42"] = f"The section 42 test has three parts, not {', '.join(unknown)}"
    if not problems and not all(answers[q].answer for q in S42_QUESTIONS):
        problems["outcome"] = ("The section 42 duty arises only when all three parts of the test "
                               "hold: record another outcome, with the reasons")
    return problems


def referral_problems(triage: TriageIn, *, child: bool) -> Problems:
    """A MARAC referral carries its DASH count (0-24); a child's concern goes to children's
    services; another agency is named."""
    problems: Problems = {}
    if triage.outcome == Outcome.MARAC_REFERRAL:
        if triage.dash_score is None:
            problems["dash_score"] = "Give the DASH risk checklist's count of yes answers"
        elif not 0 <= triage.dash_score <= 24:
            problems["dash_score"] = "The DASH checklist has 24 questions: give 0 to 24"
    if triage.outcome == Outcome.CHILD_REFERRAL and not child:
        problems["outcome"] = "A referral to children's services is for a child"
    if triage.outcome in (Outcome.OTHER_AGENCY, Outcome.MAPPA_REFERRAL) and not triage.referred_to.strip():
        problems["referred_to"] = "Name the agency or panel the concern was passed to"
    if (problem := _text_problem(triage.referred_to, MAX_SHORT)) is not None:
        problems["referred_to"] = problem
    return problems


def triage_problems(triage: TriageIn, *, child: bool) -> Problems:
    if triage.outcome not in set(Outcome):
        return {"outcome": f"Choose one of {', '.join(Outcome)}"} | rationale_problems(triage)
    return rationale_problems(triage) | s42_problems(triage, child=child) | \
        referral_problems(triage, child=child)


# --- daily observations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ObservationIn:
    scores: Mapping[str, object]
    note: str
    observed_at: datetime


def observation_problems(observation: ObservationIn, policy: ObservationPolicy, *,
                         now: datetime) -> Problems:
    """Scores for the policy's indicators only, each a whole number on its scale; a short note;
    a time in the last week, not in the future."""
    problems: Problems = {}
    if not observation.scores:
        problems["scores"] = "Score at least one indicator"
    for name, score in observation.scores.items():
        if name not in policy.indicators:
            problems[f"scores.{name}"] = (f"{name!r} is not one of the indicators: "
                                          f"{', '.join(policy.indicators)}")
        elif not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= policy.scale_max:
            problems[f"scores.{name}"] = f"Score {name.replace('_', ' ')} from 0 to {policy.scale_max}"
    if (problem := _text_problem(observation.note, MAX_NOTE)) is not None:
        problems["note"] = problem
    if observation.observed_at.tzinfo is None:
        problems["observed_at"] = "Give the time with its offset from UTC, such as 09:00:00+00:00"
    elif observation.observed_at > now + OBSERVED_FUTURE_GRACE:
        problems["observed_at"] = "An observation cannot be recorded for a time still to come"
    elif observation.observed_at < now - OBSERVED_MAX_AGE:
        problems["observed_at"] = "Record an observation within a week of making it"
    return problems


def score_thresholds(scores: Mapping[str, int], policy: ObservationPolicy) -> list[str]:
    """Any indicator at `any_indicator_at` (3) or more, and each indicator of `indicator_at` at its
    own level (thoughts of self-harm at 2 or more): one threshold per indicator, the lowest level
    that applies to it, named ``<indicator>_at_<level>``. A level of 0 is switched off."""
    crossed = []
    for name in policy.indicators:
        score = scores.get(name)
        if score is None:
            continue
        levels = [level for level in (policy.any_indicator_at, policy.indicator_at.get(name, 0)) if level]
        if levels and score >= min(levels):
            crossed.append(f"{name}_at_{min(levels)}")
    return crossed


def total_of(scores: Mapping[str, int]) -> int:
    return sum(scores.values())


def rise_threshold(total: int, previous_daily_totals: Sequence[float],
                   policy: ObservationPolicy) -> list[str]:
    """The total up by `total_rise` (5) or more against the mean of the previous `total_rise_days`
    (3) days (each day's last observation; the days observed, when some were missed). No earlier
    day, no comparison."""
    if not policy.total_rise or not previous_daily_totals:
        return []
    if total - fmean(previous_daily_totals) >= policy.total_rise:
        return [f"total_rise_{policy.total_rise}"]
    return []


def missing_due(last: datetime, policy: ObservationPolicy) -> datetime | None:
    """When "no observation for `missing_days` (3) days" is crossed, counted from the last
    observation (or from when daily observation was agreed); None when switched off."""
    return last + timedelta(days=policy.missing_days) if policy.missing_days else None


def missing_threshold(policy: ObservationPolicy) -> str:
    return f"missing_{policy.missing_days}_days"


def previous_daily_totals(history: Sequence[tuple[date, int]], day: date,
                          policy: ObservationPolicy) -> list[int]:
    """From (local day, total) pairs in time order, the last total of each of the
    `total_rise_days` days before ``day``."""
    first = day - timedelta(days=policy.total_rise_days)
    last_of_day: dict[date, int] = {}
    for observed_on, total in history:
        if first <= observed_on < day:
            last_of_day[observed_on] = total
    return list(last_of_day.values())


def describe_threshold(threshold: str) -> str:
    """The words for a threshold's name (never a score or the note)."""
    if threshold.startswith("missing_") and threshold.endswith("_days"):
        return f"No observation for {threshold.split('_')[1]} days"
    if threshold.startswith("total_rise_"):
        return f"Total score up by {threshold.rsplit('_', 1)[1]} or more on the previous days"
    name, _, level = threshold.rpartition("_at_")
    if name and level.isdigit():
        return f"{name.replace('_', ' ').capitalize()} scored {level} or more"
    return threshold


def add_working_hours(start: datetime, hours: int, policy: Policy) -> datetime:
    """``hours`` working hours after ``start``: hours between `working_day_start_hour` and
    `working_day_end_hour`, local time, on working days (an alert raised at 16:00 on a Friday with
    4 hours to go is due at 12:00 on Monday)."""
    zone = ZoneInfo(policy.timezone)
    opens, closes = policy.working_day_start_hour, policy.working_day_end_hour
    moment = start.astimezone(zone)
    left = timedelta(hours=hours)
    while True:
        day = moment.date()
        day_open = datetime.combine(day, time(opens), zone)
        day_close = datetime.combine(day, time(0), zone) + timedelta(hours=closes)
        if is_working_day(day) and moment < day_close:
            moment = max(moment, day_open)
            if moment + left <= day_close:
                return moment + left
            left -= day_close - moment
        moment = datetime.combine(day + timedelta(days=1), time(0), zone)


# --- acknowledging an alert ------------------------------------------------------------------------

MAX_ALERT_NOTE = 2000


def acknowledgement_problems(action_taken: str, note: str) -> Problems:
    """An acknowledgement names one of the actions; no action needs its reason."""
    problems: Problems = {}
    if action_taken not in set(AlertAction):
        problems["action_taken"] = f"Choose one of {', '.join(AlertAction)}"
    if action_taken == AlertAction.NO_ACTION_WITH_REASON and not note.strip():
        problems["note"] = "Give the reason no action is taken"
    if len(note) > MAX_ALERT_NOTE or has_control_characters(note):
        problems["note"] = f"Keep the note to {MAX_ALERT_NOTE:,} characters of text"
    return problems


# --- a named lead's deputy -------------------------------------------------------------------------

MAX_DEPUTY_DAYS = 366


def deputy_date_problems(starts: date | None, ends: date | None, *, today: date) -> Problems:
    """A deputy is named from a day not yet past to a day on or after it, a year at most."""
    problems: Problems = {}
    if starts is None:
        problems["starts"] = "Enter the first day"
    elif starts < today:
        problems["starts"] = "The first day must be today or later"
    if ends is None:
        problems["ends"] = "Enter the last day"
    elif starts is not None and ends < starts:
        problems["ends"] = "The last day must be on or after the first"
    elif starts is not None and ends - starts > timedelta(days=MAX_DEPUTY_DAYS):
        problems["ends"] = "Name a deputy for a year at most"
    return problems


# --- supervision -----------------------------------------------------------------------------------

MAX_SUPERVISION_NOTE = 2000
MAX_DISCUSSED = 60
MAX_SESSION_AGE = timedelta(days=366)


@dataclass(frozen=True)
class ActionIn:
    title: str
    due: date | None


@dataclass(frozen=True)
class DiscussionIn:
    case_id: uuid.UUID | None
    note: str
    actions: tuple[ActionIn, ...] = ()


@dataclass(frozen=True)
class SessionIn:
    supervisee_id: uuid.UUID | None
    held_on: date | None
    discussions: tuple[DiscussionIn, ...]


def session_problems(session: SessionIn, *, today: date) -> Problems:
    """What is wrong with a session's answers whoever the people and cases are (the service checks
    those against the agency), keyed by field: the day it was held (not in the future, within a
    year), at least one case and not too many, each note's length, and each action's words and due
    date (``discussions.N.note``, ``discussions.N.actions.M.title``)."""
    problems: Problems = {}
    if session.held_on is None:
        problems["held_on"] = "Enter the date of the session"
    elif session.held_on > today:
        problems["held_on"] = "The session must have taken place: a date today or earlier"
    elif session.held_on < today - MAX_SESSION_AGE:
        problems["held_on"] = "Record a session within a year of it"
    if not session.discussions:
        problems["discussions"] = "Choose at least one case discussed"
    elif len(session.discussions) > MAX_DISCUSSED:
        problems["discussions"] = f"Record {MAX_DISCUSSED} cases at most in one session"
    for n, discussion in enumerate(session.discussions):
        if len(discussion.note) > MAX_SUPERVISION_NOTE or has_control_characters(discussion.note):
            problems[f"discussions.{n}.note"] = \
                f"Keep the note to {MAX_SUPERVISION_NOTE:,} characters of text"
        for m, action in enumerate(discussion.actions):
            if not action.title.strip():
                problems[f"discussions.{n}.actions.{m}.title"] = "Say what is to be done"
            elif len(action.title) > MAX_ACTION_TITLE:
                problems[f"discussions.{n}.actions.{m}.title"] = \
                    f"The action must be {MAX_ACTION_TITLE} characters or fewer"
            if action.due is None or action.due < today:
                problems[f"discussions.{n}.actions.{m}.due"] = "Give a due date, today or later"
    return problems
