"""Seeding the benchmark databases: cases through the real services, bulk rows for the CLI figures."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consent.models import AdmissionGround
from consent.rules import Art6Basis, Purpose
from consent.services.agreements import AgreementIn, record_agreement
from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, User
from hub.audit.chain import seal_pending
from hub.audit.models import AuditEvent
from hub.audit.services import record
from hub.cases import rules
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind, CaseMembership, CaseReferenceCounter
from hub.config import Policy
from hub.crypto.blind_index import identity_index
from hub.crypto.envelope import Envelope, wrap_key
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.db import Database, utcnow
from hub.sessions.services import start_session

LEAD_AGENCY = "BENCH-POL"
PARTNER_AGENCY = "BENCH-NHS"
KINDS = (CaseKind.ADULT, CaseKind.CHILD, CaseKind.MAPPA, CaseKind.MARAC)


@dataclass
class HubData:
    case_ids: list[uuid.UUID]
    token: str
    session_cookie: str
    first_subject_name: str
    last_subject_name: str
    seconds: float
    through_services: int
    service_seconds: float


def subject_name(n: int) -> str:
    return f"Bench Person {n:05d}"


def seed_hub(url: str, keyring: Keyring, *, cases: int, through_services: int = 1000,
             batch: int = 1000) -> HubData:
    """Migrate, then create two agencies with an information-sharing agreement between them (the
    ground on which the partner joins every case), a practitioner, a token and ``cases`` cases.

    The first ``through_services`` cases go through ``create_case`` itself (reference counter,
    envelope encryption, membership, audit row), which also times that path; the rest are built
    the same way but flushed a batch at a time (one round trip per table, not eight per case), so
    that PostgreSQL seeding stays short. Reading every case back is what the load run checks.
    """
    started = time.perf_counter()
    migrate.upgrade(url)
    database = Database(url)
    envelope = Envelope(keyring)
    system = Actor.system()
    now = utcnow()
    with database.transaction() as session:
        agency_services.add_agency(session, system, code=LEAD_AGENCY, name="Bench Police",
                                   kind="police", now=now)
        agency_services.add_agency(session, system, code=PARTNER_AGENCY, name="Bench NHS Trust",
                                   kind="nhs_mental_health", now=now)
        user = agency_services.add_user(session, system, agency_code=LEAD_AGENCY,
                                        email="practitioner@bench.example", name="Bench Practitioner",
                                        roles=["practitioner"], now=now)
        # Membership is sharing: the partner joins each case on this agreement, recorded as an
        # administrator records one.
        admin = agency_services.add_user(session, system, agency_code=LEAD_AGENCY,
                                         email="admin@bench.example", name="Bench Administrator",
                                         roles=["admin"], now=now)
        agreement = record_agreement(session, Actor(admin, "hub:bench"), AgreementIn(
            title="Bench safeguarding agreement", parties=(LEAD_AGENCY, PARTNER_AGENCY),
            purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK, Purpose.SAFEGUARD_CHILD, Purpose.MARAC),
            case_kinds=KINDS, art6_basis=Art6Basis.PUBLIC_TASK,
            review_date=now.date() + timedelta(days=365), dpia_ref="BENCH-DPIA-1",
        ), policy=Policy(), now=now).row.id
        _token, secret = agency_services.create_token(session, system, user=user, days=7, now=now)
        _session, cookie = start_session(session, user, issuer="https://idp.bench.example",
                                         provider="bench", subject="bench-practitioner", sid=None,
                                         auth_time=now, policy=Policy(), now=now)
        user_id = user.id
    ids: list[uuid.UUID] = []
    policy = Policy()
    service_started = time.perf_counter()
    for start in range(0, min(cases, through_services), batch):
        with database.transaction() as session:
            creator = session.get(User, user_id)
            assert creator is not None
            actor = Actor(creator, "hub:bench")
            for n in range(start, min(start + batch, cases, through_services)):
                case = case_services.create_case(
                    session, actor, kind=KINDS[n % len(KINDS)],
                    subject=case_services.Subject(subject_name(n), _dob(n)),
                    agency_codes=[PARTNER_AGENCY], envelope=envelope, policy=policy, now=now,
                )
                ids.append(case.id)
    service_seconds = time.perf_counter() - service_started
    for start in range(through_services, cases, batch):
        with database.transaction() as session:
            creator = session.get(User, user_id)
            assert creator is not None
            ids += _bulk_cases(session, Actor(creator, "hub:bench"), envelope,
                               range(start, min(start + batch, cases)), now, agreement)
    if database.engine.dialect.name == "postgresql":
        # A deployment's tables have planner statistics (autovacuum gathers them within a minute
        # or so of a bulk load); without them the case list is planned for empty tables.
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    database.engine.dispose()
    return HubData(ids, secret, cookie, subject_name(0), subject_name(cases - 1),
                   time.perf_counter() - started, min(cases, through_services), service_seconds)


def _dob(n: int) -> date:
    return date(1960, 1, 1) + timedelta(days=n)


def _bulk_cases(session: Session, actor: Actor, envelope: Envelope, numbers: range,
                now: datetime, agreement_id: uuid.UUID) -> list[uuid.UUID]:
    """What ``create_case`` writes (case, data key, two memberships, the partner's admission
    ground, audit row), flushed as a batch."""
    assert actor.user is not None
    partner = session.scalars(select(Agency).where(Agency.code == PARTNER_AGENCY)).one()
    counters = {c.kind: c for c in session.scalars(
        select(CaseReferenceCounter).where(CaseReferenceCounter.year == now.year).with_for_update())}
    ids = []
    admitted: list[CaseMembership] = []
    grounds = {PARTNER_AGENCY: {"ground": "agreement", "agreement": str(agreement_id)}}
    for n in numbers:
        kind = KINDS[n % len(KINDS)]
        counter = counters.get(kind)
        if counter is None:
            counter = counters[kind] = CaseReferenceCounter(kind=kind, year=now.year, last_number=0)
            session.add(counter)
        counter.last_number += 1
        dob = _dob(n).isoformat()
        case = Case(id=uuid.uuid4(), ref=rules.case_reference(kind, now.year, counter.last_number),
                    kind=kind, lead_agency_id=actor.user.agency_id, subject_version=1,
                    subject_index=identity_index(envelope.keyring.blind_index_key, subject_name(n), dob),
                    flags=[], created_at=now, created_by_id=actor.user.id)
        plaintext = json.dumps({"name": subject_name(n), "date_of_birth": dob}).encode()
        case.subject_ciphertext = envelope.encrypt(
            session, plaintext, case_services._subject_binding(case), case_uuid=case.id, now=now)
        session.add(case)
        for agency_id in (actor.user.agency_id, partner.id):
            membership = CaseMembership(case_id=case.id, agency_id=agency_id,
                                        is_lead=agency_id == actor.user.agency_id, added_at=now,
                                        added_by_id=actor.user.id)
            session.add(membership)
            if agency_id == partner.id:
                admitted.append(membership)
        record(session, actor, "case.create", now=now, object_type="case", object_id=case.id,
               case_id=case.id, details={"kind": str(kind), "ref": case.ref, "flags": [],
                                         "agencies": [LEAD_AGENCY, PARTNER_AGENCY],
                                         "grounds": grounds})
        ids.append(case.id)
    session.flush()
    # The memberships have their ids now: each partner's admission is linked to the agreement.
    session.add_all(AdmissionGround(membership_id=m.id, case_id=m.case_id, agreement_id=agreement_id)
                    for m in admitted)
    session.flush()
    return ids


def seed_audit_events(url: str, *, events: int, batch: int = 20000) -> tuple[float, float]:
    """Bulk-insert ``events`` audit events, then seal them with the chain's own sealing step.

    Returns (insert seconds, seal seconds).
    """
    database = Database(url)
    user_id, case_id = uuid.uuid4(), uuid.uuid4()
    now = utcnow()
    started = time.perf_counter()
    for start in range(0, events, batch):
        rows = [
            {"occurred_at": now, "request_id": f"bench{n:011d}", "user_id": user_id,
             "agency_code": LEAD_AGENCY, "issuer": "hub:api-token", "action": "case.read",
             "object_type": "case", "object_id": str(case_id), "case_id": case_id,
             "outcome": "success", "reason": None, "details": {"n": n}}
            for n in range(start, min(start + batch, events))
        ]
        with database.transaction() as session:
            session.execute(insert(AuditEvent), rows)
    inserted = time.perf_counter()
    with database.transaction() as session:
        sealed = seal_pending(session, now=utcnow())
    if sealed != events:
        raise RuntimeError(f"sealed {sealed} audit events, expected {events}")
    sealed_at = time.perf_counter()
    database.engine.dispose()
    return inserted - started, sealed_at - inserted


def seed_data_keys(url: str, keyring: Keyring, *, keys: int, batch: int = 20000) -> float:
    """Bulk-insert ``keys`` data keys, each a real AES-256 key wrapped by the active KEK."""
    database = Database(url)
    now = utcnow()
    kek, kek_id = keyring.active_kek, keyring.active_kek_id
    started = time.perf_counter()
    for start in range(0, keys, batch):
        rows = []
        for _n in range(start, min(start + batch, keys)):
            key_id = uuid.uuid4()
            wrapped = wrap_key(kek, AESGCM.generate_key(bit_length=256), key_id, None)
            rows.append({"id": key_id, "case_id": None, "kek_id": kek_id, "wrapped_key": wrapped,
                         "created_at": now})
        with database.transaction() as session:
            session.execute(insert(DataKey), rows)
    database.engine.dispose()
    return time.perf_counter() - started


def migrated(url: str) -> str:
    migrate.upgrade(url)
    return url


def random_secret() -> str:
    return os.urandom(32).hex()
