"""Signed checkpoints (invariant 5): the database's owner can neither re-seal an edit nor cut off the
chain's tail unnoticed. Real `hub` processes; the attacker writes the database directly."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, bindparam, select, text

from hub.audit.chain import verify_chain
from hub.audit.checkpoints import sign_checkpoint
from hub.audit.models import AuditSeal
from hub.config import load_settings
from hub.crypto.keyring import Keyring, SigningKey
from hub.db import Database
from hub.jobs import run_job
from tests.audit.cli import run_hub
from tests.audit.helpers import (
    add_events,
    checkpoint_lines,
    event_at,
    keyring_file,
    reseal_from,
    tamper,
)


@pytest.fixture
def keyring(tmp_path: Path) -> Path:
    return keyring_file(tmp_path)


@pytest.fixture
def log(keyring: Path) -> Path:
    """HUB_AUDIT_CHECKPOINTS by default: beside the keyring file."""
    return keyring.with_name("audit-checkpoints.jsonl")


@pytest.fixture
def database(fresh_database_url):
    database = Database(fresh_database_url)
    yield database
    database.engine.dispose()


def seal_in_runs(database: Database, keyring: Path, *runs: int) -> None:
    """Commit events and run the audit-seal job after each batch: one checkpoint per run."""
    settings = load_settings({"HUB_DATABASE_URL": database.url, "HUB_KEYRING": str(keyring)})
    for count in runs:
        with database.transaction() as s:
            add_events(s, count)
        assert run_job(database, settings, "audit-seal") == count


def heads(database: Database) -> dict[int, str]:
    with database.transaction() as s:
        return {int(p): str(h) for p, h in s.execute(select(AuditSeal.position, AuditSeal.hash))}


def verify(database: Database, keyring: Path, **env: str):
    return run_hub(database.url, "audit", "verify", keyring=keyring, **env)


def assert_refused(result, *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert "intact" not in result.stdout


# --- writing checkpoints ----------------------------------------------------------------------


def test_the_seal_job_appends_a_signed_checkpoint_only_when_the_chain_advanced(database, keyring, log):
    with database.transaction() as s:
        add_events(s, 3)
    first = run_hub(database.url, "jobs", "run", "audit-seal", "--as-of", "2026-01-01T00:00:00Z",
                    keyring=keyring)
    assert (first.returncode, first.stdout.strip()) == (0, "audit-seal: 3 done"), first.stderr
    [line] = checkpoint_lines(log)
    assert line["position"] == 3
    assert line["head"] == heads(database)[3]
    assert line["time"] == "2026-01-01T00:00:00.000000Z"
    assert line["key_id"] == Keyring.load(keyring).signing_key.id

    nothing = run_hub(database.url, "jobs", "run", "audit-seal", keyring=keyring)
    assert (nothing.returncode, nothing.stdout.strip()) == (0, "audit-seal: 0 done")
    assert len(checkpoint_lines(log)) == 1

    with database.transaction() as s:
        add_events(s, 2)
    assert run_hub(database.url, "jobs", "run", "audit-seal", keyring=keyring).returncode == 0
    assert [(c["position"], c["head"]) for c in checkpoint_lines(log)] == [
        (3, heads(database)[3]), (5, heads(database)[5])]


def test_verify_appends_a_checkpoint_only_when_its_sealing_step_advanced_the_chain(
        database, keyring, log):
    with database.transaction() as s:
        add_events(s, 4)
    first = verify(database, keyring)
    assert first.returncode == 0, first.stderr
    assert [c["position"] for c in checkpoint_lines(log)] == [4]
    again = verify(database, keyring)
    assert again.stdout.strip() == ("audit chain intact: 4 events verified (0 newly sealed); "
                                    "1 signed checkpoint verified, the newest at position 4")
    assert [c["position"] for c in checkpoint_lines(log)] == [4]


def test_checkpoints_go_to_the_file_HUB_AUDIT_CHECKPOINTS_names(database, keyring, log, tmp_path):
    elsewhere = tmp_path / "worm" / "checkpoints.jsonl"
    elsewhere.parent.mkdir()
    with database.transaction() as s:
        add_events(s, 2)
    result = verify(database, keyring, HUB_AUDIT_CHECKPOINTS=str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert [c["position"] for c in checkpoint_lines(elsewhere)] == [2]
    assert not log.exists()


def test_a_checkpoint_log_that_cannot_be_written_stops_sealing_before_it_starts(database, keyring,
                                                                                tmp_path):
    with database.transaction() as s:
        add_events(s, 2)
    result = run_hub(database.url, "jobs", "run", "audit-seal", keyring=keyring,
                     HUB_AUDIT_CHECKPOINTS=str(tmp_path / "no-such-directory" / "log.jsonl"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "no-such-directory" in result.stderr
    assert "Traceback" not in result.stderr
    assert heads(database) == {}


def test_every_line_verifies_elsewhere_with_the_key_hub_audit_public_key_prints(database, keyring,
                                                                                 log):
    seal_in_runs(database, keyring, 2, 3, 1)
    printed = run_hub(database.url, "audit", "public-key", keyring=keyring)
    assert printed.returncode == 0, printed.stderr
    first, pem = printed.stdout.split("\n", 1)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    public_key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public_key, Ed25519PublicKey)
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]
    assert first == f"key id: {key_id}"
    lines = checkpoint_lines(log)
    assert [c["position"] for c in lines] == [2, 5, 6]
    for line in lines:
        # The canonical form the module docstring promises: RFC 8785 of the line without its
        # signature (sorted keys, no whitespace), as any auditor's tool would compute it.
        signed = {k: v for k, v in line.items() if k != "signature"}
        message = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
        assert line["key_id"] == key_id
        assert line["format"] == "hub-audit-checkpoint/1"
        public_key.verify(base64.b64decode(line["signature"]), message)  # raises if forged
        assert heads(database)[line["position"]] == line["head"]


def test_public_key_without_a_keyring_or_a_signing_key_says_what_to_do(database, tmp_path):
    unset = run_hub(database.url, "audit", "public-key")
    assert (unset.returncode, unset.stdout) == (2, "")
    assert "HUB_KEYRING is not set" in unset.stderr
    old = keyring_file(tmp_path, signing_key=False)
    result = run_hub(database.url, "audit", "public-key", keyring=old)
    assert (result.returncode, result.stdout) == (1, "")
    assert "no checkpoint-signing key" in result.stderr
    assert "hub keys rotate" in result.stderr


# --- a keyring written before signed checkpoints ------------------------------------------


def test_a_keyring_without_a_signing_key_seals_says_how_to_add_one_and_rotate_adds_it(
        database, tmp_path):
    keyring = keyring_file(tmp_path, signing_key=False)
    assert "checkpoint_signing_key" not in json.loads(keyring.read_text())
    log = keyring.with_name("audit-checkpoints.jsonl")
    with database.transaction() as s:
        add_events(s, 3)
    sealed = run_hub(database.url, "jobs", "run", "audit-seal", keyring=keyring)
    assert (sealed.returncode, sealed.stdout.strip()) == (0, "audit-seal: 3 done"), sealed.stderr
    assert "no signed checkpoint written" in sealed.stderr
    assert "hub keys rotate" in sealed.stderr
    checked = verify(database, keyring)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == ("audit chain intact: 3 events verified (0 newly sealed); "
                                      "no signed checkpoints yet")
    assert "hub keys rotate" in checked.stderr
    assert not log.exists()

    rotated = run_hub(database.url, "keys", "rotate", keyring=keyring)
    assert rotated.returncode == 0, rotated.stderr
    key = Keyring.load(keyring).signing_key
    assert key is not None
    assert f"added the audit checkpoint-signing key {key.id}" in rotated.stdout
    with database.transaction() as s:
        add_events(s, 2)
    after = verify(database, keyring)
    assert after.returncode == 0, after.stderr
    assert after.stderr == ""
    assert after.stdout.strip().endswith("1 signed checkpoint verified, the newest at position 5")
    assert [(c["position"], c["key_id"]) for c in checkpoint_lines(log)] == [(5, key.id)]
    again = run_hub(database.url, "keys", "rotate", keyring=keyring)
    assert Keyring.load(keyring).signing_key == key  # rotation keeps it: old lines still verify
    assert "added the audit checkpoint-signing key" not in again.stdout


# --- what the database's owner can no longer hide -----------------------------------------


def test_an_intact_chain_with_intact_checkpoints_passes(database, keyring, log):
    seal_in_runs(database, keyring, 4, 1, 5)
    result = verify(database, keyring)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("audit chain intact: 10 events verified (0 newly sealed); "
                                     "3 signed checkpoints verified, the newest at position 10")
    assert result.stderr == ""


def test_an_edited_event_with_the_chain_resealed_after_it_is_named_at_its_position(
        database, keyring):
    seal_in_runs(database, keyring, *[1] * 10)  # a checkpoint at every position

    def edit_and_reseal(conn: Connection) -> None:
        conn.execute(text("UPDATE audit_events SET details = '{\"n\": 99}' WHERE id = :id"),
                     {"id": event_at(conn, 6)})
        reseal_from(conn, 6)

    tamper(database, edit_and_reseal)
    with database.transaction() as s:
        assert verify_chain(s).ok  # the chain alone no longer shows the edit
    result = verify(database, keyring)
    assert_refused(result, "audit chain BROKEN at position 6: ",
                   "checkpoint line 6 signed", "the event at position 6 was changed")
    assert "audit chain BROKEN at position 7" not in result.stderr  # only the first is named


def test_an_edit_between_two_checkpoints_is_named_with_the_positions_it_may_lie_in(database,
                                                                                   keyring):
    seal_in_runs(database, keyring, 5, 5)  # checkpoints at positions 5 and 10

    def edit_and_reseal(conn: Connection) -> None:
        conn.execute(text("UPDATE audit_events SET agency_code = 'POL-XX' WHERE id = :id"),
                     {"id": event_at(conn, 7)})
        reseal_from(conn, 7)

    tamper(database, edit_and_reseal)
    assert_refused(verify(database, keyring), "audit chain BROKEN at position 10: ",
                   "checkpoint line 2 signed", "an event at positions 6-10 was changed")


def test_a_tail_cut_off_before_the_newest_checkpoint_is_named(database, keyring):
    seal_in_runs(database, keyring, 4, 6)  # checkpoints at positions 4 and 10

    def cut_after_7(conn: Connection) -> None:
        doomed = conn.execute(text("SELECT event_id FROM audit_seals WHERE position > 7")).scalars().all()
        conn.exec_driver_sql("DELETE FROM audit_seals WHERE position > 7")
        conn.execute(text("DELETE FROM audit_events WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)), {"ids": list(doomed)})

    tamper(database, cut_after_7)
    with database.transaction() as s:
        assert verify_chain(s).checked == 7  # the shorter chain alone still verifies
    assert_refused(verify(database, keyring), "audit chain BROKEN at position 8: ",
                   "the chain ends at position 7", "checkpoint line 2 signed its head at position 10",
                   "the tail was cut off")


def test_a_chain_emptied_by_its_owner_is_named_at_position_1(database, keyring):
    seal_in_runs(database, keyring, 3)

    def empty(conn: Connection) -> None:
        conn.exec_driver_sql("DELETE FROM audit_seals")
        conn.exec_driver_sql("DELETE FROM audit_events")

    tamper(database, empty)
    assert_refused(verify(database, keyring), "audit chain BROKEN at position 1: ",
                   "the chain is empty", "the tail was cut off")


# --- what a tampered checkpoint log looks like --------------------------------------------


def _other_head(line: dict) -> dict:
    return {**line, "head": hashlib.sha256(b"forged").hexdigest()}


def _bad_signature(line: dict) -> dict:
    signature = bytearray(base64.b64decode(line["signature"]))
    signature[0] ^= 1
    return {**line, "signature": base64.b64encode(bytes(signature)).decode()}


def _signed_by_another_key(line: dict) -> dict:
    forged = sign_checkpoint(SigningKey.generate(), line["position"], line["head"],
                             datetime(2026, 1, 1, tzinfo=UTC))
    return json.loads(forged.to_line())


TAMPERED = {
    "changed head": (lambda line: json.dumps(_other_head(line)), "signature does not verify"),
    "changed position": (lambda line: json.dumps({**line, "position": 3}),
                         "signature does not verify"),
    "bad signature": (lambda line: json.dumps(_bad_signature(line)), "signature does not verify"),
    "another key": (lambda line: json.dumps(_signed_by_another_key(line)),
                    "which is not the keyring's checkpoint-signing key"),
    "not json": (lambda line: "{position: 5", "not a checkpoint: not a JSON object"),
    "member missing": (lambda line: json.dumps({k: v for k, v in line.items() if k != "time"}),
                       "not a checkpoint: missing time"),
    "empty line": (lambda line: "", "not a checkpoint"),
}


@pytest.mark.parametrize("fault", sorted(TAMPERED))
def test_a_tampered_checkpoint_line_is_named_by_its_line_number(database, keyring, log, fault):
    seal_in_runs(database, keyring, 2, 3, 4)
    change, reason = TAMPERED[fault]
    lines = log.read_text().splitlines()
    lines[1] = change(json.loads(lines[1]))
    log.write_text("\n".join(lines) + "\n")
    result = verify(database, keyring)
    assert_refused(result, f"audit checkpoints BROKEN at line 2 of {log}: ", reason)
    assert "line 1 " not in result.stderr
    assert "line 3 " not in result.stderr
    assert "audit chain BROKEN" not in result.stderr  # the chain itself is intact


def test_several_bad_lines_are_counted_and_the_first_is_named(database, keyring, log):
    seal_in_runs(database, keyring, 1, 1, 1, 1)
    lines = log.read_text().splitlines()
    lines[1], lines[3] = "garbage", "{}"
    log.write_text("\n".join(lines) + "\n")
    assert_refused(verify(database, keyring), "audit checkpoints BROKEN at line 2 of ",
                   "(1 more bad line)")
