"""The demo's reviews (called by hub.demo.seed, through the real services).

- A near miss the community nurse raised three weeks ago (a discharge letter sent to an old
  address), involving the council: the trust's lead reviewed it, set an action for the trust's
  leads and one for its practitioners, and gave the nurse feedback, which she has not yet read.
- An incident the social worker raised yesterday (a strategy meeting held without the police)
  about Margaret's adult case, awaiting review by the council's lead.
- A Safeguarding Adult Review the council's lead opened six weeks ago, involving the trust and
  the police: the mandatory criteria met, the decision to review made five weeks ago, the review
  under way for four.
- A Child Safeguarding Practice Review the council's lead opened after learning of a serious
  incident eight working days ago: the national panel notified on the third day, the rapid review
  due within fifteen working days.
- A year of concerns for the partnership report's charts: each month, the council's social worker
  and the trust's nurse raise a handful (more in the winter), and their agencies' named leads
  triage them, most by the deadline and a few late.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from concerns.rules import ConcernIn, TriageIn
from concerns.services import concerns as concern_services
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.workdays import add_working_days, is_working_day
from learning.rules import (
    Harm,
    ReviewIn,
    ReviewKind,
    SarDecision,
    SarReferral,
    StructuredReviewIn,
    TimelineEntry,
)
from learning.services import actions, reviews, statutory

NURSE = "nurse.okafor@nmh.northshire.example"
TRUST_LEAD = "lead.banda@nmh.northshire.example"
SOCIAL_WORKER = "sw.carter@asc.northshire.example"
COUNCIL_LEAD = "lead.price@asc.northshire.example"


def _actor(session: Session, email: str) -> Actor:
    return Actor(agency_services.find_user_by_email(session, email), "hub:demo")


def _working_days_ago(today: date, days: int) -> date:
    day = today
    while days:
        day -= timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def seed_reviews(session: Session, envelope: Envelope, policy: Policy, now: datetime,
                 cases: Mapping[CaseKind, Case]) -> None:
    london = ZoneInfo(policy.timezone)
    today = policy.local_date(now)

    def at(days_ago: int, hour: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour), london)

    def services(moment: datetime) -> dict:
        return {"envelope": envelope, "policy": policy, "now": moment}

    nurse, trust_lead = _actor(session, NURSE), _actor(session, TRUST_LEAD)
    worker, council_lead = _actor(session, SOCIAL_WORKER), _actor(session, COUNCIL_LEAD)

    near_miss = reviews.raise_review(session, nurse, ReviewIn(
        kind=ReviewKind.NEAR_MISS, summary="Discharge letter addressed to a previous address",
        account="A discharge letter was printed with the address the trust held before the person "
                "moved; the GP's practice noticed before it was posted and telephoned the ward.",
        occurred_on=today - timedelta(days=22), agencies=("ASC-NS",)), **services(at(21, 10)))
    reviews.record_structured_review(session, trust_lead, near_miss.line.id, StructuredReviewIn(
        timeline=(TimelineEntry(today - timedelta(days=40), "New address recorded by the council"),
                  TimelineEntry(today - timedelta(days=23), "Ward system still showed the old address"),
                  TimelineEntry(today - timedelta(days=22), "Letter printed; GP practice telephoned")),
        factors=("record_keeping", "information_sharing"), tags=("addresses", "discharge"),
        went_well="The GP practice checked the address before posting and rang the ward at once.",
        findings="Two systems held two addresses and nothing prompted the ward to check.",
        recommendations="Read the address from the national record when a letter is printed."),
        **services(at(14, 11)))
    actions.add_action(session, trust_lead, near_miss.line.id,
                       title="Add an address check to the discharge checklist", agency_code="NMH-NS",
                       owner_role="lead", due=today + timedelta(days=14), **services(at(14, 11)))
    actions.add_action(session, trust_lead, near_miss.line.id,
                       title="Check the address on the national record before printing a letter",
                       agency_code="NMH-NS", owner_role="practitioner", due=today + timedelta(days=7),
                       **services(at(14, 11)))
    reviews.give_feedback(session, trust_lead, near_miss.line.id,
                          "Thank you for raising this. The ward now checks the address against the "
                          "national record before any letter goes, and the checklist is changing.",
                          **services(at(13, 15)))

    reviews.raise_review(session, worker, ReviewIn(
        kind=ReviewKind.INCIDENT, summary="Strategy meeting held without the police",
        account="The strategy meeting went ahead although the police had not received the "
                "invitation; their information was only shared afterwards.",
        occurred_on=today - timedelta(days=1), agencies=("POL-NS",), case_refs=(cases[CaseKind.ADULT].ref,)),
        **services(at(1, 16)))

    sar = reviews.raise_review(session, council_lead, ReviewIn(
        kind=ReviewKind.SAR, summary="Referral for a Safeguarding Adult Review",
        account="An adult with care and support needs died after a period of self-neglect; three "
                "agencies were involved and did not share what each knew.",
        occurred_on=today - timedelta(days=50), agencies=("NMH-NS", "POL-NS")), **services(at(42, 10)))
    statutory.record_sar_decision(session, council_lead, sar.line.id, SarReferral(
        care_and_support_needs=True, joint_working_concern=True, harm=Harm.DIED,
        known_or_suspected=True, decision=SarDecision.REVIEW,
        rationale="The criteria of s44(1)-(3) are met: the review is mandatory.",
        decided_on=today - timedelta(days=35)), **services(at(35, 12)))
    statutory.record_dates(session, council_lead, sar.line.id, {"started_on": today - timedelta(days=28)},
                           **services(at(28, 9)))

    aware = _working_days_ago(today, 8)
    cspr = reviews.raise_review(session, council_lead, ReviewIn(
        kind=ReviewKind.CSPR, summary="Serious incident notification",
        account="A child known to two agencies was seriously harmed; the partnership learnt of it "
                "from the police the same day.",
        occurred_on=aware, aware_on=aware, agencies=("POL-NS",)), **services(at(8, 10)))
    statutory.record_dates(session, council_lead, cspr.line.id,
                           {"notified_on": add_working_days(aware, 3)}, **services(at(5, 10)))


# Concerns raised each month of the past year, oldest first: (the council's, the trust's).
_HISTORY = ((6, 3), (7, 4), (8, 5), (9, 6), (11, 7), (12, 8), (10, 6), (9, 5), (8, 5), (7, 4), (7, 5), (8, 6))


def seed_history(session: Session, envelope: Envelope, policy: Policy, now: datetime) -> None:
    """A year of concerns, raised and triaged through the services at their days."""
    london = ZoneInfo(policy.timezone)
    today = policy.local_date(now)
    people = ((_actor(session, SOCIAL_WORKER), _actor(session, COUNCIL_LEAD), "self_neglect"),
              (_actor(session, NURSE), _actor(session, TRUST_LEAD), "neglect_omission"))
    number = 0
    for month, counts in enumerate(_HISTORY):
        first = today - timedelta(days=30 * (len(_HISTORY) - month) + 5)
        for (raiser, lead, category), count in zip(people, counts, strict=True):
            for index in range(count):
                number += 1
                day = first + timedelta(days=2 * index)
                while not is_working_day(day):
                    day += timedelta(days=1)
                raised_at = datetime.combine(day, time(10), london)
                raised = concern_services.raise_concern(session, raiser, ConcernIn(
                    case_id=None, subject_name=f"Demo Person {number:03d}",
                    subject_date_of_birth=date(1940 + number % 50, 1 + number % 12, 1 + number % 28),
                    categories=(category,), account="What was seen and heard, recorded at the time.",
                    opinion="", immediate_risk=False, immediate_action="", views="", desired_outcomes="",
                    person_aware=True, consent_status="obtained"), envelope=envelope, policy=policy,
                    now=raised_at)
                late = index % 4 == 3  # one in four triaged after the deadline
                decided = raised.line.triage_due + (timedelta(days=1) if late else -timedelta(hours=5))
                concern_services.triage(session, lead, raised.line.id, TriageIn(
                    outcome="advice_given", rationale="Advice given to the practitioner on next steps."),
                    envelope=envelope, policy=policy, now=decided)
