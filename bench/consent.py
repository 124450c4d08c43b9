"""The consent package's benchmarks: the body of a disclosure decision recorded under load, and
the disclosure report over a period of bulk-seeded decisions."""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from consent.models import DisclosureDecision
from consent.rules import Art6Basis, ConsentStatus, Outcome, Purpose
from consent.services.reports import disclosure_report
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import User
from hub.cases import services as case_services
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow


def decision_body() -> str:
    """A decision to share without consent to protect an adult at risk that passes every rule,
    with the five free-text fields of the issue's target (rationale, necessity, proportionality,
    public-interest rationale, subject's views) filled as a practitioner would."""
    return json.dumps({
        "subject_category": "adult_at_risk", "direction": "proactive",
        "purpose": "safeguard_adult_at_risk", "regime": "uk_gdpr", "art6_basis": "public_task",
        "special_category": True, "art9_condition": "9_2_g", "sch1_condition": "para_18",
        "confidential": True, "consent_status": "not_sought",
        "no_consent_reason": "would_prejudice_protection",
        "public_interest_rationale": "The risk of serious harm to the person outweighs the duty of "
                                     "confidence; sharing is limited to what the partner needs.",
        "subject_informed": False, "not_informed_reason": "Telling them now would increase the risk",
        "necessity": "The partner cannot plan the visit safely without the recent incidents.",
        "proportionality": "Only the last three months' incidents; not sharing leaves the risk unmanaged.",
        "subject_views": "Has said before that they want the police kept informed.",
        "outcome": "share_partial_minimised",
        "rationale": "Shared to protect an adult at risk of serious harm, minimised to the incidents.",
        "recipients": ["BENCH-NHS"], "items_shared": ["Incident summary, last three months"],
    }, separators=(",", ":"))


_OUTCOMES = [o for o in Outcome]
_PURPOSES = [p for p in Purpose]
_BASES = [b for b in Art6Basis if b != Art6Basis.LEGITIMATE_INTERESTS]
_STATUSES = [s for s in ConsentStatus]


def seed_decisions(url: str, keyring: Keyring, *, decisions: int, batch: int = 10_000,
                   days: int = 730) -> tuple[float, date, date]:
    """``decisions`` decision rows over ``days`` days, across two agencies and 100 cases, flushed
    in batches. What the report reads is real (outcome, basis, purpose, agency, consent, time);
    the encrypted text is random bytes of a realistic length, since the report never opens it."""
    started = time.perf_counter()
    database = Database(url)
    envelope = Envelope(keyring)
    now = utcnow()
    rng = random.Random(9)
    with database.transaction() as session:
        agencies = [agency_services.add_agency(session, Actor.system(), code=code, name=name, kind=kind,
                                               now=now)
                    for code, name, kind in (("RPT-POL", "Report Police", "police"),
                                             ("RPT-NHS", "Report NHS Trust", "nhs_mental_health"))]
        user = agency_services.add_user(session, Actor.system(), agency_code="RPT-POL",
                                        email="reporter@bench.example", name="Bench Reporter",
                                        roles=["practitioner", "auditor"], now=now)
        user_id, agency_ids = user.id, [a.id for a in agencies]
        case_ids = [case_services.create_case(
            session, Actor(user, "hub:bench"), kind=CaseKind.ADULT,
            subject=case_services.Subject(f"Report Person {n:03d}", date(1970, 1, 1) + timedelta(days=n)),
            agency_codes=[], envelope=envelope, policy=Policy(), now=now).id for n in range(100)]
    table = DisclosureDecision.__table__
    text = os.urandom(600)
    for start in range(0, decisions, batch):
        rows: list[dict[str, Any]] = []
        for _ in range(start, min(start + batch, decisions)):
            decided = now - timedelta(minutes=rng.randrange(days * 24 * 60))
            status = rng.choice(_STATUSES)
            outcome = rng.choice(_OUTCOMES)
            rows.append({
                "id": uuid.uuid4(), "case_id": rng.choice(case_ids), "agency_id": rng.choice(agency_ids),
                "decided_by_id": user_id, "subject_category": "adult_at_risk", "direction": "proactive",
                "purpose": rng.choice(_PURPOSES), "regime": "uk_gdpr", "art6_basis": rng.choice(_BASES),
                "special_category": True, "confidential": True, "consent_status": status,
                "subject_informed": True, "outcome": outcome, "recipients": ["RPT-NHS"],
                "advice_sought": [], "quality_checks": [],
                "needs_review": outcome != Outcome.DO_NOT_SHARE and status != ConsentStatus.OBTAINED,
                "decided_at": decided, "recorded_at": decided, "texts_ciphertext": text,
                "texts_version": 1,
            })
        with database.transaction() as session:
            session.execute(insert(table), rows)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    database.engine.dispose()
    today = now.date()
    return time.perf_counter() - started, today - timedelta(days=365), today


def time_report(url: str, start: date, end: date, *, runs: int = 5) -> dict[str, Any]:
    """The report over a year of the seeded decisions, through the service the endpoint calls,
    in one transaction each (its audit row included): every run's milliseconds and the median."""
    database = Database(url)
    timings = []
    total = 0
    for _ in range(runs):
        with database.transaction() as session:
            user = session.scalars(select(User).where(User.email == "reporter@bench.example")).one()
            began = time.perf_counter()
            report = disclosure_report(session, Actor(user, "hub:bench"), start=start, end=end,
                                       policy=Policy(), now=utcnow())
            timings.append((time.perf_counter() - began) * 1000)
            total = report.total
    database.engine.dispose()
    return {"runs_ms": [round(t, 1) for t in timings], "median_ms": round(statistics.median(timings), 1),
            "decisions_in_period": total}
