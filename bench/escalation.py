"""The escalation sweep's benchmark (PostgreSQL): 100,000 actions of which 10,000 are due, then
1,000,000 with the same 10,000 due. The sweep's cost must follow what is due, not the table.

The actions are inserted by one INSERT ... SELECT over generate_series each (a title blob that is
never decrypted: the sweep reads statuses and dates only). Each timed sweep runs in a transaction
that is rolled back, so every run finds the same 10,000 actions due; the time covers every
statement the sweep sends (the challenges, their first events, the e-mails and the audit rows),
not the commit.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from bench import seed
from bench.load import BenchError
from hub import migrate
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.agencies.services import add_user
from hub.config import Policy
from hub.crypto.keyring import Keyring
from hub.db import Database
from sharing.services.challenges import escalate

DUE = 10_000
SMALL, LARGE = 100_000, 1_000_000
CASES = 1_000
RUNS = 3
# A Monday without bank holidays near it, at noon in London: actions due a fortnight before it
# are well past the grace; the others fall due over the year after it.
AS_OF = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
OVERDUE = date(2027, 2, 22)

_INSERT_ACTIONS = text("""
    INSERT INTO actions (id, case_id, agency_id, assignee_id, status, due, created_by_id, created_at,
                         updated_at, title_ciphertext)
    SELECT gen_random_uuid(), (CAST(:case_ids AS uuid[]))[1 + g % :cases], :agency_id, NULL, 'open',
           CASE WHEN g < :due THEN CAST(:overdue AS date)
                ELSE CAST(:overdue AS date) + 30 + g % 365 END,
           :user_id, :now, :now, '\\x01'::bytea
    FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
""")


def _add_actions(database: Database, ids: dict[str, Any], first: int, last: int) -> float:
    started = time.perf_counter()
    with database.transaction() as session:
        session.execute(_INSERT_ACTIONS, {**ids, "first": first, "last": last, "due": DUE,
                                          "overdue": OVERDUE, "now": AS_OF - timedelta(days=30)})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _time_sweeps(database: Database) -> list[float]:
    runs = []
    for _ in range(RUNS):
        session = database.session()
        try:
            started = time.perf_counter()
            done = escalate(session, as_of=AS_OF, policy=Policy())
            runs.append(time.perf_counter() - started)
        finally:
            session.rollback()
            session.close()
        if done != DUE:
            raise BenchError(f"the sweep opened {done:,} challenges, not the {DUE:,} due")
    return runs


def bench_escalation(url: str, keyring: Keyring, *, small_size: int = SMALL,
                     large_size: int = LARGE) -> dict[str, Any]:
    """Seed, sweep three times at each size; the medians and their ratio."""
    migrate.upgrade(url)
    data = seed.seed_hub(url, keyring, cases=CASES, through_services=0)
    database = Database(url)
    with database.transaction() as session:
        partner = session.scalars(select(Agency.id).where(Agency.code == seed.PARTNER_AGENCY)).one()
        setter = session.scalars(select(User.id).where(User.email == "practitioner@bench.example")).one()
        # The challenged agency's practitioner: stage 1 e-mails one person in each agency.
        add_user(session, Actor.system(), agency_code=seed.PARTNER_AGENCY, email="nurse@bench.example",
                 name="Bench Nurse", roles=["practitioner"], now=AS_OF - timedelta(days=60))
    ids = {"case_ids": [str(i) for i in data.case_ids], "cases": len(data.case_ids),
           "agency_id": partner, "user_id": setter}
    out: dict[str, Any] = {"due": DUE}
    seeded = _add_actions(database, ids, 0, small_size - 1)
    small = _time_sweeps(database)
    seeded += _add_actions(database, ids, small_size, large_size - 1)
    large = _time_sweeps(database)
    database.engine.dispose()
    out.update({
        "seed_seconds": round(seeded, 1),
        "small": {"actions": small_size, "runs_ms": [round(s * 1000) for s in small],
                  "median_ms": round(statistics.median(small) * 1000)},
        "large": {"actions": large_size, "runs_ms": [round(s * 1000) for s in large],
                  "median_ms": round(statistics.median(large) * 1000)},
    })
    out["large_to_small"] = round(statistics.median(large) / statistics.median(small), 2)
    return out
