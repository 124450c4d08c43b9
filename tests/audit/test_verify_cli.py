"""`hub audit verify` as a real process: exit 0 with the count, or exit 1 naming the first break."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from hub.audit.chain import seal_pending
from hub.db import Database
from tests.audit.cli import run_hub
from tests.audit.helpers import NOW, add_events, event_at, keyring_file, tamper
from tests.conftest import DB_KIND


@pytest.fixture
def keyring(tmp_path):
    return keyring_file(tmp_path)


@pytest.fixture
def chained(fresh_database_url):
    """A fresh database with ten committed and sealed events (sealed without checkpoints)."""
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 10)
        seal_pending(s, now=NOW)
    yield database
    database.engine.dispose()


@pytest.fixture
def verify(fresh_database_url, keyring):
    return lambda: run_hub(fresh_database_url, "audit", "verify", keyring=keyring)


def assert_broken_at(result, position: int) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"audit chain BROKEN at position {position}:" in result.stderr
    assert f"({position - 1} positions verified before it)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "intact" not in result.stdout


def test_an_intact_chain_verifies_with_new_events_sealed_first(fresh_database_url, verify):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 10)
    first = verify()
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == ("audit chain intact: 10 events verified (10 newly sealed); "
                                    "1 signed checkpoint verified, the newest at position 10")
    with database.transaction() as s:
        add_events(s, 3)
    again = verify()
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ("audit chain intact: 13 events verified (3 newly sealed); "
                                    "2 signed checkpoints verified, the newest at position 13")
    assert first.stderr == again.stderr == ""
    database.engine.dispose()


@pytest.mark.parametrize(("column", "value"), [
    ("agency_code", "'POL-XX'"), ("occurred_at", "occurred_at"), ("details", "'{\"n\": 99}'"),
    ("reason", "'a reason added afterwards'"), ("request_id", "NULL"),
])
def test_changing_one_field_of_one_event_in_the_middle_is_named(chained, verify, column, value):
    def edit(conn: Connection) -> None:
        target = event_at(conn, 6)
        if column == "occurred_at":  # one microsecond later
            new = ("occurred_at + interval '1 microsecond'" if DB_KIND == "postgresql"
                   else "replace(occurred_at, '.890123', '.890124')")
            conn.execute(text(f"UPDATE audit_events SET occurred_at = {new} WHERE id = :id"),  # noqa: S608
                         {"id": target})
        else:
            conn.execute(text(f"UPDATE audit_events SET {column} = {value} WHERE id = :id"),  # noqa: S608
                         {"id": target})

    tamper(chained, edit)
    assert_broken_at(verify(), 6)


def test_a_deleted_seal_is_named_even_though_its_event_is_sealed_again(chained, verify):
    tamper(chained, lambda conn: conn.exec_driver_sql("DELETE FROM audit_seals WHERE position = 4"))
    result = verify()
    assert_broken_at(result, 4)
    assert "position 4 is missing" in result.stderr


def test_a_deleted_event_is_named(chained, verify):
    def delete(conn: Connection) -> None:
        target = event_at(conn, 7)
        if DB_KIND == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER ALL")  # and the foreign key
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": target})

    tamper(chained, delete)
    result = verify()
    assert_broken_at(result, 7)
    assert "the event sealed at position 7 is missing" in result.stderr


def test_reordered_seals_are_named_at_the_first_moved_position(chained, verify):
    def reorder(conn: Connection) -> None:
        conn.exec_driver_sql("UPDATE audit_seals SET position = 1000 WHERE position = 3")
        conn.exec_driver_sql("UPDATE audit_seals SET position = 3 WHERE position = 8")
        conn.exec_driver_sql("UPDATE audit_seals SET position = 8 WHERE position = 1000")

    tamper(chained, reorder)
    assert_broken_at(verify(), 3)


def test_a_recomputed_hash_does_not_hide_an_edit_from_the_next_position(chained, verify):
    """Forging one seal's hash to match an edited event still breaks the link to the next one."""
    def forge(conn: Connection) -> None:
        conn.exec_driver_sql("UPDATE audit_seals SET hash = "
                             "'0000000000000000000000000000000000000000000000000000000000000000' "
                             "WHERE position = 9")

    tamper(chained, forge)
    assert_broken_at(verify(), 9)


def test_only_the_first_of_several_breaks_is_named(chained, verify):
    def edit(conn: Connection) -> None:
        for position in (8, 2, 5):
            conn.execute(text("UPDATE audit_events SET action = 'case.nothing' WHERE id = :id"),
                         {"id": event_at(conn, position)})

    tamper(chained, edit)
    assert_broken_at(verify(), 2)


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://nobody@127.0.0.1:1/hub",
    "sqlite:////nonexistent-directory/for/hub.db",
    "not a database url",
])
def test_an_unreachable_database_gives_a_clear_message_and_no_traceback(url, keyring):
    result = run_hub(url, "audit", "verify", keyring=keyring)
    assert result.returncode != 0
    assert result.stderr.startswith("error: ")
    assert "database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_a_database_without_the_schema_is_told_to_upgrade(tmp_path, keyring):
    result = run_hub(f"sqlite:///{tmp_path / 'empty.db'}", "audit", "verify", keyring=keyring)
    assert result.returncode != 0
    assert "hub db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite lets any column hold a BLOB")
def test_a_value_the_database_cannot_render_is_an_error_message_not_a_traceback(chained, verify):
    tamper(chained, lambda conn: conn.execute(text(
        "UPDATE audit_events SET details = x'00ff' WHERE id = :id"), {"id": event_at(conn, 5)}))
    result = verify()
    assert result.returncode == 1
    assert result.stderr.startswith("error: audit chain could not be verified: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert "intact" not in result.stdout


def test_verifying_without_a_keyring_is_refused_before_anything_is_sealed(fresh_database_url):
    """The signed checkpoints cannot be written or checked without the keyring's signing key."""
    database = Database(fresh_database_url)
    with database.transaction() as s:
        add_events(s, 2)
    result = run_hub(fresh_database_url, "audit", "verify")
    assert result.returncode == 2
    assert result.stderr.startswith("error: HUB_KEYRING is not set")
    assert "Traceback" not in result.stderr
    with database.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM audit_seals")).scalar_one() == 0
    database.engine.dispose()
