"""The rules reviews are checked against (DOMAIN.md §9, §11): pure functions over plain values,
each naming the law or guidance it encodes; every timescale comes from the policy.

- A **Safeguarding Adult Review** (Care Act 2014 s44): the board *must* arrange one when an adult in
  its area with needs for care and support (s44(1)(a)) has died of, or is known or suspected to have
  experienced, serious abuse or neglect (s44(2)-(3)), and there is reasonable cause for concern about
  how the board, its members or others worked together to safeguard them (s44(1)(b)); it *may*
  arrange one in any other case (s44(4)). The decision is recorded with the answers to each
  criterion and its rationale, and the review's start and end dates, so that its duration is always
  known (the second national analysis found 59% of reviews did not record it).
- A **Child Safeguarding Practice Review** (Working Together to Safeguard Children 2023, ch. 5): the
  safeguarding partners notify the national panel within 5 working days of learning of a serious
  incident, hold a rapid review within 15 working days of it, and publish a local review within 6
  months of deciding to hold one.
- The **partnership report**'s period ends on or after it starts and spans at most five years.
"""

from __future__ import annotations

import calendar
import enum
import re
import uuid
from dataclasses import dataclass
from datetime import date

from hub.config import Policy
from hub.text import text_problem
from hub.workdays import add_working_days

Problems = dict[str, str]

MAX_RATIONALE = 5000
MAX_SUMMARY = 200
MAX_TEXT = 10_000
MAX_TIMELINE = 50
MAX_TAGS = 12
MAX_AGENCIES = 20
MAX_CASES = 20
MAX_LINKED = 50  # meetings, and actions, a review's findings concern
# A thematic tag is a short label counted across reviews: lower-case words joined by hyphens,
# never a sentence (a name typed as a tag would be counted on the themes page for everyone).
TAG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+){0,3}")
MAX_TAG = 40


class ReviewKind(enum.StrEnum):
    INCIDENT = "incident"
    NEAR_MISS = "near_miss"
    SAR = "sar"  # Care Act 2014 s44
    CSPR = "cspr"  # Children Act 2004 s16C, Working Together 2023


RAISED_KINDS = (ReviewKind.INCIDENT, ReviewKind.NEAR_MISS)  # anyone raises these
STATUTORY_KINDS = (ReviewKind.SAR, ReviewKind.CSPR)  # the partnership's, opened by a lead or manager
KIND_LABELS = {ReviewKind.INCIDENT: "Incident", ReviewKind.NEAR_MISS: "Near miss",
               ReviewKind.SAR: "Safeguarding Adult Review",
               ReviewKind.CSPR: "Child Safeguarding Practice Review"}


class ReviewStatus(enum.StrEnum):
    OPEN = "open"  # raised, or a statutory review under way
    REVIEWED = "reviewed"  # the structured review is recorded, the raiser not yet told
    CLOSED = "closed"  # feedback given (incident, near miss); ended or published (SAR, CSPR)


STATUS_LABELS = {ReviewStatus.OPEN: "Open", ReviewStatus.REVIEWED: "Reviewed", ReviewStatus.CLOSED: "Closed"}


@dataclass(frozen=True)
class ReviewIn:
    """What the person opening a review says: what happened and when, which agencies were
    involved and the cases it concerns (by reference); for a CSPR, when the partnership learnt of
    the serious incident."""

    kind: str
    summary: str
    account: str
    occurred_on: date | None
    agencies: tuple[str, ...] = ()
    case_refs: tuple[str, ...] = ()
    aware_on: date | None = None


def _required_text(problems: Problems, name: str, value: str, limit: int, missing: str) -> None:
    if not value.strip():
        problems[name] = missing
    elif (problem := text_problem(value, limit)) is not None:
        problems[name] = problem


def review_problems(review: ReviewIn, *, today: date) -> Problems:
    """Everything wrong with a new review, keyed by field, all at once: its kind, a short summary
    and the account of what happened, the day it happened (not in the future), at most
    ``MAX_AGENCIES`` agencies and ``MAX_CASES`` cases, and for a CSPR the day the partnership
    learnt of the incident, on or after it happened (Working Together 2023: its clocks run from
    that day)."""
    problems: Problems = {}
    if review.kind not in ReviewKind.__members__.values():
        problems["kind"] = ("Choose incident, near miss, Safeguarding Adult Review or Child Safeguarding "
                            "Practice Review")
    _required_text(problems, "summary", review.summary, MAX_SUMMARY, "Give the review a short summary")
    if "summary" not in problems and "\n" in review.summary.strip():
        problems["summary"] = "Keep the summary to one line"
    _required_text(problems, "account", review.account, MAX_TEXT, "Say what happened")
    if review.occurred_on is None:
        problems["occurred_on"] = "Enter the day it happened"
    elif review.occurred_on > today:
        problems["occurred_on"] = "The day it happened must be today or in the past"
    if len(review.agencies) > MAX_AGENCIES:
        problems["agencies"] = f"Name at most {MAX_AGENCIES} agencies"
    if len(review.case_refs) > MAX_CASES:
        problems["case_refs"] = f"Link at most {MAX_CASES} cases"
    if review.kind == ReviewKind.CSPR:
        if review.aware_on is None:
            problems["aware_on"] = "Enter the day the partnership learnt of the serious incident"
        elif review.aware_on > today:
            problems["aware_on"] = "The date must be today or in the past"
        elif review.occurred_on is not None and review.aware_on < review.occurred_on:
            problems["aware_on"] = "The partnership cannot learn of the incident before it happened"
    return problems


@dataclass(frozen=True)
class LinksIn:
    """What a review's findings concern, as one reviewer sets it: references of their agency's
    cases, and meetings and actions about those cases (ids)."""

    case_refs: tuple[str, ...] = ()
    meetings: tuple[uuid.UUID, ...] = ()
    actions: tuple[uuid.UUID, ...] = ()


def links_problems(links: LinksIn) -> Problems:
    """At most ``MAX_CASES`` cases and ``MAX_LINKED`` meetings and actions: a review's findings
    concern what it names, not a case's whole history."""
    problems: Problems = {}
    if len(set(links.case_refs)) > MAX_CASES:
        problems["case_refs"] = f"Link at most {MAX_CASES} cases"
    for name, chosen in (("meetings", links.meetings), ("actions", links.actions)):
        if len(set(chosen)) > MAX_LINKED:
            problems[name] = f"Link at most {MAX_LINKED} {name}"
    return problems


@dataclass(frozen=True)
class TimelineEntry:
    on: date | None
    what: str


@dataclass(frozen=True)
class StructuredReviewIn:
    """The reviewer's structured review: what happened when, the contributory factors (from the
    policy's taxonomy), thematic tags, what went well, the findings and the recommendations."""

    timeline: tuple[TimelineEntry, ...]
    factors: tuple[str, ...]
    tags: tuple[str, ...]
    went_well: str
    findings: str
    recommendations: str


def structured_review_problems(review: StructuredReviewIn, *, today: date,
                               factors: tuple[str, ...]) -> Problems:
    """A structured review (the learning-review method of NHS England's Patient Safety Incident
    Response Framework): a timeline of dated entries in order, none in the future, at least one
    contributory factor and every one from the taxonomy (the timeline may begin before the
    incident: what led to it), tags that are short labels, and the
    findings written down."""
    problems: Problems = {}
    if not review.timeline:
        problems["timeline"] = "Add at least one entry to the timeline"
    elif len(review.timeline) > MAX_TIMELINE:
        problems["timeline"] = f"Keep the timeline to {MAX_TIMELINE} entries"
    else:
        previous: date | None = None
        for number, entry in enumerate(review.timeline, start=1):
            if entry.on is None:
                problems["timeline"] = f"Enter the date of entry {number}"
            elif entry.on > today:
                problems["timeline"] = f"Entry {number} is dated in the future"
            elif previous is not None and entry.on < previous:
                problems["timeline"] = f"Put entry {number} in date order"
            elif not entry.what.strip():
                problems["timeline"] = f"Say what happened at entry {number}"
            elif (problem := text_problem(entry.what, MAX_RATIONALE)) is not None:
                problems["timeline"] = f"Entry {number}: {problem}"
            if "timeline" in problems:
                break
            previous = entry.on
    if not review.factors:
        problems["factors"] = "Choose at least one contributory factor"
    elif unknown := sorted(set(review.factors) - set(factors)):
        problems["factors"] = f"Choose contributory factors from the list (not {', '.join(unknown)})"
    if len(review.tags) > MAX_TAGS:
        problems["tags"] = f"Give at most {MAX_TAGS} tags"
    elif bad := [tag for tag in review.tags if len(tag) > MAX_TAG or not TAG.fullmatch(tag)]:
        problems["tags"] = (f"Tags are short labels of lower-case words joined by hyphens, such as "
                            f"information-sharing (not {bad[0][:MAX_TAG]!r})")
    _required_text(problems, "findings", review.findings, MAX_TEXT, "Write down the findings")
    for name in ("went_well", "recommendations"):
        if (problem := text_problem(getattr(review, name), MAX_TEXT)) is not None:
            problems[name] = problem
    return problems


def feedback_problems(feedback: str) -> Problems:
    """Feedback to the person who raised the review (the most-requested missing feature of
    incident systems, DOMAIN.md §9): written down, within the limit."""
    problems: Problems = {}
    _required_text(problems, "feedback", feedback, MAX_TEXT, "Write the feedback to the person who raised it")
    return problems


def factor_label(code: str) -> str:
    return code.replace("_", " ").capitalize()


class Harm(enum.StrEnum):
    """What happened to the adult (Care Act 2014 s44(2)-(3))."""

    DIED = "died"
    SERIOUS_ABUSE = "serious_abuse"
    SERIOUS_NEGLECT = "serious_neglect"
    NONE = "none"  # neither: a review may still be arranged (s44(4))


class SarDecision(enum.StrEnum):
    REVIEW = "review"
    NO_REVIEW = "no_review"


@dataclass(frozen=True)
class SarReferral:
    """The mandatory-criteria checklist, each answer None until given."""

    care_and_support_needs: bool | None  # s44(1)(a)
    joint_working_concern: bool | None  # s44(1)(b)
    harm: str | None  # s44(2)-(3): died, serious abuse, serious neglect, or none
    known_or_suspected: bool | None  # s44(2)(b), (3)(b): abuse or neglect known or suspected
    decision: str | None
    rationale: str
    decided_on: date | None


def sar_mandatory(referral: SarReferral) -> bool:
    """Whether Care Act 2014 s44(1)-(3) oblige the board to arrange a review."""
    return bool(referral.care_and_support_needs and referral.joint_working_concern
                and referral.harm in (Harm.DIED, Harm.SERIOUS_ABUSE, Harm.SERIOUS_NEGLECT)
                and referral.known_or_suspected)


def sar_problems(referral: SarReferral, *, today: date) -> Problems:
    """Everything wrong with a SAR decision, keyed by field, all at once: every criterion answered
    (s44(1)-(3)), a decision and its rationale, not dated in the future, and no decision against a
    review that the law makes mandatory."""
    problems: Problems = {}
    for name, question in (("care_and_support_needs", "whether the adult has needs for care and support"),
                           ("joint_working_concern", "whether there is cause for concern about how "
                                                     "agencies worked together"),
                           ("known_or_suspected", "whether abuse or neglect is known or suspected")):
        if getattr(referral, name) is None:
            problems[name] = f"Answer {question}"
    if referral.harm not in Harm.__members__.values():
        problems["harm"] = "Say whether the adult died, or experienced serious abuse or neglect, or neither"
    if referral.decision not in SarDecision.__members__.values():
        problems["decision"] = "Choose whether the board arranges a review"
    if not referral.rationale.strip():
        problems["rationale"] = "Give the reasons for the decision"
    elif (problem := text_problem(referral.rationale, MAX_RATIONALE)) is not None:
        problems["rationale"] = problem
    if referral.decided_on is None:
        problems["decided_on"] = "Enter the date of the decision"
    elif referral.decided_on > today:
        problems["decided_on"] = "The decision date must be today or in the past"
    if not problems and referral.decision == SarDecision.NO_REVIEW and sar_mandatory(referral):
        problems["decision"] = ("These answers meet Care Act 2014 s44(1)-(3): the board must arrange a "
                                "Safeguarding Adult Review")
    return problems


def review_dates_problems(*, opened_on: date, started_on: date | None, ended_on: date | None,
                          today: date) -> Problems:
    """A review's start and end: in order, after the review was opened, not in the future, and
    an end only once it has started."""
    problems: Problems = {}
    if started_on is not None:
        if started_on < opened_on:
            problems["started_on"] = "The review cannot start before it was opened"
        elif started_on > today:
            problems["started_on"] = "The start date must be today or in the past"
    if ended_on is not None:
        if started_on is None:
            problems["ended_on"] = "Enter when the review started before when it ended"
        elif ended_on < started_on:
            problems["ended_on"] = "The review must end on or after the day it started"
        elif ended_on > today:
            problems["ended_on"] = "The end date must be today or in the past"
    return problems


def duration_days(started_on: date | None, ended_on: date | None, *, today: date) -> int | None:
    """How long a review has taken, in days: to its end, or so far."""
    if started_on is None:
        return None
    return ((ended_on or today) - started_on).days


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day where it is shorter (31 August and
    six months is the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ClockState(enum.StrEnum):
    MET = "met"
    LATE = "late"  # done, after its deadline
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Clock:
    name: str
    due: date
    done_on: date | None

    def state(self, today: date) -> ClockState:
        if self.done_on is not None:
            return ClockState.MET if self.done_on <= self.due else ClockState.LATE
        return ClockState.OVERDUE if today > self.due else ClockState.DUE


def cspr_clocks(*, aware_on: date, notified_on: date | None, rapid_review_on: date | None,
                decided_on: date | None, published_on: date | None, policy: Policy) -> list[Clock]:
    """A CSPR's deadlines (Working Together 2023): the national panel's notification and the rapid
    review from the day the partnership learnt of the serious incident, in working days with
    England & Wales bank holidays; publication from the decision to hold a local review."""
    clocks = [
        Clock("notification", add_working_days(aware_on, policy.cspr_notification_working_days), notified_on),
        Clock("rapid_review", add_working_days(aware_on, policy.cspr_rapid_review_working_days),
              rapid_review_on),
    ]
    if decided_on is not None:
        clocks.append(Clock("publication", add_months(decided_on, policy.cspr_publication_months),
                            published_on))
    return clocks


def cspr_problems(*, aware_on: date | None, notified_on: date | None, rapid_review_on: date | None,
                  decided_on: date | None, published_on: date | None, today: date) -> Problems:
    """A CSPR's dates: none in the future, none before the partnership learnt of the incident, and
    publication only after the decision to hold the local review."""
    problems: Problems = {}
    if aware_on is None:
        problems["aware_on"] = "Enter the day the partnership learnt of the serious incident"
        return problems
    if aware_on > today:
        problems["aware_on"] = "The date must be today or in the past"
    for name, day in (("notified_on", notified_on), ("rapid_review_on", rapid_review_on),
                      ("decided_on", decided_on), ("published_on", published_on)):
        if day is None:
            continue
        if day < aware_on:
            problems[name] = "The date cannot be before the partnership learnt of the incident"
        elif day > today:
            problems[name] = "The date must be today or in the past"
    if published_on is not None and "published_on" not in problems:
        if decided_on is None:
            problems["published_on"] = "Enter when the local review was decided on before its publication"
        elif published_on < decided_on:
            problems["published_on"] = "The review cannot be published before it was decided on"
    return problems


def period_problems(start: date | None, end: date | None, *, policy: Policy) -> Problems:
    """A report's period: both days given, the end on or after the start, at most the policy's
    years long."""
    problems: Problems = {}
    if start is None:
        problems["from"] = "Enter the first day of the period"
    if end is None:
        problems["to"] = "Enter the last day of the period"
    if start is None or end is None:
        return problems
    if end < start:
        problems["to"] = "The period must not end before it starts"
    elif end >= add_months(start, 12 * policy.report_max_years):
        years = policy.report_max_years
        problems["to"] = f"Ask for a period of at most {years} year{'s' if years != 1 else ''}"
    return problems
