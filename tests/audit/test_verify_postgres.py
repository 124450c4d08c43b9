"""PostgreSQL checks every link of the chain itself: the same verdicts as hashing in Python.

Each test runs both ways the server is asked: chunks checked in parallel over one exported
snapshot (a transaction that has written nothing), and chunks checked one after another in the
caller's transaction. Chunks are seven positions long, so positions 7 and 8 straddle a boundary.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import insert, text

from hub.actor import Actor
from hub.audit import chain
from hub.audit.chain import GENESIS, Verification, canonical_sql, seal_pending, verify_chain
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.db import Database
from tests.audit.helpers import NOW, add_events, postgres_only

pytestmark = [postgres_only, pytest.mark.postgres_only]

EVENTS = 30
WAYS = {"parallel": {"chunk_size": 7, "workers": 3}, "in-order": {"chunk_size": 7, "workers": 1}}
MISMATCH = "position {} does not match its event or predecessor"


@pytest.fixture
def chained(fresh_database_url: str) -> Iterator[Database]:
    """A fresh database with ``EVENTS`` committed, sealed events; the append-only triggers off."""
    made = Database(fresh_database_url)
    with made.transaction() as s:
        add_events(s, EVENTS)
        assert seal_pending(s, now=NOW) == EVENTS
    with made.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER ALL")  # and the foreign key
        conn.exec_driver_sql("ALTER TABLE audit_seals DISABLE TRIGGER ALL")
    yield made
    made.engine.dispose()


@pytest.fixture(params=list(WAYS))
def verify(request: pytest.FixtureRequest, chained: Database) -> Callable[[], Verification]:
    def run() -> Verification:
        with chained.transaction() as s:
            if request.param == "parallel":
                assert s.execute(text("SELECT txid_current_if_assigned()")).scalar() is None
            return verify_chain(s, **WAYS[request.param])
    return run


def change(chained: Database, *statements: str, **params: Any) -> None:
    with chained.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def event_at(chained: Database, position: int) -> int:
    with chained.engine.connect() as conn:
        return int(conn.execute(text("SELECT event_id FROM audit_seals WHERE position = :p"),
                                {"p": position}).scalar_one())


def edit_event(chained: Database, position: int) -> None:
    change(chained, "UPDATE audit_events SET outcome = 'denied' WHERE id = :id",
           id=event_at(chained, position))


def delete_event(chained: Database, position: int) -> None:
    change(chained, "DELETE FROM audit_events WHERE id = :id", id=event_at(chained, position))


def delete_seal(chained: Database, position: int) -> None:
    change(chained, "DELETE FROM audit_seals WHERE position = :p", p=position)


def set_hash(chained: Database, position: int, value: str) -> None:
    change(chained, "UPDATE audit_seals SET hash = :h WHERE position = :p", h=value, p=position)


def test_an_intact_chain_is_checked_to_its_end(verify):
    assert verify() == Verification(EVENTS, None)


def test_an_empty_chain_is_intact(chained, verify):
    change(chained, "DELETE FROM audit_seals")
    assert verify() == Verification(0, None)


def test_non_ascii_values_are_hashed_as_utf_8_and_an_edit_to_one_is_found(chained, verify):
    values = ["Z\u00fcrich \u2013 na\u00efve caf\u00e9", "\u96ea \u2603 and \U0001d11e",
              "\u00e9 composed", "e\u0301 decomposed"]
    with chained.transaction() as s:
        for n, value in enumerate(values):
            record(s, Actor.system(f"unicode-{n:04d}"), "case.read", now=NOW, object_type="case",
                   case_id=uuid.uuid4(), reason=value, details={"note": value, "n": n})
        s.flush()
        assert seal_pending(s, now=NOW) == len(values)
    total = EVENTS + len(values)
    assert verify() == Verification(total, None)
    # The same letter, composed differently: equal to the eye, not to the chain.
    change(chained, "UPDATE audit_events SET reason = :r WHERE id = :id", r="e\u0301 composed",
           id=event_at(chained, EVENTS + 3))
    assert verify() == Verification(EVENTS + 2, EVENTS + 3, MISMATCH.format(EVENTS + 3))


@pytest.mark.parametrize("position", [1, 6, 7, 8, 9, EVENTS])
def test_an_edited_event_on_either_side_of_a_chunk_boundary_is_found(chained, verify, position):
    edit_event(chained, position)
    assert verify() == Verification(position - 1, position, MISMATCH.format(position))


@pytest.mark.parametrize("position", [1, 7, 8, EVENTS])
def test_a_tampered_hash_on_either_side_of_a_chunk_boundary_is_found(chained, verify, position):
    set_hash(chained, position, "f" * 64)
    assert verify() == Verification(position - 1, position, MISMATCH.format(position))


def test_a_hash_is_compared_exactly(chained, verify):
    with chained.engine.connect() as conn:
        stored = conn.execute(text("SELECT hash FROM audit_seals WHERE position = 8")).scalar_one()
    set_hash(chained, 8, stored.upper())
    assert verify() == Verification(7, 8, MISMATCH.format(8))


def test_a_recomputed_hash_still_breaks_the_link_to_the_next_position(chained, verify):
    """An edit hidden by re-hashing its own seal is caught where the next seal links to it."""
    edit_event(chained, 7)
    change(chained, f"UPDATE audit_seals s SET hash = encode(sha256(convert_to("  # noqa: S608
           f"p.hash || {canonical_sql(True)}, 'UTF8')), 'hex') FROM audit_seals p, audit_events e "
           "WHERE s.position = 7 AND p.position = 6 AND e.id = s.event_id")
    assert verify() == Verification(7, 8, MISMATCH.format(8))


@pytest.mark.parametrize("position", [1, 7, 8, 12, EVENTS - 1])
def test_a_missing_position_is_named(chained, verify, position):
    delete_seal(chained, position)
    assert verify() == Verification(position - 1, position, f"position {position} is missing")


def test_a_missing_run_across_a_chunk_boundary_is_named_at_its_start(chained, verify):
    change(chained, "DELETE FROM audit_seals WHERE position BETWEEN 6 AND 16")
    assert verify() == Verification(5, 6, "position 6 is missing")


def test_a_whole_missing_chunk_is_named_at_its_start(chained, verify):
    change(chained, "DELETE FROM audit_seals WHERE position BETWEEN 8 AND 14")
    assert verify() == Verification(7, 8, "position 8 is missing")


@pytest.mark.parametrize("position", [1, 7, 8, EVENTS])
def test_a_seal_whose_event_is_gone_is_named(chained, verify, position):
    delete_event(chained, position)
    assert verify() == Verification(position - 1, position,
                                    f"the event sealed at position {position} is missing")


def _forge_seal(chained: Database, position: int) -> None:
    """A seal at ``position`` for a new event, with the hash it would have after genesis."""
    with chained.transaction() as s:
        event_id = s.execute(insert(AuditEvent).returning(AuditEvent.id), [
            {"occurred_at": NOW, "action": "case.read", "outcome": "success", "details": {}}
        ]).scalar_one()
        canonical_text = s.execute(text(
            f"SELECT {canonical_sql(True)} FROM audit_events e WHERE e.id = :id"),  # noqa: S608
            {"id": event_id}).scalar_one()
        s.execute(insert(AuditSeal), [{
            "position": position, "event_id": event_id, "sealed_at": NOW,
            "hash": chain.next_hash(GENESIS, canonical_text.encode())}])


@pytest.mark.parametrize("position", [0, -5])
def test_a_forged_position_below_one_is_seen_before_an_intact_chain(chained, verify, position):
    _forge_seal(chained, position)
    assert verify() == Verification(0, 1, "position 1 is missing")


def test_a_chain_of_only_a_forged_position_zero_is_broken(chained, verify):
    change(chained, "DELETE FROM audit_seals")
    _forge_seal(chained, 0)
    assert verify() == Verification(0, 1, "position 1 is missing")


@pytest.mark.parametrize(("breaks", "expected"), [
    # The lowest break in one chunk (15..21), whatever kind it is and whatever follows it.
    ({"edit": 16, "gone": 18, "missing": 20}, Verification(15, 16, MISMATCH.format(16))),
    ({"gone": 16, "missing": 18, "edit": 20},
     Verification(15, 16, "the event sealed at position 16 is missing")),
    ({"missing": 16, "edit": 18, "gone": 20}, Verification(15, 16, "position 16 is missing")),
    # Across chunks: the first chunk with a break names it, though later chunks have lower kinds.
    ({"edit": 27, "gone": 19, "missing": 10}, Verification(9, 10, "position 10 is missing")),
    ({"missing": 27, "edit": 12, "gone": 5},
     Verification(4, 5, "the event sealed at position 5 is missing")),
])
def test_the_lowest_of_several_breaks_is_named(chained, verify, breaks, expected):
    for kind, position in breaks.items():
        {"edit": edit_event, "gone": delete_event, "missing": delete_seal}[kind](chained, position)
    assert verify() == expected


def test_every_chunk_reads_the_snapshot_the_verification_started_with(chained, monkeypatch):
    """A seal deleted while the chunks are being checked is not seen by any of them."""
    check = chain._check_chunk_in_snapshot
    tampered = threading.Lock()
    done: list[bool] = []

    def tamper_first(*args: Any) -> Any:
        with tampered:
            if not done:
                delete_seal(chained, 12)  # committed before any chunk starts its transaction
                done.append(True)
        return check(*args)

    monkeypatch.setattr(chain, "_check_chunk_in_snapshot", tamper_first)
    with chained.transaction() as s:
        assert verify_chain(s, **WAYS["parallel"]) == Verification(EVENTS, None)
    assert done == [True]
    monkeypatch.undo()
    with chained.transaction() as s:
        assert verify_chain(s, **WAYS["parallel"]) == Verification(11, 12, "position 12 is missing")


def test_the_canonical_row_is_the_one_chains_were_sealed_with_before(chained):
    """UUIDs rendered from their bytes give the text that replace(uuid::text, '-', '') gave."""
    legacy = canonical_sql(True)
    for column in ("user_id", "case_id"):
        legacy = legacy.replace(f"pg_catalog.encode(pg_catalog.uuid_send(e.{column}), 'hex')",
                                f"replace(e.{column}::text, '-', '')")
    assert legacy.count("replace(") == 2
    ids = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("0123abcd-ef01-4567-89ab-cdef01234567")]
    with chained.transaction() as s:
        for n, (user_id, case_id) in enumerate([(ids[0], ids[1]), (ids[2], None), (None, ids[0])]):
            s.execute(insert(AuditEvent), [{"occurred_at": NOW, "action": "case.read", "outcome": "success",
                                            "user_id": user_id, "case_id": case_id, "details": {"n": n}}])
        differing = s.execute(text(
            f"SELECT count(*) FROM audit_events e WHERE {legacy} IS DISTINCT FROM {canonical_sql(True)}"  # noqa: S608
        )).scalar_one()
        total = s.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    assert (differing, total) == (0, EVENTS + 3)

