"""The rules of convening a meeting, as pure functions: what a meeting needs, and the statutory
clocks it runs against (DOMAIN.md §2-3), every figure from policy.

An adult strategy meeting is due within `adult_strategy_meeting_working_days` (5) of the decision
to proceed with an s42 enquiry (Care Act 2014 s42; the timescale is local); a child's strategy
discussion within `child_strategy_discussion_working_days` (1) of the referral decision (local;
Working Together to Safeguard Children 2023 sets no national one), and the initial child
protection conference within `child_protection_conference_working_days` (15) of the strategy
discussion (Working Together 2023, ch. 4). Working days exclude weekends and England & Wales
bank holidays (hub.workdays). MARAC and MAPPA meetings keep their own rhythm: a series, or the
MAPPA level's review interval.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import vRecur

from hub.agencies.services import EMAIL
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.text import has_control_characters
from hub.workdays import add_working_days, is_working_day

Problems = dict[str, str]

MAX_TITLE = 200
MAX_LOCATION = 200
MAX_REASON = 2000
MAX_CASES = 40  # a MARAC considers about sixteen
MAX_INVITEES = 80
MAX_LENGTH = timedelta(hours=12)
# A meeting may be recorded as it starts; one that started longer ago than this is in the past.
PAST_GRACE = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=2 * 366)  # the first meeting of a series, too
MAX_DECISION_AGE = timedelta(days=366)
SERIES_FREQUENCIES = frozenset({"WEEKLY", "MONTHLY"})
MAX_SERIES = timedelta(days=5 * 366)


SCHEDULED, CANCELLED = "scheduled", "cancelled"


class MeetingKind(enum.StrEnum):
    STRATEGY = "strategy"
    MARAC = "marac"
    MAPPA = "mappa"


KIND_WORDS = {MeetingKind.STRATEGY: "Strategy meeting", MeetingKind.MARAC: "MARAC",
              MeetingKind.MAPPA: "MAPPA meeting"}


@dataclass(frozen=True)
class InviteeIn:
    email: str
    name: str
    agency: str


@dataclass(frozen=True)
class MeetingIn:
    kind: str
    title: str
    start: datetime
    end: datetime
    location: str
    case_ids: tuple[uuid.UUID, ...]
    invitees: tuple[InviteeIn, ...] = ()
    rrule: str | None = None
    decided_at: datetime | None = None
    late_reason: str = ""
    capacity: int | None = None  # a MARAC's cases per meeting


@dataclass(frozen=True)
class Clock:
    """A statutory clock: how many working days from the decision, and what it is in words."""

    working_days: int
    words: str


def clock(kind: str, case_kinds: Iterable[str], policy: Policy) -> Clock | None:
    """The clock a meeting of ``kind`` about cases of ``case_kinds`` runs against, if any: a child
    on any of them makes it the child's strategy discussion."""
    if kind != MeetingKind.STRATEGY:
        return None
    if CaseKind.CHILD in set(case_kinds):
        days = policy.child_strategy_discussion_working_days
        return Clock(days, f"strategy discussion within {_days(days)} of the referral decision")
    days = policy.adult_strategy_meeting_working_days
    return Clock(days, f"strategy meeting within {_days(days)} of the decision to make s42 enquiries")


def _days(n: int) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


def target_date(found: Clock | None, decided_at: datetime | None, policy: Policy) -> date | None:
    """The last day the meeting may be held on: the clock's working days after the decision's
    local date (None without a clock or a decision)."""
    if found is None or decided_at is None:
        return None
    return add_working_days(policy.local_date(decided_at), found.working_days)


def is_late(start: datetime, target: date | None, policy: Policy) -> bool:
    """Whether the meeting starts after its target date (both read as local dates)."""
    return target is not None and policy.local_date(start) > target


def conference_due(start: datetime, policy: Policy) -> date:
    """A child's initial child protection conference is due by this date, counted from the
    strategy discussion."""
    return add_working_days(policy.local_date(start), policy.child_protection_conference_working_days)


def rrule_problem(rule: str, start: datetime) -> str | None:
    """What is wrong with a series' RRULE (RFC 5545): weekly or monthly, ending (UNTIL or COUNT)
    within five years of the first meeting."""
    if len(rule) > 200 or any(c in rule for c in "\r\n"):
        return "Enter the series as a rule such as FREQ=WEEKLY;INTERVAL=2;COUNT=26"
    try:
        parsed = vRecur.from_ical(rule)
    except (ValueError, TypeError, KeyError, IndexError):
        return "Enter the series as a rule such as FREQ=WEEKLY;INTERVAL=2;COUNT=26"
    if "FREQ" not in parsed:
        return "Enter the series as a rule such as FREQ=WEEKLY;INTERVAL=2;COUNT=26"
    frequency = [str(f).upper() for f in parsed["FREQ"]]
    if len(frequency) != 1 or frequency[0] not in SERIES_FREQUENCIES:
        return "A series meets weekly, fortnightly (FREQ=WEEKLY;INTERVAL=2) or monthly"
    interval = parsed.get("INTERVAL", [1])
    if not all(isinstance(i, int) and 1 <= i <= 12 for i in interval):
        return "The interval of a series is a whole number from 1 to 12"
    count, until = parsed.get("COUNT"), parsed.get("UNTIL")
    if bool(count) == bool(until):
        return "A series ends: give either COUNT (how many meetings) or UNTIL (the last date)"
    if count and not all(isinstance(c, int) and 1 <= c <= 260 for c in count):
        return "A series has from 1 to 260 meetings"
    if until:
        last = until[0]
        last_moment = last if isinstance(last, datetime) else datetime.combine(last, start.timetz())
        if last_moment.tzinfo is None:
            last_moment = last_moment.replace(tzinfo=start.tzinfo)
        if last_moment < start or last_moment - start > MAX_SERIES:
            return "A series ends after its first meeting and within five years of it"
    return None


def change_refusal(start: datetime, *, series: bool, now: datetime) -> str | None:
    """Why a meeting can no longer be moved or cancelled, if it cannot: once it has started, what
    was held keeps its place in the record, and a series is moved or cancelled whole only before
    its first meeting (its later meetings one at a time after)."""
    if start > now:
        return None
    if series:
        return "This series has begun: change or cancel its meetings still to come one at a time"
    return "This meeting has started: what was held keeps its place in the record"


def series_words(rule: str) -> str:
    """A series' rule (one that :func:`rrule_problem` accepts) as a person says it: "Fortnightly,
    26 meetings", "Monthly, until 1 March 2028"."""
    parsed = vRecur.from_ical(rule)
    unit = "week" if str(parsed["FREQ"][0]).upper() == "WEEKLY" else "month"
    interval = int(parsed.get("INTERVAL", [1])[0])
    named = {("week", 1): "Weekly", ("week", 2): "Fortnightly", ("month", 1): "Monthly"}
    words = named.get((unit, interval), f"Every {interval} {unit}s")
    if parsed.get("COUNT"):
        return f"{words}, {int(parsed['COUNT'][0])} meetings"
    last = parsed["UNTIL"][0]
    return f"{words}, until {last.day} {last:%B %Y}"


def meeting_problems(meeting: MeetingIn, *, now: datetime) -> Problems:
    """Everything wrong with a meeting to convene, keyed by field, all at once."""
    problems: Problems = {}
    if meeting.kind not in MeetingKind.__members__.values():
        problems["kind"] = "Choose strategy, marac or mappa"
    title = meeting.title.strip()
    if not title:
        problems["title"] = "Enter a title for the meeting"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"The title must be {MAX_TITLE} characters or fewer"
    location = meeting.location.strip()
    if not location:
        problems["location"] = "Enter where the meeting is: a room or a video link"
    elif len(location) > MAX_LOCATION or any(c in location for c in "\r\n"):
        problems["location"] = f"The place must be one line of {MAX_LOCATION} characters or fewer"
    if meeting.start.tzinfo is None or meeting.end.tzinfo is None:
        problems["start"] = "Give the time with its offset from UTC, such as 2027-03-01T10:00:00+00:00"
    else:
        if meeting.end <= meeting.start:
            problems["end"] = "The meeting must end after it starts"
        elif meeting.end - meeting.start > MAX_LENGTH:
            problems["end"] = "A meeting lasts at most 12 hours"
        if meeting.start < now - PAST_GRACE:
            problems["start"] = "A meeting cannot be convened in the past"
        elif meeting.start > now + MAX_AHEAD:
            problems["start"] = "A meeting is convened at most two years ahead"
        if meeting.decided_at is not None:
            if meeting.decided_at.tzinfo is None:
                problems["decided_at"] = "Give the time with its offset from UTC"
            elif meeting.decided_at > now:
                problems["decided_at"] = "The decision cannot be in the future"
            elif meeting.decided_at > meeting.start:
                problems["decided_at"] = "The decision comes before the meeting it calls"
            elif meeting.decided_at < now - MAX_DECISION_AGE:
                problems["decided_at"] = "The decision must have been made within the last year"
        if meeting.rrule is not None:
            wrong = rrule_problem(meeting.rrule, meeting.start)
            if meeting.kind == MeetingKind.STRATEGY:
                wrong = "A strategy meeting is one meeting, not a series"
            if wrong:
                problems["rrule"] = wrong
    if not meeting.case_ids and meeting.kind != MeetingKind.MARAC:
        # A MARAC may be convened first and its cases listed from the coordinator's queue.
        problems["case_ids"] = "Choose at least one case for the meeting to consider"
    elif len(meeting.case_ids) > MAX_CASES:
        problems["case_ids"] = f"A meeting considers at most {MAX_CASES} cases"
    elif len(set(meeting.case_ids)) != len(meeting.case_ids):
        problems["case_ids"] = "Name each case once"
    elif meeting.kind == MeetingKind.STRATEGY and len(meeting.case_ids) != 1:
        problems["case_ids"] = "A strategy meeting is about one case"
    emails = [i.email.lower() for i in meeting.invitees]
    if len(meeting.invitees) > MAX_INVITEES:
        problems["invitees"] = f"Invite at most {MAX_INVITEES} people"
    elif any(not EMAIL.fullmatch(e) or len(e) > 320 for e in emails):
        problems["invitees"] = "Give each person invited an e-mail address like name@example.org"
    elif any(not i.name.strip() or len(i.name) > 200 or any(c in i.name for c in "\r\n")
             for i in meeting.invitees):
        problems["invitees"] = "Give each person invited a name of 200 characters or fewer"
    elif len(set(emails)) != len(emails):
        problems["invitees"] = "Invite each person once"
    if meeting.capacity is not None:
        if meeting.kind != MeetingKind.MARAC:
            problems["capacity"] = "Only a MARAC has a capacity of cases"
        elif not 1 <= meeting.capacity <= MAX_CASES:
            problems["capacity"] = f"A MARAC takes from 1 to {MAX_CASES} cases"
    if len(meeting.late_reason) > MAX_REASON:
        problems["late_reason"] = f"The reason must be {MAX_REASON:,} characters or fewer"
    return problems


# --- the meeting itself -----------------------------------------------------------------------------

class Attendance(enum.StrEnum):
    """What an agency did about a meeting (DOMAIN.md §2), recorded by the chair."""

    ATTENDED = "attended"
    APOLOGY = "apology"
    NO_RESPONSE = "no_response"
    INFORMATION_SENT = "information_sent"


ATTENDANCE_WORDS = {Attendance.ATTENDED: "Attended", Attendance.APOLOGY: "Sent apologies",
                    Attendance.NO_RESPONSE: "No response",
                    Attendance.INFORMATION_SENT: "Sent information, did not attend"}

# Read out and acknowledged by every attendee before any case is discussed (DOMAIN.md §4; the
# SafeLives MARAC confidentiality statement's substance).
CONFIDENTIALITY_STATEMENT = (
    "What is shared at this meeting is confidential and is shared only to safeguard the people "
    "discussed and to reduce the risk to them. It is recorded in minutes marked OFFICIAL-SENSITIVE. "
    "You will not pass it on outside your agency, or to anyone within it who does not need it to "
    "act, without the agreement of the agency that shared it; and you will use it only for the "
    "actions agreed here.")


# --- MAPPA (DOMAIN.md §5) ---------------------------------------------------------------------------

MAPPA_CATEGORIES = {1: "Category 1: registered sexual offender",
                    2: "Category 2: violent offender (12 months' custody or more, or a hospital order)",
                    3: "Category 3: other dangerous offender"}
MAPPA_LEVELS = {1: "Level 1: ordinary management by one agency, no meetings",
                2: "Level 2: multi-agency management, with meetings",
                3: "Level 3: as level 2, with senior representation"}


def mappa_problems(category: object, level: object) -> Problems:
    """What is wrong with a MAPPA category and level: exactly one of each, 1 to 3."""
    problems: Problems = {}
    if isinstance(category, bool) or category not in MAPPA_CATEGORIES:
        problems["category"] = "Choose category 1, 2 or 3"
    if isinstance(level, bool) or level not in MAPPA_LEVELS:
        problems["level"] = "Choose level 1, 2 or 3"
    return problems


def mappa_review_interval(level: int, policy: Policy) -> timedelta | None:
    """How often a case at ``level`` is reviewed: `mappa_level2_review_weeks` (16) at level 2,
    `mappa_level3_review_weeks` (8) at level 3; none at level 1, which has no meetings."""
    if level == 2:
        return timedelta(weeks=policy.mappa_level2_review_weeks)
    if level == 3:
        return timedelta(weeks=policy.mappa_level3_review_weeks)
    return None


def next_mappa_review(level: int, since: date, policy: Policy) -> date | None:
    """The date the next review is due, the level's interval after ``since`` (the day the level
    was set, or the last review); None at level 1."""
    interval = mappa_review_interval(level, policy)
    return since + interval if interval is not None else None


def proposed_review_date(due: date) -> date:
    """The date proposed for a review meeting: the due date, or the working day before it when it
    falls on a weekend or bank holiday (a review is never proposed late)."""
    day = due
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


# --- minutes (DOMAIN.md §4-5) ------------------------------------------------------------------------

MINUTES_MARKING = "OFFICIAL-SENSITIVE"
MAX_SUMMARY = 10_000
MAX_DECISION_TEXT = 4_000
MAX_DECISIONS = 60


@dataclass(frozen=True)
class DecisionIn:
    """A decision of the meeting with its rationale and any dissent (who disagreed, and why):
    MAPPA minutes record every one (DOMAIN.md §5)."""

    decision: str
    rationale: str
    dissent: str = ""


@dataclass(frozen=True)
class MinutesIn:
    summary: str
    decisions: tuple[DecisionIn, ...] = ()


def minutes_problems(minutes: MinutesIn) -> Problems:
    """What is wrong with minutes to save, keyed by field (`decisions.N.decision` for the Nth)."""
    problems: Problems = {}
    summary = minutes.summary.strip()
    if not summary:
        problems["summary"] = "Enter the minutes: what was discussed, so that someone absent understands it"
    elif len(summary) > MAX_SUMMARY or has_control_characters(summary):
        problems["summary"] = f"The minutes must be text of {MAX_SUMMARY:,} characters or fewer"
    if len(minutes.decisions) > MAX_DECISIONS:
        problems["decisions"] = f"Record at most {MAX_DECISIONS} decisions"
        return problems
    for n, decision in enumerate(minutes.decisions, start=1):
        for name, text, required in (("decision", decision.decision, True),
                                     ("rationale", decision.rationale, True),
                                     ("dissent", decision.dissent, False)):
            if required and not text.strip():
                problems[f"decisions.{n}.{name}"] = (f"Enter decision {n}" if name == "decision"
                                                     else f"Enter the reason for decision {n}")
            elif len(text) > MAX_DECISION_TEXT or has_control_characters(text):
                problems[f"decisions.{n}.{name}"] = f"Keep it to {MAX_DECISION_TEXT:,} characters of text"
    return problems


def minutes_due(end: datetime, policy: Policy) -> date:
    """The last day the chair may issue the minutes: `minutes_issue_working_days` (3, local)
    after the meeting's day."""
    return add_working_days(policy.local_date(end), policy.minutes_issue_working_days)


# --- MARAC referrals (DOMAIN.md §4) -----------------------------------------------------------------

class Criterion(enum.StrEnum):
    """The SafeLives referral criteria; any one is enough. A repeat is found by the hub itself."""

    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"


CRITERION_WORDS = {Criterion.VISIBLE_HIGH_RISK: "Visible high risk (DASH)",
                   Criterion.PROFESSIONAL_JUDGEMENT: "Professional judgement",
                   Criterion.POTENTIAL_ESCALATION: "Potential escalation",
                   Criterion.REPEAT: "Repeat referral"}


@dataclass(frozen=True)
class ReferralIn:
    dash_score: int | None  # "yes" answers of the 24-question DASH checklist
    professional_judgement: str  # the reasons, if judgement is a criterion
    incidents_12_months: int
    children: bool
    victim_aware: bool
    not_aware_reason: str = ""
    afraid_of: str = ""


def referral_criteria(referral: ReferralIn, *, repeat: bool, policy: Policy) -> list[str]:
    """The criteria a referral meets: a DASH count of `marac_dash_threshold` (14) or more; reasons
    of professional judgement (which never downgrades a count); `marac_escalation_incidents` (3)
    or more incidents in 12 months; a repeat within the window."""
    met = []
    if referral.dash_score is not None and referral.dash_score >= policy.marac_dash_threshold:
        met.append(Criterion.VISIBLE_HIGH_RISK.value)
    if referral.professional_judgement.strip():
        met.append(Criterion.PROFESSIONAL_JUDGEMENT.value)
    if referral.incidents_12_months >= policy.marac_escalation_incidents:
        met.append(Criterion.POTENTIAL_ESCALATION.value)
    if repeat:
        met.append(Criterion.REPEAT.value)
    return met


def referral_problems(referral: ReferralIn, *, repeat: bool, policy: Policy) -> Problems:
    """What is wrong with a referral, keyed by field; a referral that meets no criterion is one
    the MARAC cannot hear (it says which would apply)."""
    problems: Problems = {}
    if referral.dash_score is not None and not 0 <= referral.dash_score <= 24:
        problems["dash_score"] = ("The DASH checklist has 24 questions: give the number of yes "
                                  "answers, 0 to 24")
    if not 0 <= referral.incidents_12_months <= 500:
        problems["incidents_12_months"] = "Give the number of incidents in the last 12 months"
    for name, text in (("professional_judgement", referral.professional_judgement),
                       ("not_aware_reason", referral.not_aware_reason), ("afraid_of", referral.afraid_of)):
        if len(text) > MAX_REASON or has_control_characters(text):
            problems[name] = f"Keep it to {MAX_REASON:,} characters of text"
    if not referral.victim_aware and not referral.not_aware_reason.strip():
        problems["not_aware_reason"] = "Say why the victim does not know of the referral"
    if not problems and not referral_criteria(referral, repeat=repeat, policy=policy):
        problems["dash_score"] = (f"The referral meets no MARAC criterion: a DASH count of "
                                  f"{policy.marac_dash_threshold} or more, professional judgement with "
                                  f"reasons, or {policy.marac_escalation_incidents} or more incidents "
                                  "in 12 months")
    return problems


def agenda_section(*, children: bool, months_passed: bool) -> int:
    """Where a case goes on a MARAC agenda (DOMAIN.md §4), after the confidentiality statement
    and the incomplete actions: new cases with children first (1), then adult-only cases (2),
    then cases where 12 months have passed since the last referral (3)."""
    if months_passed:
        return 3
    return 1 if children else 2
