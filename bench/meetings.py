"""The meetings package's benchmarks: a person's calendar feed of 500 meetings read through the
app (Flask's test client, the real database); building a 16-case MARAC agenda (the service); and,
on PostgreSQL, detecting a repeat MARAC referral among 1,000,000 (the indexed lookup that
create_case runs, with its query plan).

Each figure is the median of many calls after a warm-up; the audit rows the reads write are rolled
back (the agenda) or kept (the feed: each read is one more row, as in production).
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, text

from bench import seed
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.agencies.services import add_user
from hub.app import create_app
from hub.cases.models import Case, CaseKind
from hub.cases.services import _LAST_MARAC_REFERRAL
from hub.config import Policy, Settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from meetings.rules import MeetingIn, ReferralIn
from meetings.services import marac, meetings
from meetings.services.feeds import feed_url

FEED_MEETINGS = 500
AGENDA_CASES = 16
REFERRALS = 1_000_000
CALLS = 30
SECRET = "bench-secret-key-for-feeds"  # noqa: S105 - the bench's own app, on loopback only


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def _seed_meetings(database: Database, keyring: Keyring, case_ids: list[Any]) -> tuple[str, Any]:
    """500 strategy meetings convened by the bench practitioner; returns its feed's path."""
    envelope, now, policy = Envelope(keyring), utcnow(), Policy()
    mailing = meetings.Mailing("hub@bench.example", "http://bench.example")
    with database.transaction() as session:
        user = session.scalars(select(User).where(User.email == "practitioner@bench.example")).one()
        actor = Actor(user, "hub:bench")
        adult = [c for c in session.scalars(select(Case).where(Case.id.in_(case_ids),
                                                              Case.kind == CaseKind.ADULT))]
        for n in range(FEED_MEETINGS):
            start = now + timedelta(hours=12 * (n + 1))
            meetings.convene(session, actor, MeetingIn(
                kind="strategy", title=f"Bench meeting {n}", start=start, end=start + timedelta(hours=1),
                location="Room 1", case_ids=(adult[n % len(adult)].id,)), envelope=envelope, policy=policy,
                now=now, uid_domain="bench.example", mailing=mailing)
        url = feed_url(session, actor, secret=SECRET, base_url="http://bench.example", now=now)
    return urlsplit(url).path, user.id


def _time_feed(url: str, keyring: Keyring, path: str) -> dict[str, Any]:
    settings = Settings(database_url=url, secret_key=SECRET, keyring_path=None, base_url="http://bench.example",
                        policy=Policy())
    app = create_app(settings, keyring=keyring)
    client = app.test_client()
    for _ in range(3):
        warm = client.get(path)
        if warm.status_code != 200 or warm.data.count(b"BEGIN:VEVENT") != FEED_MEETINGS:
            raise RuntimeError(f"the feed answered {warm.status_code} with "
                               f"{warm.data.count(b'BEGIN:VEVENT')} events, not {FEED_MEETINGS}")
    samples = []
    for _ in range(CALLS):
        started = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - started)
    return {"meetings": FEED_MEETINGS, "median_ms": _median_ms(samples), "calls": CALLS}


def _seed_marac(database: Database, keyring: Keyring, case_ids: list[Any], policy: Policy) -> tuple[Any, Any]:
    """A MARAC convened by the coordinating agency's chair with 16 referred cases listed."""
    envelope, now = Envelope(keyring), utcnow()
    with database.transaction() as session:
        referrer = session.scalars(select(User).where(User.email == "practitioner@bench.example")).one()
        chair = add_user(session, Actor.system(), agency_code=seed.LEAD_AGENCY, email="chair@bench.example",
                         name="Bench Chair", roles=["lead"], now=now)
        maracs = list(session.scalars(select(Case).where(Case.id.in_(case_ids), Case.kind == CaseKind.MARAC)
                                      .order_by(Case.ref).limit(AGENDA_CASES)))
        if len(maracs) < AGENDA_CASES:
            raise RuntimeError(f"{len(maracs)} MARAC cases seeded, not {AGENDA_CASES}")
        start = now + timedelta(days=7)
        meeting = meetings.convene(session, Actor(chair, "hub:bench"), MeetingIn(
            kind="marac", title="Bench MARAC", start=start, end=start + timedelta(hours=3), location="Room 1",
            case_ids=(), capacity=AGENDA_CASES), envelope=envelope, policy=policy, now=now,
            uid_domain="bench.example", mailing=meetings.Mailing("hub@bench.example", "http://bench.example"))
        for n, case in enumerate(maracs):
            marac.record_referral(session, Actor(referrer, "hub:bench"), case.id, ReferralIn(
                dash_score=14 + n % 6, professional_judgement="", incidents_12_months=n % 4,
                children=n % 2 == 0, victim_aware=True), envelope=envelope, policy=policy, now=now)
            marac.list_case(session, Actor(chair, "hub:bench"), meeting.id, case.id, policy=policy, now=now)
        return meeting.id, chair.id


def _time_agenda(database: Database, keyring: Keyring, meeting_id: Any, chair_id: Any) -> dict[str, Any]:
    envelope = Envelope(keyring)
    samples = []
    for n in range(CALLS + 3):
        session = database.session()
        try:
            chair = session.get(User, chair_id)
            assert chair is not None
            started = time.perf_counter()
            found = marac.agenda(session, Actor(chair, "hub:bench"), meeting_id, envelope=envelope,
                                 today=utcnow().date(), now=utcnow())
            elapsed = time.perf_counter() - started
        finally:
            session.rollback()
            session.close()
        if sum(len(cases) for _title, cases in found.sections) != AGENDA_CASES:
            raise RuntimeError("the agenda does not hold the 16 cases listed")
        if n >= 3:
            samples.append(elapsed)
    return {"cases": AGENDA_CASES, "median_ms": _median_ms(samples), "calls": CALLS}


_INSERT_REFERRALS = text("""
    INSERT INTO cases (id, ref, kind, status, lead_agency_id, subject_ciphertext, subject_version,
                       subject_index, flags, created_at, created_by_id)
    SELECT gen_random_uuid(), 'MARAC-BENCH-' || g, 'marac', 'open', :agency_id, '\\x01'::bytea, 1,
           md5('bench-a' || g) || md5('bench-b' || g), '[]', :now - (g % 700) * interval '1 day', :user_id
    FROM generate_series(1, :rows) AS g
""")


def _time_repeat_detection(database: Database) -> dict[str, Any]:
    """1,000,000 MARAC referrals, then the lookup create_case makes for each new referral."""
    started = time.perf_counter()
    with database.transaction() as session:
        agency_id = session.scalars(select(Agency.id).where(Agency.code == seed.LEAD_AGENCY)).one()
        user_id = session.scalars(select(User.id).where(User.email == "practitioner@bench.example")).one()
        session.execute(_INSERT_REFERRALS, {"agency_id": agency_id, "user_id": user_id, "now": utcnow(),
                                            "rows": REFERRALS})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE cases")
    seeded = time.perf_counter() - started
    rng = random.Random(7)
    samples, found = [], 0
    with database.engine.connect() as connection:
        index = connection.execute(text("SELECT md5('bench-a1') || md5('bench-b1')")).scalar_one()
        lookup = _LAST_MARAC_REFERRAL.params(index=index).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        plan = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN ANALYZE {lookup}")]
        for n in range(300):
            g = rng.randrange(1, REFERRALS + 1)
            wanted = connection.execute(text("SELECT md5(:a) || md5(:b)"),
                                        {"a": f"bench-a{g}", "b": f"bench-b{g}"}).scalar_one()
            begun = time.perf_counter()
            row = connection.execute(_LAST_MARAC_REFERRAL, {"index": wanted}).first()
            elapsed = time.perf_counter() - begun
            found += row is not None
            if n >= 20:
                samples.append(elapsed)
    if found != 300:
        raise RuntimeError(f"the lookup found {found} of 300 referrals")
    return {"referrals": REFERRALS, "median_ms": _median_ms(samples), "calls": len(samples),
            "seed_seconds": round(seeded, 1), "plan": plan,
            "uses_index": any("Index" in line for line in plan)}


def bench_meetings(url: str, keyring: Keyring, *, repeat_detection: bool) -> dict[str, Any]:
    """Seed and time the three; repeat detection only where asked (PostgreSQL)."""
    data = seed.seed_hub(url, keyring, cases=80, through_services=80)
    database = Database(url)
    policy = replace(Policy(), marac_coordinator_agency=seed.LEAD_AGENCY)
    out: dict[str, Any] = {}
    path, _user = _seed_meetings(database, keyring, data.case_ids)
    out["calendar_feed"] = _time_feed(url, keyring, path)
    meeting_id, chair_id = _seed_marac(database, keyring, data.case_ids, policy)
    out["marac_agenda"] = _time_agenda(database, keyring, meeting_id, chair_id)
    if repeat_detection:
        out["repeat_detection"] = _time_repeat_detection(database)
    database.engine.dispose()
    return out
