"""`hub demo` seeds sharing data through the real services: a crisis plan in two versions, a plan
whose review date has passed, actions (one done with its evidence, one due, one overdue) and a
challenge of the overdue one at stage 2."""

from __future__ import annotations

from sqlalchemy import select

from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.db import utcnow
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services
from sharing.services import risk_summaries as risk_services
from tests.support.demo import demo_case


def test_the_demo_seeds_plans_and_actions_the_partners_see(session, envelope):
    assert demo.seed(session, envelope, Policy()) is True
    now = utcnow()
    today = Policy().local_date(now)
    # Jordan's case, the IDVA service's (probation's later referral of her is a case of its own).
    marac = session.scalars(select(Case).where(Case.kind == CaseKind.MARAC).order_by(Case.created_at)).first()
    adult = demo_case(session, envelope, CaseKind.ADULT, "Margaret Fictitious")
    officer = Actor(agency_services.find_user_by_email(session, "dc.ahmed@police.northshire.example"),
                    "test")

    versions = risk_services.list_versions(session, officer, marac.id, now=now)
    assert [(v.version, v.level) for v in versions] == [(2, "very_high"), (1, "high")]
    latest = risk_services.read_version(session, officer, marac.id, None, envelope=envelope, now=now)
    assert "refuge referral" in latest.summary.risk_factors
    assert len(latest.summary.contacts) == 4

    overdue = risk_services.overdue_plans(session, officer.user, today=today)
    assert [p.case_id for p in overdue] == [adult.id]

    actions = action_services.case_actions(session, officer, marac.id, envelope=envelope, now=now)
    assert sorted(a.status for a in actions) == ["done", "open", "open"]
    assert [a.agency_code for a in actions if a.overdue(today)] == ["NMH-NS"]
    [done] = [a for a in actions if a.status == "done"]
    detail = action_services.get_action(session, officer, done.id, envelope=envelope, now=now)
    assert detail.history[-1].evidence == "Refuge referral REF-2231"

    nurse = Actor(agency_services.find_user_by_email(session, "nurse.okafor@nmh.northshire.example"),
                  "test")
    [challenge] = challenge_services.agency_challenges(session, nurse, status="open", envelope=envelope,
                                                       now=now)
    assert (challenge.stage, challenge.against_agency, challenge.raised_by_agency) == (2, "NMH-NS", "IDVA-NS")
    assert [e.kind for e in challenge.history] == ["opened", "escalated"]
