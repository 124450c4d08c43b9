"""`hub demo` seeds consent data through the real services: a consent, decisions (one corrected),
agreements (one overdue), a partner admitted on a decision, an item in the IG queue and a concern
raised with a decision-maker."""

from __future__ import annotations

from sqlalchemy import select

from consent.models import AdmissionGround, ConsentRecord, DisclosureDecision, DisclosureReview
from consent.services import agreements as agreement_services
from consent.services import reviews as review_services
from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency
from hub.cases.models import CaseKind, CaseMembership
from hub.config import Policy
from hub.db import utcnow
from tests.support.demo import demo_case


def test_the_demo_seeds_consents_decisions_agreements_and_the_ig_queue(session, envelope):
    assert demo.seed(session, envelope, Policy()) is True
    person = {p.email: agency_services.find_user_by_email(session, p.email) for p in demo.PERSONAS}
    nurse, ig = person["nurse.okafor@nmh.northshire.example"], person["ig.hughes@nmh.northshire.example"]
    admin = person["admin@hub.northshire.example"]

    assert session.scalars(select(ConsentRecord)).all()
    decisions = session.scalars(select(DisclosureDecision)).all()
    corrections = [d for d in decisions if d.supersedes_id is not None]
    assert len(corrections) == 1
    assert corrections[0].supersedes_id in {d.id for d in decisions}

    # The trust joined the adult case on the correction, not on the decision it corrected.
    adult = demo_case(session, envelope, CaseKind.ADULT, "Margaret Fictitious")
    trust = session.scalars(select(Agency).where(Agency.code == "NMH-NS")).one()
    membership = session.scalars(select(CaseMembership).where(
        CaseMembership.case_id == adult.id, CaseMembership.agency_id == trust.id)).one()
    assert session.get(AdmissionGround, membership.id).decision_id == corrections[0].id

    register = agreement_services.list_agreements(session, Actor(admin, "test"), policy=Policy(),
                                                  now=utcnow())
    assert len(register) == len(demo.AGREEMENTS) + 1
    assert [a.row.title for a in register if a.overdue] == [demo.OVERDUE_AGREEMENT[0]]

    assert review_services.queue_length(session, ig) == 1
    [concern] = review_services.concerns_for(session, nurse)
    assert session.scalars(select(DisclosureReview)).one().decision_id == concern.decision_id

    # Seeding twice does nothing the second time.
    assert demo.seed(session, envelope, Policy()) is False
    assert len(session.scalars(select(DisclosureDecision)).all()) == len(decisions)
