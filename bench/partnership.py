"""The partnership report over two years of one area's synthetic activity, timed for one year.

The volumes are one English area's year scaled from the national figures of DOMAIN.md, doubled
for margin and spread over two years so that the report must pick its year out of them: the
Safeguarding Adults Collection's ~650,000 concerns and the ~600,000 referrals to children's
social care a year, over ~150 areas (16,000 concerns a year here); MARAC's 119,985 cases a year
over the same areas, 31% repeats (1,600); strategy meetings for s42 enquiries and child strategy
discussions (5,000); cross-agency actions (40,000, each with its history) and challenges (2,000);
alerts (10,000); supervision sessions (6,000); reviews (400) with their actions (2,000); and the
disclosure decisions of bench/consent.py's report bench. Rows are bulk-inserted with what the
report reads real (agency, time, status, due day) and the encrypted text random bytes, since the
report never opens them. The report is timed through the service the endpoint calls, in one
transaction each (its audit row included): each run's milliseconds and the median."""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench import consent as consent_bench
from concerns.models import Alert, Concern, SupervisionSession
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.cases.models import Case, RepeatReferralLink
from hub.config import Policy
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from learning.models import Review, ReviewAction, ReviewActionChange
from learning.services.report import partnership_report
from meetings.models import MaracReferral, Meeting
from sharing.models import Action, ActionChange, Challenge

YEARS = 2
PER_YEAR = {"concerns": 16_000, "meetings": 5_000, "marac": 1_600, "actions": 40_000, "challenges": 2_000,
            "alerts": 10_000, "sessions": 6_000, "reviews": 400, "review_actions": 2_000}
DECISIONS = 40_000
RUNS = 5
BATCH = 10_000
CATEGORIES = (["physical"], ["neglect_omission"], ["self_neglect"], ["financial_material"],
              ["psychological", "domestic"], ["emotional"], ["neglect"], ["sexual"])


def _moment(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(minutes=rng.randrange(YEARS * 365 * 24 * 60))


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for first in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[first:first + BATCH])


def seed(url: str, keyring: Keyring) -> tuple[float, date, date]:
    """Every package's rows over two years, on top of the disclosure decisions' agencies, person
    and cases (bench/consent.py), and ANALYZE after."""
    started = time.perf_counter()
    consent_bench.seed_decisions(url, keyring, decisions=DECISIONS, days=365 * YEARS)
    database = Database(url)
    rng = random.Random(13)
    now = utcnow()
    blob = os.urandom(300)
    with database.transaction() as session:
        agencies = list(session.scalars(select(Agency.id)))
        user_id = session.scalars(select(User.id).where(User.email == "reporter@bench.example")).one()
        cases = list(session.scalars(select(Case.id)))

        def agency() -> int:
            return rng.choice(agencies)

        concerns = []
        for _ in range(PER_YEAR["concerns"] * YEARS):
            raised = _moment(rng, now)
            due = raised + timedelta(days=1)
            triaged = raised + timedelta(hours=rng.choice((2, 6, 20, 30, 50)))
            concerns.append({
                "id": uuid.uuid4(), "agency_id": agency(), "raised_by_id": user_id, "raised_at": raised,
                "child": False, "categories": rng.choice(CATEGORIES), "immediate_risk": False,
                "person_aware": True, "consent_status": "obtained", "texts_ciphertext": blob,
                "status": "triaged", "triage_due": due, "triaged_at": triaged, "outcome": "advice_given"})
        _insert(session, Concern, concerns)
        meetings = []
        for _ in range(PER_YEAR["meetings"] * YEARS):
            start = _moment(rng, now)
            meetings.append({"id": uuid.uuid4(), "uid": f"{uuid.uuid4()}@bench", "kind": "strategy",
                             "status": "scheduled", "organiser_agency_id": agency(), "organiser_id": user_id,
                             "starts_at": start, "ends_at": start + timedelta(hours=1), "location": "Room",
                             "target_date": (start + timedelta(days=rng.choice((-3, 2, 5)))).date(),
                             "created_at": start, "updated_at": start, "sequence": 0, "texts_version": 1,
                             "texts_ciphertext": blob})
        _insert(session, Meeting, meetings)
        referred = rng.sample(cases, min(len(cases), PER_YEAR["marac"] * YEARS))
        _insert(session, MaracReferral, [
            {"case_id": case_id, "referring_agency_id": agency(), "referred_by": user_id,
             "referred_at": _moment(rng, now), "criteria": ["visible_high_risk"], "incidents_12_months": 1,
             "children": False, "details_ciphertext": blob} for case_id in referred])
        _insert(session, RepeatReferralLink, [
            {"case_id": case_id, "earlier_case_id": cases[0], "found_at": now}
            for case_id in referred[1:] if rng.random() < 0.31])
        actions, changes = [], []
        for _ in range(PER_YEAR["actions"] * YEARS):
            created = _moment(rng, now)
            due = (created + timedelta(days=14)).date()
            done = rng.random() < 0.7
            action_id = uuid.uuid4()
            actions.append({"id": action_id, "case_id": rng.choice(cases), "agency_id": agency(),
                            "status": "done" if done else "open", "due": due, "created_by_id": user_id,
                            "created_at": created, "updated_at": created, "title_ciphertext": blob})
            changes.append({"id": uuid.uuid4(), "action_id": action_id, "status": "open",
                            "changed_at": created, "texts_ciphertext": blob})
            if done:
                changes.append({"id": uuid.uuid4(), "action_id": action_id, "status": "done",
                                "changed_at": created + timedelta(days=rng.choice((3, 10, 20))),
                                "texts_ciphertext": blob})
        _insert(session, Action, actions)
        _insert(session, ActionChange, changes)
        _insert(session, Challenge, [
            {"id": uuid.uuid4(), "case_id": action["case_id"], "action_id": action["id"],
             "raised_by_agency_id": agency(), "against_agency_id": action["agency_id"],
             "stage": rng.choice((1, 1, 2, 3, 4)), "status": "open", "deadline": action["due"],
             "opened_at": action["created_at"], "texts_ciphertext": blob, "automatic": True,
             "immediate_risk": False}
            for action in rng.sample(actions, PER_YEAR["challenges"] * YEARS)])
        alerts = []
        for _ in range(PER_YEAR["alerts"] * YEARS):
            raised = _moment(rng, now)
            alerts.append({"id": uuid.uuid4(), "case_id": rng.choice(cases), "agency_id": agency(),
                           "threshold": "any_indicator_at_3", "raised_at": raised,
                           "escalate_at": raised + timedelta(hours=4), "status": "acknowledged",
                           "acknowledged_at": raised + timedelta(hours=rng.choice((1, 3, 6)))})
        _insert(session, Alert, alerts)
        _insert(session, SupervisionSession, [
            {"id": uuid.uuid4(), "agency_id": agency(), "supervisor_id": user_id, "supervisee_id": user_id,
             "held_on": _moment(rng, now).date(), "recorded_at": now}
            for _ in range(PER_YEAR["sessions"] * YEARS)])
        reviews = [{"id": uuid.uuid4(), "kind": rng.choice(("incident", "near_miss", "near_miss", "sar")),
                    "status": "open", "agency_id": agency(), "raised_by_id": user_id,
                    "raised_at": _moment(rng, now), "occurred_on": now.date(), "texts_ciphertext": blob,
                    "factors": [], "tags": [], "reminded": []} for _ in range(PER_YEAR["reviews"] * YEARS)]
        _insert(session, Review, reviews)
        review_actions, review_changes = [], []
        for _ in range(PER_YEAR["review_actions"] * YEARS):
            created = _moment(rng, now)
            action_id = uuid.uuid4()
            review_actions.append({
                "id": action_id, "review_id": rng.choice(reviews)["id"], "agency_id": agency(),
                "owner_role": "manager", "due": (created + timedelta(days=30)).date(), "status": "done",
                "created_by_id": user_id, "created_at": created, "updated_at": created, "escalation": 0,
                "title_ciphertext": blob})
            review_changes.append({"id": uuid.uuid4(), "action_id": action_id, "status": "done",
                                   "changed_at": created + timedelta(days=rng.choice((10, 40))),
                                   "texts_ciphertext": blob})
        _insert(session, ReviewAction, review_actions)
        _insert(session, ReviewActionChange, review_changes)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    database.engine.dispose()
    today = Policy().local_date(now)
    return time.perf_counter() - started, today - timedelta(days=364), today


def time_report(url: str, start: date, end: date, *, runs: int = RUNS) -> dict[str, Any]:
    database = Database(url)
    timings = []
    concerns = None
    for _ in range(runs):
        with database.transaction() as session:
            user = session.scalars(select(User).where(User.email == "reporter@bench.example")).one()
            began = time.perf_counter()
            report = partnership_report(session, Actor(user, "hub:bench"), start=start, end=end,
                                        policy=Policy(), now=utcnow())
            timings.append((time.perf_counter() - began) * 1000)
            concerns = report.measure("concerns_raised").shown.overall
    database.engine.dispose()
    return {"runs_ms": [round(t, 1) for t in timings], "median_ms": round(statistics.median(timings), 1),
            "concerns_in_period": concerns}
