"""Seeding the benchmark databases: cases through the real services, bulk rows for the CLI figures."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert

from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import User
from hub.audit.chain import seal_pending
from hub.audit.models import AuditEvent
from hub.cases import services as case_services
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope, wrap_key
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.db import Database, utcnow

LEAD_AGENCY = "BENCH-POL"
PARTNER_AGENCY = "BENCH-NHS"
KINDS = (CaseKind.ADULT, CaseKind.CHILD, CaseKind.MAPPA, CaseKind.MARAC)


@dataclass
class HubData:
    case_ids: list[uuid.UUID]
    token: str
    first_subject_name: str
    seconds: float


def subject_name(n: int) -> str:
    return f"Bench Person {n:05d}"


def seed_hub(url: str, keyring: Keyring, *, cases: int, batch: int = 1000) -> HubData:
    """Migrate, then create two agencies, a practitioner, a token and ``cases`` cases via services.

    Every case goes through ``create_case`` (reference counter, envelope encryption, membership,
    audit row), committed in transactions of ``batch`` cases.
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
        _token, secret = agency_services.create_token(session, system, user=user, days=7, now=now)
        user_id = user.id
    ids: list[uuid.UUID] = []
    policy = Policy()
    for start in range(0, cases, batch):
        with database.transaction() as session:
            creator = session.get(User, user_id)
            assert creator is not None
            actor = Actor(creator, "hub:bench")
            for n in range(start, min(start + batch, cases)):
                case = case_services.create_case(
                    session, actor, kind=KINDS[n % len(KINDS)],
                    subject=case_services.Subject(subject_name(n), date(1960, 1, 1) + timedelta(days=n)),
                    agency_codes=[PARTNER_AGENCY], envelope=envelope, policy=policy, now=now,
                )
                ids.append(case.id)
    database.engine.dispose()
    return HubData(ids, secret, subject_name(0), time.perf_counter() - started)


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
