"""The demo's reviews and evidence: a near miss reviewed with its feedback given and not yet read,
an incident about a case awaiting review, a SAR under way after its decision, a CSPR with its clocks, and a
year of concerns whose partnership report shows a trend month by month."""

from __future__ import annotations

from datetime import timedelta

from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.config import Policy
from learning.rules import ClockState, ReviewKind, ReviewStatus
from learning.services import report
from learning.services.reviews import get_review, reviews_of


def _actor(session, email):
    return Actor(agency_services.find_user_by_email(session, email), "test")


def test_the_demo_holds_reviews_in_every_state_and_a_year_of_evidence(session, envelope):
    policy = demo.demo_policy(Policy())
    assert demo.seed(session, envelope, policy) is True
    now = demo.utcnow()
    nurse = _actor(session, "nurse.okafor@nmh.northshire.example")
    [near_miss] = reviews_of(session, nurse, kind=None, status=None, envelope=envelope, now=now)
    assert (near_miss.kind, near_miss.status, near_miss.feedback_unread) == (
        ReviewKind.NEAR_MISS, ReviewStatus.CLOSED, True)
    council_lead = _actor(session, "lead.price@asc.northshire.example")
    seen = {line.kind: line for line in reviews_of(session, council_lead, kind=None, status=None,
                                                    envelope=envelope, now=now)}
    assert seen[ReviewKind.INCIDENT].status == ReviewStatus.OPEN
    services = {"envelope": envelope, "policy": policy, "now": now}
    incident = get_review(session, council_lead, seen[ReviewKind.INCIDENT].id, **services)
    assert [ref.split("-")[0] for _, ref in incident.cases] == ["ADULT"]  # Margaret's case
    sar = get_review(session, council_lead, seen[ReviewKind.SAR].id, **services)
    assert sar.sar is not None
    assert (sar.sar["decision"], sar.sar["mandatory"], sar.duration_days) == ("review", True, 28)
    cspr = get_review(session, council_lead, seen[ReviewKind.CSPR].id, **services)
    assert [(clock.name, state) for clock, state in cspr.clocks] == [
        ("notification", ClockState.MET), ("rapid_review", ClockState.DUE)]
    today = policy.local_date(now)
    year = report.partnership_report(session, council_lead, start=today - timedelta(days=364), end=today,
                                     policy=policy, now=now)
    raised = year.measure("concerns_raised").shown.overall
    assert raised is not None
    assert raised > 100
    months = report.monthly(session, year, policy=policy)["concerns_raised"]
    known = [value for _, value in months if value is not None]
    assert len(known) >= 11
    assert max(known) > min(known)  # a trend, not a flat line
