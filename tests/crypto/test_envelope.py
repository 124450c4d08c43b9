"""Envelope encryption of case subjects: round trips, fresh data keys, and loud failure on tampering.

DESIGN.md invariant 4: AES-256-GCM with a fresh data key per value version, wrapped by a KEK;
associated data binds table, column, row, case and version; crypto-shredding by deleting keys.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select, update

from hub.actor import Actor
from hub.cases import services as case_services
from hub.cases.models import Case
from hub.crypto.envelope import (
    HEADER_BYTES,
    Binding,
    DecryptionError,
    Envelope,
    destroy_case_keys,
)
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.db import utcnow


def _data_key_id(blob: bytes) -> uuid.UUID:
    return uuid.UUID(bytes=bytes(blob[1:17]))


def _subject_binding(case: Case) -> Binding:
    return Binding("cases", "subject", str(case.id), str(case.id), case.subject_version)


def _flip(data: bytes, position: int) -> bytes:
    flipped = bytearray(data)
    flipped[position] ^= 0x01
    return bytes(flipped)


def _set_subject_blob(session, case: Case, blob: bytes) -> None:
    session.execute(update(Case).where(Case.id == case.id).values(subject_ciphertext=blob))
    session.commit()
    session.expire_all()


# --- round trips ---------------------------------------------------------------------------------


def test_subject_round_trips_through_the_api(client, make, session):
    police = make.agency()
    officer = make.user(police)
    headers = make.headers(officer)
    created = client.post("/api/v1/cases", headers=headers, json={
        "kind": "adult", "subject": {"name": "Ffion Ap-Rhys", "date_of_birth": "1975-11-30"}})
    assert created.status_code == 201, created.json
    read = client.get(f"/api/v1/cases/{created.json['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json["subject"] == {"name": "Ffion Ap-Rhys", "date_of_birth": "1975-11-30"}
    stored = session.get(Case, uuid.UUID(created.json["id"]))
    assert b"Ffion" not in stored.subject_ciphertext
    assert b"1975-11-30" not in stored.subject_ciphertext


def test_subject_round_trips_through_services_under_its_own_data_key(make, session, envelope):
    police = make.agency()
    officer = make.user(police)
    case = make.case(officer, name="Ngozi Okafor-Ålund", dob=date(1969, 2, 28))
    keys = session.scalars(select(DataKey).where(DataKey.case_id == case.id)).all()
    assert len(keys) == 1
    assert keys[0].id == _data_key_id(case.subject_ciphertext)
    assert keys[0].kek_id == envelope.keyring.active_kek_id
    case_again, subject = case_services.open_case(session, Actor(officer, "test"), case.id,
                                                  envelope=envelope, now=utcnow())
    assert case_again.id == case.id
    assert subject == case_services.Subject("Ngozi Okafor-Ålund", date(1969, 2, 28))


def test_every_case_and_every_value_version_gets_a_fresh_data_key(make, session, envelope):
    police = make.agency()
    officer = make.user(police)
    before = session.scalar(select(func.count()).select_from(DataKey))
    first = make.case(officer, name="Same Person")
    second = make.case(officer, name="Same Person")
    assert session.scalar(select(func.count()).select_from(DataKey)) == before + 2
    assert _data_key_id(first.subject_ciphertext) != _data_key_id(second.subject_ciphertext)

    # A second version of the same value: another data key row, and the old blob does not
    # pass for the new version.
    v1 = _subject_binding(first)
    v2 = replace(v1, version=2)
    blob2 = envelope.encrypt(session, b'{"name": "Renamed"}', v2, case_uuid=first.id, now=utcnow())
    session.flush()
    assert session.scalar(select(func.count()).select_from(DataKey)) == before + 3
    assert _data_key_id(blob2) not in {_data_key_id(first.subject_ciphertext),
                                       _data_key_id(second.subject_ciphertext)}
    assert envelope.decrypt(session, blob2, v2) == b'{"name": "Renamed"}'
    with pytest.raises(DecryptionError):
        envelope.decrypt(session, first.subject_ciphertext, v2)
    with pytest.raises(DecryptionError):
        envelope.decrypt(session, blob2, v1)


def test_binding_and_data_key_must_name_the_same_case(session, envelope):
    binding = Binding("cases", "subject", "row", str(uuid.uuid4()), 1)
    with pytest.raises(ValueError, match="different cases"):
        envelope.encrypt(session, b"x", binding, case_uuid=uuid.uuid4(), now=utcnow())


# --- tampering -------------------------------------------------------------------------------------


def test_a_flipped_byte_anywhere_in_the_ciphertext_blob_fails_loudly(make, session, envelope):
    police = make.agency()
    case = make.case(make.user(police), name="Tamper Target")
    blob, binding = bytes(case.subject_ciphertext), _subject_binding(case)
    assert json.loads(envelope.decrypt(session, blob, binding))["name"] == "Tamper Target"
    for position in range(len(blob)):
        with pytest.raises(DecryptionError):
            envelope.decrypt(session, _flip(blob, position), binding)
    for damaged in (blob[:-1], blob[:HEADER_BYTES], b"", blob + b"\x00"):
        with pytest.raises(DecryptionError):
            envelope.decrypt(session, damaged, binding)


def test_a_flipped_byte_anywhere_in_the_wrapped_data_key_fails_loudly(make, session, envelope):
    police = make.agency()
    case = make.case(make.user(police))
    key_id = _data_key_id(case.subject_ciphertext)
    wrapped = session.scalar(select(DataKey.wrapped_key).where(DataKey.id == key_id))
    binding = _subject_binding(case)
    for position in range(len(wrapped)):
        session.execute(update(DataKey).where(DataKey.id == key_id)
                        .values(wrapped_key=_flip(wrapped, position)))
        with pytest.raises(DecryptionError, match="failed to unwrap"):
            envelope.decrypt(session, case.subject_ciphertext, binding)
    session.execute(update(DataKey).where(DataKey.id == key_id).values(wrapped_key=wrapped[:-3]))
    with pytest.raises(DecryptionError):
        envelope.decrypt(session, case.subject_ciphertext, binding)


def test_wrapped_keys_swapped_between_two_values_fail(make, session, envelope):
    police = make.agency()
    officer = make.user(police)
    one, two = make.case(officer, name="One Person"), make.case(officer, name="Two Person")
    id_one, id_two = _data_key_id(one.subject_ciphertext), _data_key_id(two.subject_ciphertext)
    wrapped_two = session.scalar(select(DataKey.wrapped_key).where(DataKey.id == id_two))
    session.execute(update(DataKey).where(DataKey.id == id_one).values(wrapped_key=wrapped_two))
    with pytest.raises(DecryptionError):
        envelope.decrypt(session, one.subject_ciphertext, _subject_binding(one))


@pytest.mark.parametrize("moved_to", ["table", "column", "row", "case", "version"])
def test_a_blob_moved_anywhere_else_fails(make, session, envelope, moved_to):
    police = make.agency()
    case = make.case(make.user(police))
    binding = _subject_binding(case)
    other = {
        "table": replace(binding, table="risk_summaries"),
        "column": replace(binding, column="minutes"),
        "row": replace(binding, row_id=str(uuid.uuid4())),
        "case": replace(binding, case_id=str(uuid.uuid4())),
        "version": replace(binding, version=binding.version + 1),
    }[moved_to]
    with pytest.raises(DecryptionError, match="authentication failed"):
        envelope.decrypt(session, case.subject_ciphertext, other)


def test_a_subject_copied_onto_another_case_row_does_not_read(make, session, envelope):
    police = make.agency()
    officer = make.user(police)
    victim = make.case(officer, name="Copied Person")
    target = make.case(officer, name="Target Person")
    _set_subject_blob(session, target, victim.subject_ciphertext)
    reloaded = session.get(Case, target.id)
    with pytest.raises(DecryptionError):
        case_services.read_subject(session, reloaded, envelope)


def test_a_keyring_with_a_different_kek_cannot_read(make, session, envelope, keyring):
    police = make.agency()
    case = make.case(make.user(police))
    binding = _subject_binding(case)
    stranger = Keyring.generate()
    with pytest.raises(DecryptionError, match="not in the keyring"):
        Envelope(stranger).decrypt(session, case.subject_ciphertext, binding)
    # Same KEK id, different key material: the unwrap fails authentication.
    impostor = Keyring({keyring.active_kek_id: stranger.active_kek}, keyring.active_kek_id,
                       keyring.blind_index_key)
    with pytest.raises(DecryptionError, match="failed to unwrap"):
        Envelope(impostor).decrypt(session, case.subject_ciphertext, binding)


def test_destroying_a_cases_data_keys_makes_it_unreadable_and_spares_other_cases(
    make, session, envelope
):
    police = make.agency()
    officer = make.user(police)
    shredded, kept = make.case(officer, name="Shred Me"), make.case(officer, name="Keep Me")
    assert destroy_case_keys(session, shredded.id) == 1
    session.commit()
    assert session.scalar(select(func.count()).select_from(DataKey)
                          .where(DataKey.case_id == shredded.id)) == 0
    with pytest.raises(DecryptionError, match="destroyed or missing"):
        case_services.read_subject(session, shredded, envelope)
    assert case_services.read_subject(session, kept, envelope).name == "Keep Me"
    # The blob itself is still there, and still opaque.
    assert b"Shred" not in session.get(Case, shredded.id).subject_ciphertext


def test_a_tampered_case_read_over_the_api_is_a_500_with_no_plaintext(client, make, session, caplog):
    police = make.agency()
    officer = make.user(police)
    case = make.case(officer, name="Quillon Vexbridge")
    _set_subject_blob(session, case, _flip(case.subject_ciphertext, len(case.subject_ciphertext) - 1))
    caplog.set_level(logging.DEBUG)
    response = client.get(f"/api/v1/cases/{case.id}", headers={
        **make.headers(officer), "X-Request-ID": "tamper-test-0001"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "subject" not in response.json
    assert "Quillon" not in response.get_data(as_text=True)
    assert "tamper-test-0001" in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "tamper-test-0001"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("tamper-test-0001" in r.getMessage() and r.exc_info
               and r.exc_info[0] is DecryptionError for r in errors)
    assert "Quillon" not in caplog.text
    # A shredded case is refused the same way.
    destroy_case_keys(session, case.id)
    session.commit()
    shredded = client.get(f"/api/v1/cases/{case.id}", headers=make.headers(officer))
    assert shredded.status_code == 500
    assert "Quillon" not in shredded.get_data(as_text=True)


def test_data_keys_and_keyrings_do_not_show_their_secrets_in_repr(keyring):
    shown = repr(keyring)
    assert keyring.active_kek_id in shown
    assert keyring.active_kek.hex() not in shown
    assert repr(keyring.active_kek)[2:-1] not in shown
    assert keyring.blind_index_key.hex() not in shown
