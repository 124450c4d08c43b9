"""The checkpoint line format an auditor relies on, and how verification consults the chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from hub.audit import checkpoints
from hub.audit.chain import seal
from hub.audit.checkpoints import (
    CheckpointError,
    check_lines,
    check_signature,
    parse_line,
    sign_checkpoint,
    verify_checkpoints,
)
from hub.audit.models import AuditSeal
from hub.crypto.keyring import SigningKey
from tests.audit.helpers import NOW, add_events

KEY = SigningKey(bytes(range(32)))
HEAD = "ab" * 32
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def test_a_checkpoint_is_signed_over_its_members_in_rfc_8785_form():
    checkpoint = sign_checkpoint(KEY, 7, HEAD, AT)
    assert checkpoint.signed_bytes() == (
        b'{"format":"hub-audit-checkpoint/1","head":"' + HEAD.encode() + b'",'
        b'"key_id":"' + KEY.id.encode() + b'","position":7,"time":"2026-03-04T05:06:07.890123Z"}')
    KEY.public_key.verify(checkpoint.signature, checkpoint.signed_bytes())
    line = checkpoint.to_line()
    assert line.endswith("}\n")
    assert line.count("\n") == 1
    assert parse_line(line) == checkpoint


@pytest.mark.parametrize(("text", "problem"), [
    ('{"format": "hub-audit-checkpoint/1"}', "missing head, key_id, position, signature, time"),
    ("[]", "not a JSON object"),
    ("null", "not a JSON object"),
])
def test_a_line_that_is_not_a_checkpoint_says_why(text, problem):
    with pytest.raises(CheckpointError, match=problem):
        parse_line(text)


@pytest.mark.parametrize(("member", "value"), [
    ("position", 0), ("position", True), ("position", "7"), ("position", 2**53),
    ("head", HEAD.upper()), ("head", HEAD + "\n"), ("time", "2026-03-04T05:06:07Z"),
    ("key_id", "ed25519-" + "0" * 15), ("format", "hub-audit-checkpoint/2"), ("signature", "AA=="),
])
def test_every_member_is_checked_whole(member, value):
    raw = parse_line(sign_checkpoint(KEY, 7, HEAD, AT).to_line())
    document = {**raw.members(), "signature": "A" * 86 + "=="}
    document[member] = value
    with pytest.raises(CheckpointError, match=member if member != "format" else "format"):
        parse_line(json.dumps(document))


def test_a_line_signed_by_another_key_or_with_no_key_to_check_is_refused():
    checkpoint = sign_checkpoint(SigningKey.generate(), 7, HEAD, AT)
    with pytest.raises(CheckpointError, match="not the keyring's checkpoint-signing key"):
        check_signature(checkpoint, KEY)
    with pytest.raises(CheckpointError, match="hub keys rotate"):
        check_signature(checkpoint, None)


def test_checkpoints_are_checked_by_looking_up_their_positions_not_by_another_pass(
        session, monkeypatch):
    add_events(session, 30)
    assert seal(session, now=NOW).sealed == 30
    heads = {int(p): str(h) for p, h in session.execute(select(AuditSeal.position, AuditSeal.hash))}
    lines = [(position, sign_checkpoint(KEY, position, heads[position], AT).to_line())
             for position in range(1, 26)]
    signed = check_lines(lines, KEY, workers=2, chunk_size=4)
    assert (signed.bad_lines, sorted(signed.heads)) == (0, list(range(1, 26)))
    monkeypatch.setattr(checkpoints, "LOOKUP_BATCH", 10)
    statements: list[str] = []
    engine = session.get_bind().engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = verify_checkpoints(session, signed)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert (result.ok, result.verified, result.newest) == (True, 25, 25)
    lookups = [s for s in statements if "audit_seals.position IN" in s]
    assert len(lookups) == 3  # 25 positions, 10 at a time, on the primary key
    assert len(statements) == 4  # and the chain's top position
