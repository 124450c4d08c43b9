"""Concurrent requests and transactions: nothing lost, nothing refused, readers not queued.

SQLite serialises writers. A request asks for a read-first transaction (hub.db._sqlite_begin):
it reads and validates without the write lock and takes the lock, with a fresh snapshot, at its
first write or locking read. These tests hold that to what a user would notice: every
audited read answered and audited, no "database is locked", a row lock that still serialises.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from consent.models import DisclosureDecision
from consent.rules import Art6Basis, Purpose
from consent.services.agreements import AgreementIn, record_agreement
from hub import db as hub_db
from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind, CaseReferenceCounter
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import SQLITE_BUSY_SECONDS, Database, utcnow
from tests.conftest import Factory, app_for, settings_for
from tests.consent.api_support import decision_body
from tests.support.serve import hub_with_a_token


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'locks.db'}")
    with database.transaction() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    yield database
    database.engine.dispose()


class LockWaits:
    """hub.db's clock, seen from the test: `sleep` is called only when a BEGIN IMMEDIATE found the
    write lock taken and backs off, so `refused` is the event "it is waiting for the lock"."""

    monotonic = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self.refused = threading.Event()

    def sleep(self, seconds: float) -> None:
        self.refused.set()
        time.sleep(seconds)  # hub.db's own back-off, unchanged


@pytest.fixture
def lock_waits(monkeypatch: pytest.MonkeyPatch) -> LockWaits:
    waits = LockWaits()
    monkeypatch.setattr(hub_db, "time", waits)
    return waits


def _in_thread(target) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(target()), daemon=True)
    thread.start()
    return thread, out


def test_a_read_first_transaction_reads_while_another_holds_the_write_lock(sqlite_database):
    writer = sqlite_database.session()
    writer.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock, uncommitted
    try:
        reader = sqlite_database.session(read_first=True)
        thread, out = _in_thread(lambda: reader.execute(text("SELECT count(*) FROM t")).scalar())
        thread.join(timeout=10)
        assert out == [0], "the read waited for the writer (or saw its uncommitted row)"
        reader.rollback()
        reader.close()
    finally:
        writer.rollback()
        writer.close()


def test_an_ordinary_transaction_waits_for_the_write_lock_at_begin(sqlite_database, lock_waits):
    writer = sqlite_database.session()
    writer.execute(text("INSERT INTO t VALUES (1)"))
    other = sqlite_database.session()
    thread, out = _in_thread(lambda: other.execute(text("SELECT count(*) FROM t")).scalar())
    assert lock_waits.refused.wait(timeout=10), "BEGIN IMMEDIATE did not wait for the writer"
    assert out == []
    writer.commit()
    thread.join(timeout=10)
    assert out == [1]
    other.rollback()
    for s in (writer, other):
        s.close()


def test_the_first_write_of_a_read_first_transaction_waits_and_sees_newer_rows(sqlite_database, lock_waits):
    reader = sqlite_database.session(read_first=True)
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    writer = sqlite_database.session()
    writer.execute(text("INSERT INTO t VALUES (1)"))  # commits after the reader's snapshot began

    thread, out = _in_thread(lambda: reader.execute(text("INSERT INTO t VALUES (2)")).rowcount)
    assert lock_waits.refused.wait(timeout=10), "the write did not wait for the write lock"
    assert out == []
    writer.commit()
    thread.join(timeout=10)
    # A plain deferred transaction fails here with "database is locked" (stale snapshot).
    assert out == [1]
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2
    reader.commit()
    with sqlite_database.transaction() as s:
        assert s.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 2]
    for s in (writer, reader):
        s.close()


def test_a_locking_read_in_a_read_first_transaction_waits_for_the_writer(tmp_path, lock_waits):
    # with_for_update on the hub's own model, as create_case takes the reference counter.
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    database = Database(url)
    with database.transaction() as s:
        s.add(CaseReferenceCounter(kind="adult", year=2026, last_number=4))
    writer = database.session()
    writer.get(CaseReferenceCounter, ("adult", 2026)).last_number = 5
    writer.flush()  # holds the write lock with the counter at 5, uncommitted
    reader = database.session(read_first=True)

    def locked_read() -> int:
        return reader.get(CaseReferenceCounter, ("adult", 2026), with_for_update=True).last_number

    thread, out = _in_thread(locked_read)
    assert lock_waits.refused.wait(timeout=10), "a row-locking read did not wait for the writer"
    assert out == []
    writer.commit()
    thread.join(timeout=10)
    assert out == [5], "the locking read saw a value older than the committed one"
    reader.rollback()
    for s in (writer, reader):
        s.close()
    database.engine.dispose()


def test_a_request_that_writes_validates_without_the_write_lock_and_takes_it_to_write(
        tmp_path, lock_waits):
    """A disclosure decision is checked against ten rules before anything is written: while
    another worker holds the write lock, a decision the rules refuse is answered at once (422,
    nothing to write), and a valid one waits for the lock only to write, then is recorded."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    database, keyring = Database(url), Keyring.generate()
    with database.transaction() as s:
        make = Factory(s, Envelope(keyring))
        agency = make.agency()
        person = make.user(agency)
        case_id = make.case(person).id
        headers = make.headers(person)
    client = app_for(settings_for(url), database, keyring).test_client()
    path = f"/api/v1/cases/{case_id}/disclosures"
    valid = decision_body(recipients=[agency.code])
    holder = database.session()
    holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: another worker writing
    try:
        thread, out = _in_thread(lambda: client.post(path, headers=headers,
                                                     json={**valid, "rationale": ""}))
        thread.join(timeout=10)
        assert out, "a request the rules refuse waited for another worker's write lock"
        assert out[0].status_code == 422, out[0].json
        assert "rationale" in out[0].json["errors"]
        assert not lock_waits.refused.is_set()

        thread, out = _in_thread(lambda: client.post(path, headers=headers, json=valid))
        assert lock_waits.refused.wait(timeout=10), "the decision did not wait for the lock to write"
        assert out == []
    finally:
        holder.rollback()
        holder.close()
    thread.join(timeout=30)
    assert out, "the decision was never recorded"
    assert out[0].status_code == 201, out[0].json
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DisclosureDecision)) == 1
    database.engine.dispose()


@pytest.mark.parametrize("read_first", [False, True], ids=["at-begin", "at-first-write"])
def test_a_waiting_writer_takes_the_lock_within_milliseconds_of_its_release(sqlite_database,
                                                                           read_first):
    """SQLite's own busy handler sleeps up to 100 ms between tries once it has waited a while: a
    writer queued behind a 0.3 s transaction would go on sleeping long after the lock was free.
    hub.db polls for the write lock instead (backing off to 2 ms)."""
    latencies = []
    for hold in (0.25, 0.3, 0.35, 0.4, 0.45):
        writer = sqlite_database.session()
        writer.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
        other = sqlite_database.session(read_first=read_first)
        done: list[float] = []

        def write(other=other, done=done) -> None:
            other.execute(text("INSERT INTO t VALUES (2)"))
            done.append(time.monotonic())

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        time.sleep(hold)
        assert thread.is_alive(), "the second writer did not wait for the lock"
        writer.commit()
        released = time.monotonic()
        thread.join(timeout=10)
        assert done, "the second writer never got the lock"
        latencies.append(done[0] - released)
        other.commit()
        for s in (writer, other):
            s.close()
    assert statistics.median(latencies) < 0.02, latencies
    with sqlite_database.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 10
        # Statements other than the lock's BEGIN keep their busy timeout.
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_SECONDS * 1000


def test_a_writer_that_cannot_get_the_lock_in_time_fails_as_locked_and_writes_nothing(
    sqlite_database, monkeypatch
):
    monkeypatch.setattr(hub_db, "SQLITE_BUSY_SECONDS", 0.3)
    writer = sqlite_database.session()
    writer.execute(text("INSERT INTO t VALUES (1)"))
    other = sqlite_database.session()
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        other.execute(text("INSERT INTO t VALUES (2)"))
    assert time.monotonic() - started >= 0.3
    other.rollback()
    other.close()
    writer.commit()
    writer.close()
    with sqlite_database.transaction() as s:
        assert s.execute(text("SELECT x FROM t")).scalars().all() == [1]


@pytest.fixture
def served_hub(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with hub_with_a_token(fresh_database_url, tmp_path, agency="POL-CC", workers=2) as hub:
        yield hub.base, hub.headers
    logged = hub.log_path.read_text()
    assert "Traceback" not in logged, logged[-3000:]
    assert "database is locked" not in logged, logged[-3000:]


def test_concurrent_reads_and_writes_through_two_workers_are_all_answered_and_audited(
        served_hub, fresh_database_url):
    base, headers = served_hub
    created = [requests.post(f"{base}/api/v1/cases", headers=headers, timeout=30, json={
        "kind": "adult", "subject": {"name": f"Rowan Parallel {n}", "date_of_birth": "1980-01-02"}})
        for n in range(4)]
    assert [r.status_code for r in created] == [201] * 4, created[0].text
    ids = [r.json()["id"] for r in created]

    def read(n: int) -> int:
        response = requests.get(f"{base}/api/v1/cases/{ids[n % len(ids)]}", headers=headers,
                                timeout=60)
        assert response.status_code != 200 or response.json()["subject"]["name"].startswith("Rowan")
        return response.status_code

    def create(n: int) -> int:
        return requests.post(f"{base}/api/v1/cases", headers=headers, timeout=60, json={
            "kind": "adult", "subject": {"name": f"Sasha Parallel {n}", "date_of_birth": "1990-05-06"},
        }).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        reads = [pool.submit(read, n) for n in range(120)]
        writes = [pool.submit(create, n) for n in range(12)]
        statuses = Counter(f.result() for f in reads), Counter(f.result() for f in writes)
    assert statuses == (Counter({200: 120}), Counter({201: 12}))

    database = Database(fresh_database_url)
    with database.transaction() as s:
        actions = dict(s.execute(select(AuditEvent.action, func.count())
                                 .group_by(AuditEvent.action)).all())
        refs = s.scalars(text("SELECT ref FROM cases")).all()
    database.engine.dispose()
    assert actions.get("case.read") == 120
    assert actions.get("case.create") == 16
    assert len(set(refs)) == 16  # the reference counter still serialises creators


# --- races between requests for the same row (issue 8, point 6) ---------------------------------


@pytest.fixture
def racing_hub(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Four workers, each with its application built, so that requests fired together really are
    handled together (`/healthz` answers as soon as the first worker is up)."""
    with hub_with_a_token(fresh_database_url, tmp_path, agency="POL-RC", workers=4,
                          partners=("NHS-RC",)) as hub:
        for _round in range(3):
            warmed = _all_at_once(8, lambda _n: requests.get(f"{hub.base}/api/v1/me",
                                                            headers=hub.headers, timeout=60))
            assert [r.status_code for r in warmed] == [200] * 8
        yield hub.base, hub.headers
    logged = hub.log_path.read_text()
    assert "Traceback" not in logged, logged[-3000:]
    assert "IntegrityError" not in logged, logged[-3000:]


def _all_at_once(count: int, send) -> list[requests.Response]:
    """``send(n)`` for n in range(count), from ``count`` threads released together."""
    barrier = threading.Barrier(count)

    def fire(n: int) -> requests.Response:
        barrier.wait(timeout=60)
        return send(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(fire, range(count)))


def _record_agreement(database_url: str, lead: str, partner: str) -> None:
    """An administrator of ``lead`` records an agreement with ``partner`` covering adult cases:
    the lawful ground on which the partner joins (membership is sharing)."""
    database = Database(database_url)
    with database.transaction() as s:
        admin = agency_services.add_user(s, Actor.system(), agency_code=lead, email="ig-admin@rc.example",
                                         name="Agreements Administrator", roles=["admin"], now=utcnow())
        record_agreement(s, Actor(admin, "test"), AgreementIn(
            title="Adult safeguarding agreement", parties=(lead, partner),
            purposes=(Purpose.SAFEGUARD_ADULT_AT_RISK,), case_kinds=(CaseKind.ADULT,),
            art6_basis=Art6Basis.PUBLIC_TASK, review_date=utcnow().date() + timedelta(days=365)),
            policy=Policy(), now=utcnow())
    database.engine.dispose()


def test_an_agency_admitted_by_many_requests_at_once_is_a_member_once_and_the_rest_hear_409(
        racing_hub, fresh_database_url):
    base, headers = racing_hub
    _record_agreement(fresh_database_url, "POL-RC", "NHS-RC")
    rounds = 4
    for n in range(rounds):
        created = requests.post(f"{base}/api/v1/cases", headers=headers, timeout=30, json={
            "kind": "adult", "subject": {"name": f"Morgan Race {n}", "date_of_birth": "1975-03-04"}})
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]

        responses = _all_at_once(8, lambda _n, case_id=case_id: requests.post(
            f"{base}/api/v1/cases/{case_id}/members", headers=headers, json={"agency": "NHS-RC"},
            timeout=60))

        assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: 7}), \
            [(r.status_code, r.text[:200]) for r in responses]
        for refused in (r for r in responses if r.status_code == 409):
            assert refused.headers["Content-Type"].startswith("application/problem+json")
            assert "already a member" in refused.json()["detail"]
    database = Database(fresh_database_url)
    with database.transaction() as s:
        rows = s.execute(text(
            "SELECT m.case_id, m.removed_at FROM case_memberships m "
            "JOIN agencies a ON a.id = m.agency_id WHERE a.code = 'NHS-RC'")).all()
        added = s.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "case.member.add"))
    database.engine.dispose()
    # Exactly one membership row per case, current, and one audited admission each.
    assert len({case for case, _removed in rows}) == len(rows) == rounds
    assert {removed for _case, removed in rows} == {None}
    assert added == rounds


def test_the_first_cases_of_a_kind_opened_at_once_get_distinct_consecutive_references(
        racing_hub, fresh_database_url):
    base, headers = racing_hub
    kinds = ["adult", "child", "marac", "mappa"] * 4  # no counter row exists yet this year

    responses = _all_at_once(len(kinds), lambda n: requests.post(
        f"{base}/api/v1/cases", headers=headers, timeout=60, json={
            "kind": kinds[n], "subject": {"name": f"Avery First {n}", "date_of_birth": "2012-01-02"}}))

    assert [r.status_code for r in responses] == [201] * len(kinds), \
        [(r.status_code, r.text[:200]) for r in responses]
    for kind in set(kinds):
        refs = sorted(r.json()["ref"] for r in responses if r.json()["kind"] == kind)
        year = refs[0].split("-")[1]
        assert refs == [f"{kind.upper()}-{year}-{n:05d}" for n in range(1, 5)]
    database = Database(fresh_database_url)
    with database.transaction() as s:
        counters = dict(s.execute(select(CaseReferenceCounter.kind, CaseReferenceCounter.last_number)).all())
    database.engine.dispose()
    assert counters == dict.fromkeys(kinds, 4)
