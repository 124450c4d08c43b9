"""`hub demo`: a self-contained hub on loopback with fictional agencies, people and cases."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from concerns.demo import seed_concerns
from consent.rules import (
    Art6Basis,
    Art9Condition,
    ConsentGivenBy,
    ConsentIn,
    ConsentMethod,
    ConsentStatus,
    ConsentType,
    DecisionIn,
    Direction,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    SubjectCategory,
)
from consent.services import agreements as agreement_services
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from consent.services import reviews as review_services
from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, ExternalIdentity, User
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind
from hub.config import DEFAULT_INSTANCE, Policy, ProviderConfig, load_settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from hub.demo_idp import DemoClient, DemoPerson, Tenant, create_demo_idp
from hub.demo_idp.loopback import serve_on_loopback
from learning.demo import seed_history, seed_reviews
from meetings.rules import InviteeIn, MeetingIn, ReferralIn
from meetings.services import mappa as mappa_services
from meetings.services import marac as marac_services
from meetings.services import meetings as meeting_services
from sharing.rules import ActionStatus, Contact, RiskLevel, RiskSummaryIn
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services
from sharing.services import risk_summaries as risk_services

IDP_MOUNT = "/demo-idp"
# Where the hub asks the demo provider to send people after signing out (registered exactly).
POST_LOGOUT_PATHS = ("/signed-out",)

AGENCIES = [
    ("POL-NS", "Northshire Police", "police"),
    ("NMH-NS", "Northshire Mental Health NHS Foundation Trust", "nhs_mental_health"),
    ("ASC-NS", "Northshire County Council Adult Social Care", "council_adults"),
    ("IDVA-NS", "Northshire IDVA Service", "idva"),
    ("CSC-NS", "Northshire County Council Children's Services", "council_children"),
    ("PRB-NS", "Northshire Probation Delivery Unit", "probation"),
]


@dataclass(frozen=True)
class Persona:
    """A fictional member of staff: a hub user, and a person at their agency's demo identity provider."""

    email: str
    name: str
    agency: str
    roles: tuple[str, ...]
    description: str
    subject: str  # the `sub` their agency's provider gives them; stable across runs
    idp_roles: tuple[str, ...]  # what their provider says in the `roles` claim


@dataclass(frozen=True)
class DemoProvider:
    """One fictional agency's identity provider, as the hub is configured to trust it."""

    name: str
    title: str
    agency: str
    role_map: dict[str, str]

    @property
    def secret_env(self) -> str:
        return f"HUB_DEMO_{self.name.upper().replace('-', '_')}_SECRET"


PROVIDERS = [
    DemoProvider("police", "Northshire Police", "POL-NS",
                 {"officer": "practitioner", "detective-sergeant": "manager"}),
    DemoProvider("nhs-mh", "Northshire Mental Health NHS Foundation Trust", "NMH-NS",
                 {"clinician": "practitioner", "caldicott-deputy": "ig", "safeguarding-lead": "lead"}),
    DemoProvider("council-adults", "Northshire County Council Adult Social Care", "ASC-NS",
                 {"social-worker": "practitioner", "safeguarding-lead": "lead", "hub-administrator": "admin",
                  "partnership-auditor": "auditor"}),
    DemoProvider("idva", "Northshire IDVA Service", "IDVA-NS",
                 {"idva": "practitioner", "idva-manager": "manager"}),
]

PERSONAS = [
    Persona("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS", ("practitioner",),
            "police officer, public protection unit", "pol-000417", ("officer",)),
    Persona("nurse.okafor@nmh.northshire.example", "Chidi Okafor", "NMH-NS", ("practitioner",),
            "community mental-health nurse", "nmh-002231", ("clinician",)),
    Persona("lead.price@asc.northshire.example", "Hannah Price", "ASC-NS", ("lead",),
            "adult safeguarding lead and MARAC chair", "asc-000087", ("safeguarding-lead",)),
    Persona("lead.banda@nmh.northshire.example", "Dr Ruth Banda", "NMH-NS", ("lead",),
            "named safeguarding lead, mental-health trust", "nmh-000311", ("safeguarding-lead",)),
    Persona("sw.carter@asc.northshire.example", "Sam Carter", "ASC-NS", ("practitioner",),
            "adult social worker", "asc-000342", ("social-worker",)),
    Persona("idva.walsh@idva.northshire.example", "Niamh Walsh", "IDVA-NS", ("practitioner",),
            "independent domestic violence adviser", "idva-000012", ("idva",)),
    Persona("ig.hughes@nmh.northshire.example", "Gareth Hughes", "NMH-NS", ("ig",),
            "Caldicott Guardian's deputy", "nmh-000954", ("caldicott-deputy",)),
    Persona("admin@hub.northshire.example", "Hub Administrator", "ASC-NS", ("admin",),
            "hub administrator (sees no case content)", "asc-000001", ("hub-administrator",)),
    Persona("auditor@hub.northshire.example", "Partnership Auditor", "ASC-NS", ("auditor",),
            "audit-trail reviewer (sees no case content)", "asc-000002", ("partnership-auditor",)),
]

# Entirely fictional people; any resemblance is accidental.
CASES = [
    (CaseKind.MARAC, "IDVA-NS", "Jordan Example", date(1991, 4, 12), ["POL-NS", "ASC-NS", "NMH-NS"]),
    # The mental-health trust joins later, on a disclosure decision (see _seed_consent).
    (CaseKind.ADULT, "ASC-NS", "Margaret Fictitious", date(1938, 9, 2), ["POL-NS"]),
    (CaseKind.MAPPA, "PRB-NS", "Lee Madeup", date(1979, 1, 23), ["POL-NS", "ASC-NS"]),
    (CaseKind.CHILD, "CSC-NS", "Riley Invented", date(2015, 6, 30), ["POL-NS", "NMH-NS"]),
]


# Information-sharing agreements: (title, parties, case kinds, DPIA reference). Partners named
# when a case is opened join on one of these (membership is sharing).
AGREEMENTS = [
    ("Northshire MARAC and MAPPA information-sharing protocol",
     ("IDVA-NS", "POL-NS", "ASC-NS", "NMH-NS", "PRB-NS"), (CaseKind.MARAC, CaseKind.MAPPA), "DPIA-NS-031"),
    ("Northshire children's safeguarding partnership agreement",
     ("CSC-NS", "POL-NS", "NMH-NS"), (CaseKind.CHILD,), "DPIA-NS-027"),
    ("Northshire adult safeguarding agreement: police and adult social care",
     ("ASC-NS", "POL-NS"), (CaseKind.ADULT,), "DPIA-NS-019"),
]
# One agreement whose review date has passed: the register shows it overdue; it covers nothing.
OVERDUE_AGREEMENT = ("Northshire hospital discharge information-sharing agreement (2022)",
                     ("NMH-NS", "ASC-NS"), (CaseKind.ADULT,), "DPIA-NS-008")


def prepare_instance(instance: Path = DEFAULT_INSTANCE) -> dict[str, str]:
    """Create instance/ with a keyring and a secret key on first run; returns the environment."""
    instance.mkdir(parents=True, exist_ok=True)
    os.chmod(instance, 0o700)
    keyring_path = instance / "keyring.json"
    if not keyring_path.exists():
        Keyring.generate().save(keyring_path)
    secret_path = instance / "secret_key"
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return {
        "HUB_KEYRING": str(keyring_path),
        "HUB_SECRET_KEY": secret_path.read_text().strip(),
    }


def seed(session: Session, envelope: Envelope, policy: Policy) -> bool:
    """Fictional agencies, people and cases; does nothing if the demo data is already there."""
    if session.scalar(select(Agency.id).where(Agency.code == "POL-NS")) is not None:
        return False
    now = utcnow()
    system = Actor.system()
    for code, name, kind in AGENCIES:
        agency_services.add_agency(session, system, code=code, name=name, kind=kind, now=now)
    for p in PERSONAS:
        agency_services.add_user(session, system, agency_code=p.agency, email=p.email,
                                 name=p.name, roles=list(p.roles), now=now)
    _seed_agreements(session, policy, now)
    cases: dict[CaseKind, Case] = {}
    for kind, lead, name, dob, others in CASES:
        creator = session.scalar(
            select(User).join(Agency).where(Agency.code == lead).order_by(User.created_at)
        )
        if creator is None or not creator.has_role("practitioner", "lead", "manager"):
            creator = agency_services.add_user(
                session, system, agency_code=lead, email=f"duty@{lead.lower()}.northshire.example",
                name=f"Duty worker {lead}", roles=["practitioner"], now=now)
        cases[kind] = case_services.create_case(
            session, Actor(creator, "hub:demo"), kind=kind,
            subject=case_services.Subject(name, dob), agency_codes=others, envelope=envelope,
            policy=policy, now=now - timedelta(days=30),
        )
    _seed_consent(session, envelope, policy, cases, now)
    _seed_sharing(session, envelope, policy, cases, now)
    _seed_meetings(session, envelope, policy, cases, now)
    seed_concerns(session, envelope, policy, cases, now)
    seed_reviews(session, envelope, policy, now, cases)
    seed_history(session, envelope, policy, now)
    return True


# The council's safeguarding lead chairs and coordinates the MARAC.
DEMO_MARAC_COORDINATOR = "ASC-NS"


def demo_policy(policy: Policy) -> Policy:
    """The demo's policy: the configured one, with the council coordinating the MARAC unless a
    coordinator is configured."""
    return dataclasses.replace(policy, marac_coordinator_agency=policy.marac_coordinator_agency
                               or DEMO_MARAC_COORDINATOR)


def _person(session: Session, email: str) -> Actor:
    return Actor(agency_services.find_user_by_email(session, email), "hub:demo")


def _seed_agreements(session: Session, policy: Policy, now: datetime) -> None:
    """The register, recorded by the hub administrator: three agreements in force, one overdue."""
    admin = _person(session, "admin@hub.northshire.example")

    def agreement(entry: tuple[str, tuple[str, ...], tuple[CaseKind, ...], str], *, review: date,
                  at: datetime) -> None:
        title, parties, kinds, dpia = entry
        agreement_services.record_agreement(session, admin, agreement_services.AgreementIn(
            title=title, parties=parties, case_kinds=kinds, art6_basis=Art6Basis.PUBLIC_TASK,
            purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK, Purpose.SAFEGUARD_CHILD, Purpose.MARAC,
                      Purpose.MAPPA),
            review_date=review, dpia_ref=dpia), policy=policy, now=at)

    for entry in AGREEMENTS:
        agreement(entry, review=now.date() + timedelta(days=300), at=now - timedelta(days=400))
    # Recorded three years ago with a review date that has since passed.
    agreement(OVERDUE_AGREEMENT, review=now.date() - timedelta(days=200), at=now - timedelta(days=3 * 365))


def _seed_consent(session: Session, envelope: Envelope, policy: Policy, cases: dict[CaseKind, Case],
                  now: datetime) -> None:
    """Margaret's consent and the adult social care decision to share with the mental-health
    trust (recorded, then corrected), on which the trust joins her case; two decisions the trust
    made without consent: one its IG has raised concerns about, one awaiting IG review."""
    lead = _person(session, "lead.price@asc.northshire.example")
    nurse = _person(session, "nurse.okafor@nmh.northshire.example")
    ig = _person(session, "ig.hughes@nmh.northshire.example")
    adult, marac, child = cases[CaseKind.ADULT], cases[CaseKind.MARAC], cases[CaseKind.CHILD]
    trust = "Northshire Mental Health NHS Foundation Trust"

    consent = consent_services.record_consent(session, lead, adult.id, ConsentIn(
        given_by=ConsentGivenBy.SELF, purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK, Purpose.DIRECT_CARE),
        agencies=(trust, "Northshire Police"), obtained_at=now - timedelta(days=3),
        consent_type=ConsentType.EXPLICIT, method=ConsentMethod.VERBAL,
        information_given="Her social worker explained that her memory assessment and the "
                          "safeguarding plan would be shared with the trust's older-adults team "
                          "and the police, and why",
        obtained_by="Hannah Price", capacity_assessed=False,
        desired_outcomes="To stay in her own home and to stop the visits from her nephew",
        advocate_present=True,
    ), envelope=envelope, now=now - timedelta(days=3))
    with_consent = DecisionIn(
        case_id=adult.id, subject_category=SubjectCategory.ADULT_AT_RISK, direction=Direction.PROACTIVE,
        purpose=Purpose.SAFEGUARD_ADULT_AT_RISK, regime=Regime.UK_GDPR, art6_basis=Art6Basis.PUBLIC_TASK,
        special_category=True, art9_condition=Art9Condition.EXPLICIT_CONSENT, confidential=True,
        consent_status=ConsentStatus.OBTAINED, consent_id=consent.row.id, subject_informed=True,
        necessity="The trust cannot plan her care without knowing of the financial abuse",
        proportionality="Only the safeguarding plan and the concerns that led to it",
        outcome=Outcome.SHARE_FULL, recipients=(trust,),
        rationale="Margaret agreed to her information going to the trust's older-adults team",
        items_shared=("Safeguarding plan", "Social work case notes"),
        decided_at=now - timedelta(days=2),
    )
    first = decision_services.record_decision(session, lead, adult.id, with_consent, envelope=envelope,
                                              now=now - timedelta(days=2))
    # The correction: the case notes were never meant to go, only the plan and a summary.
    decision_services.record_decision(session, lead, adult.id, dataclasses.replace(
        with_consent, outcome=Outcome.SHARE_PARTIAL_MINIMISED, supersedes=first.row.id,
        items_shared=("Safeguarding plan", "Summary of the financial-abuse concern"),
        rationale="Correction: the full case notes were listed in error; only the plan and a "
                  "summary go, which is all the trust needs",
        decided_at=now - timedelta(days=1),
    ), envelope=envelope, now=now - timedelta(days=1))
    case_services.add_member(session, lead, adult.id, "NMH-NS", policy=policy, now=now)

    without_consent = DecisionIn(
        case_id=marac.id, subject_category=SubjectCategory.ADULT_AT_RISK, direction=Direction.ON_REQUEST,
        requesting_org="Northshire IDVA Service", purpose=Purpose.MARAC, regime=Regime.UK_GDPR,
        art6_basis=Art6Basis.PUBLIC_TASK, special_category=True,
        art9_condition=Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST,
        sch1_condition=Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK, confidential=True,
        consent_status=ConsentStatus.NOT_SOUGHT, no_consent_reason=NoConsentReason.WOULD_PREJUDICE_PROTECTION,
        public_interest_rationale="A high-risk domestic abuse victim: the risk of serious harm "
                                  "outweighs the duty of confidence",
        subject_informed=False, not_informed_reason="Contact could alert the perpetrator, who lives with her",
        necessity="The MARAC needs her mental-health history to plan safety",
        proportionality="Only the current risk and the crisis plan, not the clinical record",
        outcome=Outcome.SHARE_PARTIAL_MINIMISED, recipients=("Northshire IDVA Service", "Northshire Police"),
        rationale="Shared for the MARAC safety plan", items_shared=("Risk summary", "Crisis plan"),
        decided_at=now - timedelta(days=4),
    )
    decision_services.record_decision(session, nurse, marac.id, without_consent, envelope=envelope,
                                      now=now - timedelta(days=4))
    concern = decision_services.record_decision(session, nurse, child.id, dataclasses.replace(
        without_consent, case_id=child.id, subject_category=SubjectCategory.CHILD,
        direction=Direction.PROACTIVE, requesting_org=None, purpose=Purpose.SAFEGUARD_CHILD,
        public_interest_rationale="Riley's safety at home comes before the parent's confidence",
        not_informed_reason="Telling the parent could put Riley at greater risk",
        necessity="Children's services need to know of the parent's admission",
        recipients=("Northshire County Council Children's Services",),
        rationale="Shared so that children's services can check Riley is safe",
        items_shared=("Dates of the parent's admission",), decided_at=now - timedelta(days=6),
    ), envelope=envelope, now=now - timedelta(days=6))
    review_services.review_decision(
        session, ig, concern.row.id, outcome=review_services.ReviewOutcome.CONCERNS_RAISED,
        comment="The record does not say why the other parent could not be asked first: "
                "add that to a correction, or explain it to me",
        envelope=envelope, now=now - timedelta(days=5))


def _seed_sharing(session: Session, envelope: Envelope, policy: Policy, cases: dict[CaseKind, Case],
                  now: datetime) -> None:
    """Jordan's crisis plan in two versions (the second after the MARAC), Margaret's plan whose
    review date has passed, and actions on Jordan's case: one done with its evidence, one due
    this week and one overdue, challenged and now at stage 2."""
    nurse = _person(session, "nurse.okafor@nmh.northshire.example")
    idva = _person(session, "idva.walsh@idva.northshire.example")
    lead = _person(session, "lead.price@asc.northshire.example")
    marac, adult = cases[CaseKind.MARAC], cases[CaseKind.ADULT]

    def today(moment: datetime) -> date:
        return policy.local_date(moment)

    plan = RiskSummaryIn(
        level=RiskLevel.HIGH,
        risk_to="Jordan, from her partner, who lives with her; and her two-year-old son",
        risk_factors="Strangulation in September; his drinking at weekends; the separation she plans",
        protective_factors="Her mother two streets away; the IDVA she trusts; the nursery staff",
        early_warning_signs="She stops replying to texts and cancels nursery; he starts collecting "
                            "her from work",
        de_escalation="Her IDVA texts first, using the agreed word; a home visit only with police",
        coping_strategies="Going to her mother's with her son; the running club on Thursdays",
        contacts=(Contact(1, "Niamh Walsh", "IDVA", "07700 900123", "Mon-Fri 9-5"),
                  Contact(2, "Chidi Okafor", "Community mental-health nurse", "01632 960451",
                          "Mon-Fri 8-6"),
                  Contact(3, "Public protection unit duty desk", "Police", "01632 960999", "24 hours"),
                  Contact(4, "Crisis resolution team", "Mental-health crisis", "01632 960111",
                          "24 hours")),
        statutory_thresholds="A Mental Health Act assessment if she expresses plans to end her life",
        wishes="She does not want her partner told that agencies share; she wants her son kept "
               "with her mother in a crisis",
        agreed_with_person=True, next_review=today(now - timedelta(days=20)) + timedelta(days=90),
        reviewer="Niamh Walsh",
    )
    risk_services.record_summary(session, nurse, marac.id, plan, envelope=envelope,
                                 now=now - timedelta(days=20), today=today(now - timedelta(days=20)))
    risk_services.record_summary(
        session, idva, marac.id, dataclasses.replace(
            plan, level=RiskLevel.VERY_HIGH,
            risk_factors=plan.risk_factors + "; he has found out about the refuge referral"),
        envelope=envelope, now=now - timedelta(days=2), today=today(now - timedelta(days=2)),
        based_on=1)
    written = now - timedelta(days=120)
    risk_services.record_summary(session, lead, adult.id, RiskSummaryIn(
        level=RiskLevel.MEDIUM, risk_to="Margaret, from her nephew's financial abuse",
        risk_factors="His visits on pension day; her memory problems",
        protective_factors="Her neighbour, who calls daily; her bank's fraud team",
        early_warning_signs="Unpaid bills; she says she has 'lent' him money",
        de_escalation="Her social worker visits with the neighbour present",
        coping_strategies="Her church group on Sundays",
        contacts=(Contact(1, "Hannah Price", "Safeguarding lead", "01632 960321", "Mon-Fri 9-5"),),
        statutory_thresholds="A Court of Protection application if she loses capacity over money",
        wishes="To stay in her own home", agreed_with_person=True,
        next_review=today(written) + timedelta(days=90), reviewer="Hannah Price",
    ), envelope=envelope, now=written, today=today(written))

    done = action_services.create_action(
        session, idva, marac.id, title="Arrange a refuge place for Jordan and her son",
        agency_code="ASC-NS", due=today(now - timedelta(days=10)) + timedelta(days=5),
        envelope=envelope, now=now - timedelta(days=10), today=today(now - timedelta(days=10)))
    action_services.change_status(session, lead, done.id, status=ActionStatus.DONE,
                                  note="Place held from Friday", evidence="Refuge referral REF-2231",
                                  envelope=envelope, now=now - timedelta(days=6))
    action_services.create_action(
        session, idva, marac.id, title="Flag the address for an urgent police response",
        agency_code="POL-NS", due=today(now) + timedelta(days=4), envelope=envelope,
        now=now - timedelta(days=1), today=today(now - timedelta(days=1)))
    overdue = action_services.create_action(
        session, idva, marac.id, title="Review her medication with her GP before the next MARAC",
        agency_code="NMH-NS", due=today(now) - timedelta(days=12), envelope=envelope,
        now=now - timedelta(days=20), today=today(now - timedelta(days=20)))
    # The IDVA challenged the trust a week ago; no plan was agreed by stage 1's deadline, so the
    # escalation job has moved it to stage 2 (managers).
    challenge_services.raise_challenge(
        session, idva, overdue.id, concern="The medication review was due before the MARAC and "
        "has not happened; she says her tablets are running out", evidence="Two e-mails to the "
        "community team unanswered", immediate_risk=False, envelope=envelope, policy=policy,
        now=now - timedelta(days=7))
    challenge_services.escalate(session, as_of=now, policy=policy)


CARRIED_OVER_ACTION = "Check the address for firearms and shotgun certificates"


def _seed_meetings(session: Session, envelope: Envelope, policy: Policy, cases: dict[CaseKind, Case],
                   now: datetime) -> None:
    """Margaret's strategy meeting, convened by the council's lead two days after the decision to
    make s42 enquiries, inviting the police officer, and the strategy discussion held two days ago
    whose minutes are to be written; the fortnightly MARAC that
    considers Jordan's case (referred by the IDVA service, listed by the council's lead, who
    coordinates it), inviting the officer, the nurse and the IDVA; and Lee's MAPPA level-2 review,
    due and convened by probation. The invitations wait in the outbox (the demo has no mail
    server)."""
    london = ZoneInfo(policy.timezone)
    mailing = meeting_services.Mailing("safeguarding-hub@localhost", "http://127.0.0.1:5000")
    day = policy.local_date(now) + timedelta(days=3)
    start = datetime.combine(day, time(10), london)
    meeting_services.convene(
        session, _person(session, "lead.price@asc.northshire.example"), MeetingIn(
            kind="strategy", title="Strategy meeting: Margaret's s42 enquiry", start=start,
            end=start + timedelta(hours=1), location="County Hall, Room 2.14",
            case_ids=(cases[CaseKind.ADULT].id,),
            invitees=(InviteeIn("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS"),),
            decided_at=now - timedelta(hours=20)),
        envelope=envelope, policy=policy, now=now, uid_domain="hub.northshire.example", mailing=mailing)
    # The IDVA service's referral of Jordan (DASH 16, children in the household), listed by the
    # council's lead, who coordinates and chairs the fortnightly MARAC.
    marac_services.record_referral(
        session, _person(session, "idva.walsh@idva.northshire.example"), cases[CaseKind.MARAC].id,
        ReferralIn(dash_score=16, professional_judgement="", incidents_12_months=2, children=True,
                   victim_aware=True, afraid_of="Her former partner"),
        envelope=envelope, policy=policy, now=now - timedelta(days=2))
    first = datetime.combine(policy.local_date(now) + timedelta(days=7), time(10), london)
    chair = _person(session, "lead.price@asc.northshire.example")
    marac = meeting_services.convene(
        session, chair, MeetingIn(
            kind="marac", title="Northshire MARAC", start=first, end=first + timedelta(hours=3),
            location="Northshire Police HQ, Conference Room 1", case_ids=(),
            invitees=(InviteeIn("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS"),
                      InviteeIn("nurse.okafor@nmh.northshire.example", "Chidi Okafor", "NMH-NS"),
                      InviteeIn("idva.walsh@idva.northshire.example", "Niamh Walsh", "IDVA-NS")),
            rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=26", capacity=16),
        envelope=envelope, policy=policy, now=now, uid_domain="hub.northshire.example", mailing=mailing)
    marac_services.list_case(session, chair, marac.id, cases[CaseKind.MARAC].id, policy=demo_policy(policy),
                             now=now)
    # Last fortnight's MARAC, held a fortnight ago, which heard the police's referral of Casey: its
    # minutes are the chair's to write.
    officer = _person(session, "dc.ahmed@police.northshire.example")
    held_marac = datetime.combine(policy.local_date(now) - timedelta(days=14), time(14), london)
    casey = case_services.create_case(session, officer, kind=CaseKind.MARAC,
                                      subject=case_services.Subject("Casey Sample", date(1988, 6, 30)),
                                      agency_codes=["ASC-NS"], envelope=envelope, policy=policy,
                                      now=held_marac - timedelta(days=6))
    marac_services.record_referral(
        session, officer, casey.id,
        ReferralIn(dash_score=17, professional_judgement="", incidents_12_months=3, children=False,
                   victim_aware=True),
        envelope=envelope, policy=policy, now=held_marac - timedelta(days=6))
    past = meeting_services.convene(
        session, chair, MeetingIn(
            kind="marac", title="Northshire MARAC (last fortnight)", start=held_marac,
            end=held_marac + timedelta(hours=2), location="Northshire Police HQ, Conference Room 1",
            case_ids=(), capacity=16,
            invitees=(InviteeIn("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS"),)),
        envelope=envelope, policy=policy, now=held_marac - timedelta(days=5),
        uid_domain="hub.northshire.example", mailing=mailing)
    marac_services.list_case(session, chair, past.id, casey.id, policy=demo_policy(policy),
                             now=held_marac - timedelta(days=4))
    # The police's own action on Casey's case, set when they referred her and due the day before
    # that MARAC, still open: carried over to it, for the chair to mark before the minutes issue.
    referred = held_marac - timedelta(days=6)
    action_services.create_action(
        session, officer, casey.id, title=CARRIED_OVER_ACTION, agency_code="POL-NS",
        due=policy.local_date(held_marac) - timedelta(days=1), envelope=envelope, now=referred,
        today=policy.local_date(referred))
    # Probation, not a member of Jordan's case, refers her again after a further incident: a
    # repeat, which probation is not told of and the coordinator's queue shows.
    probation = Actor(session.scalar(select(User).where(User.email == "duty@prb-ns.northshire.example")),
                      "hub:demo")
    name, dob = next((n, d) for kind, _lead, n, d, _others in CASES if kind == CaseKind.MARAC)
    again = case_services.create_case(session, probation, kind=CaseKind.MARAC,
                                      subject=case_services.Subject(name, dob), agency_codes=[],
                                      envelope=envelope, policy=policy, now=now - timedelta(days=1))
    marac_services.record_referral(
        session, probation, again.id, ReferralIn(
            dash_score=9, professional_judgement="Her former partner, on licence, was seen outside her "
            "flat twice this week", incidents_12_months=1, children=True, victim_aware=True),
        envelope=envelope, policy=policy, now=now - timedelta(days=1))
    # The strategy discussion held two days ago, whose minutes the lead has still to write.
    held = datetime.combine(policy.local_date(now) - timedelta(days=2), time(14), london)
    meeting_services.convene(
        session, _person(session, "lead.price@asc.northshire.example"), MeetingIn(
            kind="strategy", title="Strategy discussion: Margaret's care at home", start=held,
            end=held + timedelta(minutes=45), location="Video call (Teams)",
            case_ids=(cases[CaseKind.ADULT].id,),
            invitees=(InviteeIn("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS"),),
            decided_at=held - timedelta(hours=3)),
        envelope=envelope, policy=policy, now=held - timedelta(hours=2), uid_domain="hub.northshire.example",
        mailing=mailing)
    # Lee's MAPPA case: category 2, level 2, set fifteen weeks ago, so its review is due within
    # the notice period; the job raises "review due", and probation convenes the review meeting
    # on the proposed date.
    probation = Actor(session.scalar(select(User).where(User.email == "duty@prb-ns.northshire.example")),
                      "hub:demo")
    mappa_case = cases[CaseKind.MAPPA]
    mappa_services.set_mappa(session, probation, mappa_case.id, category=2, level=2, policy=policy,
                             now=now - timedelta(weeks=15))
    mappa_services.raise_review_alerts(session, policy=policy, now=now)
    review = mappa_services.get_mappa(session, probation, mappa_case.id, now=now)
    if review is not None and review.proposed_date is not None:
        on = datetime.combine(max(review.proposed_date, policy.local_date(now) + timedelta(days=1)),
                              time(11), london)
        meeting_services.convene(session, probation, MeetingIn(
            kind="mappa", title="MAPPA level 2 review", start=on, end=on + timedelta(hours=1),
            location="Probation Office, Meeting Room B", case_ids=(mappa_case.id,),
            invitees=(InviteeIn("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS"),
                      InviteeIn("lead.price@asc.northshire.example", "Hannah Price", "ASC-NS"))),
            envelope=envelope, policy=policy, now=now, uid_domain="hub.northshire.example", mailing=mailing)


def instance_dir(environ: Mapping[str, str]) -> Path:
    """`HUB_INSTANCE` if set (tests use a temporary one), else the repository's `instance/`."""
    return Path(environ["HUB_INSTANCE"]) if environ.get("HUB_INSTANCE") else DEFAULT_INSTANCE


def demo_providers(base_url: str) -> tuple[ProviderConfig, ...]:
    """The hub's provider table for the four demo issuers, all served under `base_url/demo-idp`."""
    return tuple(
        ProviderConfig(name=p.name, title=p.title, issuer=f"{base_url}{IDP_MOUNT}/{p.name}", client_id="hub",
                       client_secret_env=p.secret_env, agencies=(p.agency,), role_claim="roles",
                       role_map=dict(p.role_map))
        for p in PROVIDERS
    )


def demo_tenants(base_url: str, client_secrets: Mapping[str, str]) -> list[Tenant]:
    """The demo provider's side of the same four agencies: their people and the hub as a client."""
    return [
        Tenant(
            slug=p.name, title=p.title,
            people=tuple(DemoPerson(subject=x.subject, name=x.name, email=x.email, roles=x.idp_roles,
                                    description=x.description)
                         for x in PERSONAS if x.agency == p.agency),
            clients=(DemoClient(
                client_id="hub", client_secret=client_secrets[p.name],
                redirect_uris=(f"{base_url}/auth/{p.name}/callback",),
                post_logout_redirect_uris=tuple(f"{base_url}{path}" for path in POST_LOGOUT_PATHS),
            ),),
        )
        for p in PROVIDERS
    ]


def link_identities(session: Session, providers: tuple[ProviderConfig, ...], *, now: datetime) -> int:
    """Tie each persona to (issuer, subject) so a demo sign-in lands on the seeded person and cases.

    The issuer carries the port, so this runs on every start; it adds only the missing links.
    """
    by_agency = {p.agencies[0]: p for p in providers}
    added = 0
    for persona in PERSONAS:
        issuer = by_agency[persona.agency].issuer
        exists = session.scalar(select(ExternalIdentity.id).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == persona.subject))
        if exists is None:
            person = agency_services.find_user_by_email(session, persona.email)
            session.add(ExternalIdentity(user_id=person.id, issuer=issuer, subject=persona.subject,
                                         created_at=now))
            added += 1
    session.flush()
    return added


def build_demo(port: int) -> tuple[DispatcherMiddleware, list[tuple[Persona, str]], bool]:
    """Prepare instance/, migrate, seed, link identities; return the combined WSGI app and tokens."""
    instance = instance_dir(os.environ)
    os.environ.update(prepare_instance(instance))
    os.environ.setdefault("HUB_DATABASE_URL", f"sqlite:///{instance / 'hub.db'}")
    base_url = f"http://127.0.0.1:{port}"
    client_secrets = {p.name: secrets.token_urlsafe(32) for p in PROVIDERS}
    for p in PROVIDERS:
        os.environ[p.secret_env] = client_secrets[p.name]
    providers = demo_providers(base_url)
    settings = dataclasses.replace(load_settings(demo=True), base_url=base_url, providers=providers)
    settings = dataclasses.replace(settings, policy=demo_policy(settings.policy))
    migrate.upgrade(settings.database_url)
    database = Database(settings.database_url)
    keyring = Keyring.load(Path(os.environ["HUB_KEYRING"]))
    envelope = Envelope(keyring)
    with database.transaction() as session:
        seeded = seed(session, envelope, settings.policy)
        link_identities(session, providers, now=utcnow())
        tokens = []
        for persona in PERSONAS:
            person = agency_services.find_user_by_email(session, persona.email)
            _t, secret = agency_services.create_token(session, Actor.system(), user=person,
                                                      days=1, now=utcnow())
            tokens.append((persona, secret))
    hub = create_app(settings, database=database, keyring=keyring)
    idp = create_demo_idp(f"{base_url}{IDP_MOUNT}", demo_tenants(base_url, client_secrets))
    return DispatcherMiddleware(hub, {IDP_MOUNT: idp}), tokens, seeded


def run_demo(*, port: int) -> None:
    """`hub demo`: the hub and the demo identity provider in one loopback process."""
    application, tokens, seeded = build_demo(port)
    base_url = f"http://127.0.0.1:{port}"
    click.echo(f"\nSafeguarding hub demo {'(fresh demo data) ' if seeded else ''}at {base_url}/\n")
    click.echo(f"Sign in at {base_url}/sign-in: choose an agency, then one of its fictional people.")
    click.echo(f"The demo identity providers (one issuer per agency) are under {base_url}{IDP_MOUNT}/\n")
    click.echo("Personas (sign-in provider, and an API bearer token valid for 1 day):")
    titles = {p.agency: p.title for p in PROVIDERS}
    for p, secret in tokens:
        click.echo(f"  {p.name:<22} {p.agency:<8} {','.join(p.roles):<13} {p.description}")
        click.echo(f"      sign in with: {titles[p.agency]}")
        click.echo(f"      curl -H 'Authorization: Bearer {secret}' {base_url}/api/v1/cases")
    click.echo("\nPress Ctrl+C to stop.\n")
    serve_on_loopback(application, "127.0.0.1", port)
