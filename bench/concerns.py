"""The concerns package's benchmarks: recording a daily observation under load (validation, the
thresholds against the previous days, encryption, audit; `POST /api/v1/cases/{id}/observations`,
measured with the other HTTP figures against the bare Flask baseline); and, on PostgreSQL, the
missing-observation sweep over 100,000 cases with daily observation agreed, of which 5,000 have
gone three days without one.

The plans are inserted by one INSERT ... SELECT over generate_series (100 agencies x 1,000 cases:
one plan per agency and case, as the unique index allows). Each timed sweep runs in a transaction
that is rolled back, so every run finds the same plans due; the time covers every statement (the
plans' clocks cleared, the alerts, their audit rows, the named leads' e-mails), not the commit.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from bench import seed
from bench.load import BenchError
from concerns.services.alerts import raise_missing
from concerns.services.observations import set_daily_observation
from hub import migrate
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.agencies.services import add_agency, add_user
from hub.config import Policy
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow

PLANS = 100_000
DUE = 5_000
AGENCIES = 100
CASES = PLANS // AGENCIES
RUNS = 3
AS_OF = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)

# Scores that cross no default threshold, so that the figure is the everyday path.
OBSERVATION = {"scores": {"mood": 1, "sleep": 1, "appetite": 0, "self_care": 1, "engagement": 1,
                          "agitation": 0, "self_harm_thoughts": 0, "substance_use": 0,
                          "missed_medication": 0},
               "note": "Settled; went to the day centre and ate well"}


def observation_body() -> str:
    return json.dumps(OBSERVATION)


def seed_observation_plans(url: str, case_ids: list[uuid.UUID],
                           email: str = "practitioner@bench.example") -> None:
    """Daily observation agreed for each case by the bench practitioner's agency (the service)."""
    database = Database(url)
    now = utcnow()
    with database.transaction() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = Actor(user, "hub:bench")
        for case_id in case_ids:
            set_daily_observation(session, actor, case_id, agreed=True, policy=Policy(), now=now)
    database.engine.dispose()


_INSERT_PLANS = text("""
    INSERT INTO observation_plans (id, case_id, agency_id, agreed_at, agreed_by_id, ended_at,
                                   ended_by_id, last_observed_at, missing_due)
    SELECT gen_random_uuid(), (CAST(:case_ids AS uuid[]))[1 + g % :cases],
           (CAST(:agency_ids AS integer[]))[1 + g / :cases], :agreed, :user_id, NULL, NULL,
           CASE WHEN g < :due THEN CAST(:stale AS timestamptz) ELSE CAST(:fresh AS timestamptz) END,
           CASE WHEN g < :due THEN CAST(:stale AS timestamptz) + interval '3 days'
                ELSE CAST(:fresh AS timestamptz) + interval '3 days' END
    FROM generate_series(0, :plans - 1) AS g
""")


def _seed(url: str, keyring: Keyring) -> float:
    started = time.perf_counter()
    data = seed.seed_hub(url, keyring, cases=CASES, through_services=0)
    database = Database(url)
    with database.transaction() as session:
        user_id = session.scalars(select(User.id).where(User.email == "practitioner@bench.example")).one()
        agency_ids = []
        for n in range(AGENCIES):
            agency = add_agency(session, Actor.system(), code=f"OBS-{n:03d}", name=f"Ward {n}",
                                kind="nhs_mental_health", now=AS_OF - timedelta(days=90))
            add_user(session, Actor.system(), agency_code=agency.code, email=f"lead{n}@obs.bench.example",
                     name=f"Named lead {n}", roles=["lead"], now=AS_OF - timedelta(days=90))
            agency_ids.append(agency.id)
        session.execute(_INSERT_PLANS, {
            "case_ids": [str(i) for i in data.case_ids], "cases": len(data.case_ids),
            "agency_ids": agency_ids, "agreed": AS_OF - timedelta(days=30), "user_id": user_id,
            "due": DUE, "plans": PLANS, "stale": AS_OF - timedelta(days=3, hours=1),
            "fresh": AS_OF - timedelta(hours=20)})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    database.engine.dispose()
    return time.perf_counter() - started


def bench_missing_sweep(url: str, keyring: Keyring) -> dict[str, Any]:
    """Seed, then sweep three times (each rolled back); the median, and the sweep's plan."""
    migrate.upgrade(url)
    seeded = _seed(url, keyring)
    database = Database(url)
    runs = []
    for _ in range(RUNS):
        session = database.session()
        try:
            started = time.perf_counter()
            raised = raise_missing(session, policy=Policy(), now=AS_OF)
            runs.append(time.perf_counter() - started)
        finally:
            session.rollback()
            session.close()
        if raised != DUE:
            raise BenchError(f"the sweep raised {raised:,} alerts, not the {DUE:,} due")
    with database.engine.connect() as connection:
        plan = [row[0] for row in connection.execute(text(
            "EXPLAIN SELECT id FROM observation_plans WHERE missing_due <= :now AND ended_at IS NULL"),
            {"now": AS_OF})]
        agencies = connection.execute(select(Agency.id).where(Agency.code.like("OBS-%"))).all()
    database.engine.dispose()
    return {"plans": PLANS, "due": DUE, "agencies": len(agencies), "seed_seconds": round(seeded, 1),
            "runs_ms": [round(r * 1000) for r in runs], "median_ms": round(statistics.median(runs) * 1000),
            "plan": plan, "uses_index": any("ix_observation_plans_missing_due" in line for line in plan)}
