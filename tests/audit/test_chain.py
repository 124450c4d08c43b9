"""Sealing: contiguous positions, SHA-256(previous hash + canonical row), idempotent, order-proof."""

from __future__ import annotations

import hashlib
import threading
import uuid

from sqlalchemy import func, insert, select, text

from hub.actor import Actor
from hub.audit.chain import (
    GENESIS,
    canonical,
    canonical_event,
    canonical_sql,
    seal_pending,
    verify_chain,
    verify_rows,
)
from hub.audit.models import AuditEvent, AuditSeal
from hub.audit.services import record
from hub.db import Database, is_postgres
from tests.audit.helpers import NOW, add_events, bulk_events, chain, expected_hashes


def test_sealing_numbers_events_from_one_and_chains_their_hashes(session):
    events = add_events(session, 5)
    assert seal_pending(session, now=NOW) == 5
    sealed = chain(session)
    assert [p for p, _e, _h in sealed] == [1, 2, 3, 4, 5]
    assert [e for _p, e, _h in sealed] == [e.id for e in events]
    assert [h for _p, _e, h in sealed] == expected_hashes(session)
    first = events[0]
    row = (f'["{first.id}","2026-03-04T05:06:07.890123Z","request-00000000",null,null,"hub:system",'
           f'"case.read","case","{first.case_id}","{first.case_id.hex}","success",null,"{{\\"n\\": 0}}"]')
    assert canonical_event(first) == row.encode()
    assert sealed[0][2] == hashlib.sha256(GENESIS.encode() + row.encode()).hexdigest()
    assert sealed[1][2] == hashlib.sha256(sealed[0][2].encode() + canonical_event(events[1])).hexdigest()
    assert verify_chain(session).ok


def test_sealing_twice_seals_nothing_new_and_later_events_extend_the_chain(session):
    add_events(session, 3)
    assert seal_pending(session, now=NOW) == 3
    before = chain(session)
    assert seal_pending(session, now=NOW) == 0
    assert chain(session) == before
    add_events(session, 2)
    assert seal_pending(session, now=NOW) == 2
    after = chain(session)
    assert after[:3] == before
    assert [p for p, _e, _h in after] == [1, 2, 3, 4, 5]
    assert [h for _p, _e, h in after] == expected_hashes(session)
    assert verify_chain(session).checked == 5


def test_an_event_committed_after_a_later_numbered_one_is_sealed_at_the_end(session):
    def event(event_id: int) -> dict:
        return {"id": event_id, "occurred_at": NOW, "action": "case.read", "outcome": "success",
                "details": {}}

    session.execute(insert(AuditEvent), [event(900_000_010), event(900_000_020)])
    assert seal_pending(session, now=NOW) == 2
    session.execute(insert(AuditEvent), [event(900_000_005)])  # a slow transaction's lower id
    assert seal_pending(session, now=NOW) == 1
    assert [(p, e) for p, e, _h in chain(session)] == [(1, 900_000_010), (2, 900_000_020),
                                                       (3, 900_000_005)]
    assert [h for _p, _e, h in chain(session)] == expected_hashes(session)
    assert verify_chain(session).ok


def test_sealing_crosses_batches_without_gaps(session):
    bulk_events(session, 2500)
    assert seal_pending(session, now=NOW, batch_size=1000) == 2500
    positions = [p for p, _e, _h in chain(session)]
    assert positions == list(range(1, 2501))
    result = verify_chain(session)
    assert (result.ok, result.checked) == (True, 2500)


def test_the_database_and_python_agree_on_the_canonical_form_of_awkward_values(session):
    awkward = [
        {"reason": "", "object_id": None, "details": {}},
        {"reason": "tab\tcolon:1:unit\x1fsep\x1e-\"quoted\" back\\slash \b\f\n\r\x7f", "object_id": "-",
         "details": {"k": "\u00e9\u2603", "q": "\"\\"}},
        {"reason": "".join(chr(c) for c in range(1, 128)), "object_id": "[null]", "details": {"": None}},
        {"reason": "\U0001d11e clef and \u00fc", "object_id": "3:abc", "details": {"z": [1, None, "x"]}},
    ]
    for n, values in enumerate(awkward):
        record(session, Actor.system(f"awkward-{n:04d}"), "test.awkward", now=NOW,
               object_type="x", case_id=uuid.uuid4(), **values)
    session.flush()
    assert seal_pending(session, now=NOW) == 4
    assert [h for _p, _e, h in chain(session)] == expected_hashes(session)
    assert verify_chain(session).ok


def test_the_canonical_form_is_unambiguous():
    assert canonical(["a:b", "c"]) != canonical(["a", ":bc"])
    assert canonical(["a\x1fb", "c"]) != canonical(["a", "b\x1fc"])
    assert canonical([None, "x"]) != canonical(["", "x"])
    assert canonical(["-", None]) != canonical([None, "-"])
    assert canonical(['a","b']) != canonical(["a", "b"])
    assert canonical(["null"]) != canonical([None])


def _good_rows(count: int) -> list[tuple[int, str, str]]:
    rows, previous = [], GENESIS
    for position in range(1, count + 1):
        text = f"event {position}"
        previous = hashlib.sha256(previous.encode() + text.encode()).hexdigest()
        rows.append((position, previous, text))
    return rows


def test_verify_rows_names_the_first_broken_position():
    rows = _good_rows(6)
    assert verify_rows(rows).ok
    assert verify_rows(rows).checked == 6
    changed = [*rows[:3], (4, rows[3][1], "event 4, edited"), *rows[4:]]
    assert verify_rows(changed).first_broken_position == 4
    assert verify_rows(changed).checked == 3
    assert verify_rows(rows[:2] + rows[3:]).first_broken_position == 3
    assert "missing" in (verify_rows(rows[:2] + rows[3:]).problem or "")
    reordered = [rows[0], rows[2], rows[1], *rows[3:]]
    assert verify_rows(reordered).first_broken_position == 2
    swapped = [rows[0], (2, rows[1][1], rows[2][2]), (3, rows[2][1], rows[1][2]), *rows[3:]]
    assert verify_rows(swapped).first_broken_position == 2
    event_gone = [*rows[:4], (5, rows[4][1], None), rows[5]]
    assert verify_rows(event_gone).first_broken_position == 5
    assert verify_rows(rows[1:]).first_broken_position == 1


def test_two_concurrent_sealers_never_duplicate_or_skip_a_position(fresh_database_url):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        bulk_events(s, 6000)
    start = threading.Barrier(3)
    sealed: list[int] = []
    errors: list[BaseException] = []

    def sealer() -> None:
        mine = Database(fresh_database_url)  # its own engine and connections
        try:
            start.wait(timeout=30)
            for _round in range(3):
                with mine.transaction() as s:
                    sealed.append(seal_pending(s, now=NOW, batch_size=500))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            mine.engine.dispose()

    def writer() -> None:
        mine = Database(fresh_database_url)
        try:
            start.wait(timeout=30)
            for n in range(20):
                with mine.transaction() as s:
                    record(s, Actor.system(f"writer-{n:04d}"), "case.read", now=NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.engine.dispose()

    threads = [threading.Thread(target=sealer), threading.Thread(target=sealer),
               threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with database.transaction() as s:
        sealed.append(seal_pending(s, now=NOW))
    with database.transaction() as s:
        positions = list(s.scalars(select(AuditSeal.position).order_by(AuditSeal.position)))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
        distinct_events = s.scalar(select(func.count(func.distinct(AuditSeal.event_id))))
        assert events == 6020
        assert sum(sealed) == 6020
        assert positions == list(range(1, 6021))
        assert distinct_events == 6020
        assert verify_chain(s).checked == 6020
    database.engine.dispose()


def test_the_database_renders_uuids_as_32_lowercase_hex_digits(session):
    ids = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("0123ABCD-EF01-4567-89AB-CDEF01234567")]
    events = [AuditEvent(occurred_at=NOW, action="case.read", outcome="success", user_id=user_id,
                         case_id=case_id, details={"n": n})
              for n, (user_id, case_id) in enumerate([(ids[0], ids[1]), (ids[2], None), (None, ids[0])])]
    session.add_all(events)
    session.flush()
    postgres = is_postgres(session)
    for event in events:
        rendered = session.execute(text(f"SELECT {canonical_sql(postgres)} FROM audit_events e "  # noqa: S608
                                        "WHERE e.id = :id"), {"id": event.id}).scalar_one()
        assert rendered.encode() == canonical_event(event)
    assert canonical_event(events[0]).count(b'"ffffffffffffffffffffffffffffffff"') == 1
    assert seal_pending(session, now=NOW) == 3
    assert verify_chain(session).ok
