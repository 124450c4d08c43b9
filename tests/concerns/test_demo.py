"""The demo's day-to-day safeguarding: a week of Daniel's observations that crossed two
thresholds (one alert acknowledged, one not), Edith's concern triaged to an s42 enquiry with her
adult case opened, a concern with immediate risk awaiting triage, and an overdue supervision."""

from __future__ import annotations

from sqlalchemy import select

from concerns.rules import AlertStatus, ConcernStatus
from concerns.services.alerts import agency_alerts
from concerns.services.concerns import concerns_of
from concerns.services.supervision import supervision_due
from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy


def _actor(session, email):
    return Actor(agency_services.find_user_by_email(session, email), "test")


def test_the_demo_shows_observations_alerts_concerns_and_supervision(session, envelope):
    policy = demo.demo_policy(Policy())
    assert demo.seed(session, envelope, policy) is True
    now = demo.utcnow()
    today = policy.local_date(now)
    trust_lead = _actor(session, "lead.banda@nmh.northshire.example")
    found = agency_alerts(session, trust_lead, status=None, policy=policy, now=now)
    assert sorted((a.threshold, a.status) for a in found) == [
        ("self_harm_thoughts_at_2", AlertStatus.ACKNOWLEDGED), ("total_rise_5", AlertStatus.OPEN)]
    council_lead = _actor(session, "lead.price@asc.northshire.example")
    triaged = concerns_of(session, council_lead, status=ConcernStatus.TRIAGED, policy=policy, now=now)
    # Beside the year of concerns given advice for the partnership report's charts (learning.demo).
    [edith] = [c for c in triaged if c.outcome != "advice_given"]
    assert edith.outcome == "s42_enquiry"
    assert edith.case_ref is not None
    waiting = concerns_of(session, council_lead, status=ConcernStatus.AWAITING_TRIAGE, policy=policy, now=now)
    assert [c.immediate_risk for c in waiting] == [True]
    due = supervision_due(session, council_lead, policy=policy, now=now, overdue_only=True)
    assert [(d.supervisee, d.level) for d in due] == [("Sam Carter", "very_high")]
    assert all(d.due < today for d in due)
    # The s42 enquiry opened an adult case that the council leads.
    s42_case = session.scalars(select(Case).where(Case.ref == edith.case_ref)).one()
    assert s42_case.kind == CaseKind.ADULT
    assert s42_case.lead_agency_id == council_lead.user.agency_id
