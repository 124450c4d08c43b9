"""The demo's day-to-day safeguarding (called by hub.demo.seed, through the real services).

- The mental-health trust's case of Daniel, high risk, allocated to the community nurse, with
  daily observation agreed: a week of observations in which his mood worsens, thoughts of
  self-harm cross their threshold three days ago (an alert the trust's named lead acknowledged,
  reviewing his crisis plan) and yesterday's total rose by more than five against the days before
  (an alert still open).
- The council's social worker raised a concern about Edith five weeks ago, which the council's
  lead triaged to an s42 enquiry: her adult case opened, the strategy meeting proposed by its
  date; and another about Margaret this morning, with immediate risk, awaiting triage.
- Supervision: Jordan's very-high-risk case was allocated to the social worker 29 days ago and
  has not been discussed since (overdue); Margaret's was discussed three weeks ago.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from concerns.rules import ConcernIn, DiscussionIn, ObservationIn, S42Answer, SessionIn, TriageIn
from concerns.services import alerts as alert_services
from concerns.services import concerns as concern_services
from concerns.services import observations as observation_services
from concerns.services import supervision as supervision_services
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope
from sharing.rules import Contact, RiskLevel, RiskSummaryIn
from sharing.services import risk_summaries as risk_services

NURSE = "nurse.okafor@nmh.northshire.example"
TRUST_LEAD = "lead.banda@nmh.northshire.example"
SOCIAL_WORKER = "sw.carter@asc.northshire.example"
COUNCIL_LEAD = "lead.price@asc.northshire.example"

# A week of Daniel's scores, oldest first: settled, then worse; thoughts of self-harm at 2 on the
# fifth day, and the seventh's total up by six on the mean of the three days before.
WEEK = [
    {"mood": 1, "sleep": 1, "appetite": 0, "self_care": 1, "engagement": 1, "agitation": 0,
     "self_harm_thoughts": 0, "substance_use": 0, "missed_medication": 0},
    {"mood": 1, "sleep": 1, "appetite": 1, "self_care": 1, "engagement": 1, "agitation": 0,
     "self_harm_thoughts": 0, "substance_use": 0, "missed_medication": 0},
    {"mood": 1, "sleep": 2, "appetite": 1, "self_care": 1, "engagement": 1, "agitation": 0,
     "self_harm_thoughts": 0, "substance_use": 0, "missed_medication": 0},
    {"mood": 2, "sleep": 2, "appetite": 1, "self_care": 1, "engagement": 1, "agitation": 1,
     "self_harm_thoughts": 1, "substance_use": 0, "missed_medication": 0},
    {"mood": 2, "sleep": 2, "appetite": 1, "self_care": 1, "engagement": 1, "agitation": 1,
     "self_harm_thoughts": 2, "substance_use": 0, "missed_medication": 0},
    {"mood": 2, "sleep": 2, "appetite": 1, "self_care": 1, "engagement": 2, "agitation": 1,
     "self_harm_thoughts": 1, "substance_use": 0, "missed_medication": 0},
    {"mood": 2, "sleep": 2, "appetite": 2, "self_care": 2, "engagement": 2, "agitation": 2,
     "self_harm_thoughts": 1, "substance_use": 1, "missed_medication": 1},
]
NOTES = ["Settled, went to the day centre", "Quiet, slept badly", "Said the neighbours are noisy",
         "Low, not eating much; agitated when his brother phoned",
         "Tearful; said he has thought about not being here",
         "Less tearful, stayed in his room", "Missed his evening medication; smelled of alcohol"]


def _actor(session: Session, email: str) -> Actor:
    return Actor(agency_services.find_user_by_email(session, email), "hub:demo")


def seed_concerns(session: Session, envelope: Envelope, policy: Policy, cases: dict[CaseKind, Case],
                  now: datetime) -> None:
    london = ZoneInfo(policy.timezone)
    today = policy.local_date(now)

    def at(days_ago: int, hour: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour), london)

    nurse, trust_lead = _actor(session, NURSE), _actor(session, TRUST_LEAD)
    worker, council_lead = _actor(session, SOCIAL_WORKER), _actor(session, COUNCIL_LEAD)
    assert nurse.user is not None
    assert worker.user is not None

    # Daniel: the trust's case, high risk, the nurse's caseload, a week of observations.
    daniel = case_services.create_case(
        session, nurse, kind=CaseKind.ADULT,
        subject=case_services.Subject("Daniel Notreal", date(1986, 6, 30)), agency_codes=[],
        envelope=envelope, policy=policy, now=at(12, 9))
    risk_services.record_summary(session, nurse, daniel.id, RiskSummaryIn(
        level=RiskLevel.HIGH, risk_to="Daniel, from himself when his mood drops",
        risk_factors="An overdose two years ago; drinking when low; his brother's calls",
        early_warning_signs="Stops eating; stays in his room; talks of not being here",
        de_escalation="Time with the nurse he knows; a quiet room; no raised voices",
        coping_strategies="Walking the dog; his music; calling his sister",
        contacts=(Contact(1, "Chidi Okafor", "Community mental-health nurse", "01632 960412",
                          "Weekdays 9-5"),
                  Contact(2, "Crisis team", "Home treatment team", "01632 960999", "Any time")),
        wishes="To stay at home and not go back to the ward", agreed_with_person=True,
        next_review=today + timedelta(days=20)), envelope=envelope, now=at(12, 10), today=today)
    supervision_services.allocate(session, trust_lead, daniel.id, nurse.user.id, now=at(12, 11))
    observation_services.set_daily_observation(session, nurse, daniel.id, agreed=True, policy=policy,
                                               now=at(8, 9))
    raised: list[uuid.UUID] = []
    for n, (scores, note) in enumerate(zip(WEEK, NOTES, strict=True)):
        moment = at(7 - n, 10)
        found = observation_services.record_observation(
            session, nurse, daniel.id, ObservationIn(scores, note, moment), envelope=envelope, policy=policy,
            now=moment)
        raised += [a.id for a in found.alerts]
    # The first alert (thoughts of self-harm) acknowledged that afternoon; the last left open.
    alert_services.acknowledge(session, trust_lead, raised[0], action_taken="review_crisis_plan",
                               note="Crisis plan reviewed with Daniel and his sister; home treatment "
                                    "team visiting daily this week", envelope=envelope, policy=policy,
                               now=at(3, 14))
    supervision_services.record_session(session, trust_lead, SessionIn(
        nurse.user.id, today - timedelta(days=10), (DiscussionIn(
            daniel.id, "Agreed daily observation while his medication changes"),)),
        envelope=envelope, policy=policy, now=at(10, 16))

    # Edith: a concern raised five weeks ago, triaged to an s42 enquiry (her case is older than
    # Margaret's, so Margaret's stays the newest on the council's dashboard); another this morning.
    edith = concern_services.raise_concern(session, worker, ConcernIn(
        case_id=None, subject_name="Edith Imaginary", subject_date_of_birth=date(1934, 11, 5),
        categories=("financial_material", "psychological"),
        account="Edith's bank rang: £4,000 withdrawn in a week by her new lodger, who was present "
                "at my visit and answered for her.",
        opinion="She seemed frightened of him.", immediate_risk=False, immediate_action="",
        views="She wants him to leave but is scared to tell him", desired_outcomes="To feel safe at home",
        person_aware=True, consent_status="obtained"), envelope=envelope, policy=policy, now=at(36, 11))
    concern_services.triage(session, council_lead, edith.line.id, TriageIn(
        "s42_enquiry", "Care and support needs (dementia), financial abuse by the lodger, and she cannot "
        "protect herself from him: the duty arises",
        s42={"care_and_support_needs": S42Answer(True, "Dementia diagnosis; home care twice daily"),
             "experiencing_or_at_risk": S42Answer(True, "£4,000 withdrawn in a week (bank's call)"),
             "unable_to_protect": S42Answer(True, "He answers for her; she is frightened of him")}),
        envelope=envelope, policy=policy, now=at(35, 15))
    concern_services.raise_concern(session, worker, ConcernIn(
        case_id=cases[CaseKind.ADULT].id, subject_name="", subject_date_of_birth=None,
        categories=("financial_material",),
        account="Margaret's nephew was at the house on pension day again, against the protection plan.",
        opinion="", immediate_risk=True, immediate_action="Asked him to leave; he did. Told the police "
                                                         "officer on the case.",
        views="She is upset and wants the locks changed", desired_outcomes="The locks changed today",
        person_aware=True, consent_status="obtained"), envelope=envelope, policy=policy,
        now=now - timedelta(minutes=45))

    # Supervision: Jordan's very-high-risk case allocated 29 days ago and never discussed (a day
    # overdue); Margaret's discussed three weeks ago.
    supervision_services.allocate(session, council_lead, cases[CaseKind.MARAC].id, worker.user.id,
                                  now=at(29, 10))
    supervision_services.allocate(session, council_lead, cases[CaseKind.ADULT].id, worker.user.id,
                                  now=at(29, 10))
    supervision_services.record_session(session, council_lead, SessionIn(
        worker.user.id, today - timedelta(days=21), (DiscussionIn(
            cases[CaseKind.ADULT].id, "The nephew's visits and the bank's protection"),)),
        envelope=envelope, policy=policy, now=at(21, 16))
