"""`hub keys reindex`: blind indexes written under an older normalisation are recomputed, so
repeat MARAC referrals of the same person are found again (DESIGN.md invariant 4)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub.actor import Actor
from hub.agencies.models import User
from hub.app import create_app
from hub.audit.models import AuditEvent
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind, CaseStatus
from hub.cases.reindex import reindex_subjects
from hub.config import Policy, Settings
from hub.crypto.blind_index import identity_index, unmatchable_index
from hub.crypto.envelope import DecryptionError, Envelope, destroy_case_keys
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from tests.crypto.cli import assert_clean_refusal, hub_env, run_hub
from tests.support.factories.core import Factory

NAME, DOB = "Siân O\u2019Brien", "1984-03-09"


def v1_index(key: bytes, normalised: str, dob: str) -> str:
    """What hub-identity-v1 stored: NAME was "sian obrien", and "--" was ""."""
    return hmac.new(key, f"hub-identity-v1\x1f{normalised}\x1f{dob}".encode(),
                    hashlib.sha256).hexdigest()


@dataclass
class World:
    database: Database
    keyring_path: Path
    url: str
    token: str
    worker_id: uuid.UUID
    stale: uuid.UUID  # a MARAC referral of NAME whose index v1 wrote
    nameless: list[uuid.UUID]  # two subjects named "--", written before such names were refused

    def keyring(self) -> Keyring:
        return Keyring.load(self.keyring_path)

    def env(self) -> dict[str, str]:
        return hub_env(HUB_DATABASE_URL=self.url, HUB_KEYRING=str(self.keyring_path))

    def indexes(self) -> dict[uuid.UUID, str]:
        with self.database.transaction() as session:
            return dict(session.execute(select(Case.id, Case.subject_index)).all())

    def client(self):
        settings = Settings(database_url=self.url, secret_key="reindex-test-secret",
                            keyring_path=self.keyring_path, base_url="http://127.0.0.1:5000",
                            policy=Policy())
        return create_app(settings, database=self.database).test_client()


def _overwrite_subject(session, envelope: Envelope, case: Case, name: str) -> None:
    plaintext = json.dumps({"name": name, "date_of_birth": DOB}).encode()
    ciphertext = envelope.encrypt(session, plaintext, case_services.subject_binding(case.id, 1),
                                  case_uuid=case.id, now=utcnow())
    session.execute(update(Case).where(Case.id == case.id).values(subject_ciphertext=ciphertext))


@pytest.fixture
def world(fresh_database_url: str, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "keyring.json"
    ring = Keyring.generate()
    ring.save(path)
    key = ring.blind_index_key
    database = Database(fresh_database_url)
    session = database.session()
    envelope = Envelope(ring)
    make = Factory(session, envelope)
    worker = make.user(make.agency(kind="idva"))
    stale = make.case(worker, kind=CaseKind.MARAC, name=NAME, dob=date.fromisoformat(DOB))
    nameless = [make.case(worker, name=f"Placeholder {n}", dob=date.fromisoformat(DOB))
                for n in range(2)]
    session.execute(update(Case).where(Case.id == stale.id)
                    .values(subject_index=v1_index(key, "sian obrien", DOB)))
    for case in nameless:
        _overwrite_subject(session, envelope, case, "--")
        session.execute(update(Case).where(Case.id == case.id)
                        .values(subject_index=v1_index(key, "", DOB)))
    session.commit()
    token = make.token(worker)
    ids = worker.id, stale.id, [c.id for c in nameless]
    session.close()
    yield World(database, path, fresh_database_url, token, *ids)
    database.engine.dispose()


def test_keys_reindex_recomputes_stale_indexes_and_the_repeat_is_found_again(world):
    key = world.keyring().blind_index_key
    assert world.indexes()[world.stale] != identity_index(key, NAME, DOB)
    # Before: the same person's new referral is not seen to repeat the stale one (asked through
    # the services, in a transaction that is then thrown away).
    session = world.database.session()
    user = session.get(User, world.worker_id)
    unseen = case_services.create_case(
        session, Actor(user, "test"), kind=CaseKind.MARAC,
        subject=case_services.Subject("SIAN O'BRIEN", date.fromisoformat(DOB)), agency_codes=[],
        envelope=Envelope(world.keyring()), policy=Policy(), now=utcnow())
    assert case_services.case_flags(session, user, [unseen]) == {unseen.id: []}
    session.rollback()
    session.close()

    result = run_hub("keys", "reindex", env=world.env())

    assert result.returncode == 0, result.stderr
    assert "3 case subjects checked; 3 blind indexes recomputed" in result.stdout
    assert "re-indexing case subjects [" in result.stderr
    assert "100% 3/3" in result.stderr
    assert "Traceback" not in result.stderr
    refs = {c.id: c.ref for c in _cases(world)}
    assert "2 cases have a subject name without letters" in result.stdout
    assert all(refs[case_id] in result.stdout for case_id in world.nameless)
    assert "--" not in result.stdout  # references, never names
    indexes = world.indexes()
    assert indexes[world.stale] == identity_index(key, NAME, DOB)
    # The nameless no longer match each other (nor anyone): each has an index of its own.
    assert [indexes[c] for c in world.nameless] == [unmatchable_index(key, str(c))
                                                    for c in world.nameless]
    with world.database.transaction() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.reindex")).one()
        assert audited.details == {"index_version": "hub-identity-v2", "checked": 3, "changed": 3,
                                   "unmatchable": 2}
        assert audited.outcome == "success"

    # After: the same person's referral, typed differently, is a repeat.
    again = world.client().post("/api/v1/cases", headers={"Authorization": f"Bearer {world.token}"},
                                json={"kind": "marac", "subject": {"name": "SIAN O'BRIEN",
                                                                   "date_of_birth": DOB}})
    assert again.status_code == 201, again.get_data(as_text=True)
    assert again.json["flags"] == ["repeat"]


def test_keys_reindex_twice_changes_nothing_the_second_time(world):
    assert run_hub("keys", "reindex", env=world.env()).returncode == 0
    before = world.indexes()
    second = run_hub("keys", "reindex", env=world.env())
    assert second.returncode == 0, second.stderr
    assert "3 case subjects checked; 0 blind indexes recomputed" in second.stdout
    assert world.indexes() == before
    with world.database.transaction() as session:
        runs = session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.reindex")).all()
    assert [r.details["changed"] for r in runs] == [3, 0]


def test_keys_reindex_without_a_keyring_is_refused(world):
    env = {k: v for k, v in world.env().items() if k != "HUB_KEYRING"}
    result = run_hub("keys", "reindex", env=env)
    assert_clean_refusal(result, "HUB_KEYRING")
    assert world.indexes()[world.stale] != identity_index(world.keyring().blind_index_key, NAME, DOB)


def test_a_subject_that_fails_to_decrypt_stops_the_reindex_loudly(world):
    with world.database.transaction() as session:
        blob = bytearray(session.get(Case, world.stale).subject_ciphertext)
        blob[-1] ^= 0x01
        session.execute(update(Case).where(Case.id == world.stale).values(subject_ciphertext=bytes(blob)))
    result = run_hub("keys", "reindex", env=world.env())
    assert_clean_refusal(result, "decryption failed")
    with world.database.transaction() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.reindex")).all() == []


def test_reindex_walks_every_case_in_batches_and_skips_shredded_ones(database, session, envelope):
    make = Factory(session, envelope)
    worker = make.user(make.agency())
    cases = [make.case(worker, name=f"Batch Person {n}") for n in range(5)]
    shredded = make.case(worker, name="Shredded Person")
    destroy_case_keys(session, shredded.id)
    session.execute(update(Case).where(Case.id == shredded.id)
                    .values(status=CaseStatus.SHREDDED, subject_index="0" * 64))
    session.execute(update(Case).where(Case.id.in_([c.id for c in cases[:2]]))
                    .values(subject_index="f" * 64))
    session.commit()
    indexable = len(session.scalars(select(Case.id).where(Case.status != CaseStatus.SHREDDED)).all())
    steps: list[int] = []

    done = reindex_subjects(database, envelope, now=utcnow(), progress=steps.append, batch_size=2)

    assert done.changed == 2
    assert done.checked == indexable >= 5
    assert sum(steps) == done.checked
    assert max(steps) <= 2
    key = envelope.keyring.blind_index_key
    session.expire_all()
    for n, case in enumerate(cases):
        assert session.get(Case, case.id).subject_index == identity_index(key, f"Batch Person {n}",
                                                                          "1980-05-17")
    assert session.get(Case, shredded.id).subject_index == "0" * 64
    with pytest.raises(DecryptionError):
        case_services.read_subject(session, shredded, envelope)


def _cases(world: World) -> list[Case]:
    with world.database.transaction() as session:
        cases = list(session.scalars(select(Case)))
        session.expunge_all()
    return cases
