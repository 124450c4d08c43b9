"""`hub keys rotate`: a new active KEK, every data key re-wrapped, every subject still readable."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import Case
from hub.config import Policy, Settings
from hub.crypto.envelope import DecryptionError, Envelope
from hub.crypto.keyring import Keyring
from hub.crypto.models import DataKey
from hub.crypto.rotation import count_keys_not_under, rewrap_all, rewrap_batch, rotate
from hub.db import Database
from tests.conftest import Factory
from tests.crypto.cli import assert_clean_refusal, hub_env, run_hub
from tests.support.factories.consent import ConsentFactory

NAMES = [f"Rotation Person {n:02d}" for n in range(12)]


@dataclass
class World:
    """A committed database with encrypted cases, and the keyring file they were written under."""

    database: Database
    keyring_path: Path
    cases: dict[uuid.UUID, str]
    token: str
    url: str

    def keyring(self) -> Keyring:
        return Keyring.load(self.keyring_path)

    def kek_ids_in_use(self) -> set[str]:
        with self.database.transaction() as session:
            return set(session.scalars(select(DataKey.kek_id)))

    def subjects(self, keyring: Keyring) -> dict[uuid.UUID, str]:
        envelope = Envelope(keyring)
        with self.database.transaction() as session:
            return {
                case.id: case_services.read_subject(session, case, envelope).name
                for case in session.scalars(select(Case))
            }

    def env(self) -> dict[str, str]:
        return hub_env(HUB_DATABASE_URL=self.url, HUB_KEYRING=str(self.keyring_path))


@pytest.fixture
def world(fresh_database_url: str, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "keyring.json"
    ring = Keyring.generate()
    ring.save(path)
    database = Database(fresh_database_url)
    session = database.session()
    make = Factory(session, Envelope(ring))
    police, nhs = make.agency(), make.agency(kind="nhs_acute")
    officer = make.user(police)
    ConsentFactory(make).agreement(police, nhs)
    cases = {make.case(officer, members=(nhs,), name=name).id: name for name in NAMES}
    token = make.token(officer)
    session.close()
    yield World(database, path, cases, token, fresh_database_url)
    database.engine.dispose()


def _api_subjects(world: World, keyring: Keyring | None = None) -> dict[uuid.UUID, str]:
    settings = Settings(database_url=world.url, secret_key="rotation-test-secret",
                        keyring_path=world.keyring_path, base_url="http://127.0.0.1:5000",
                        policy=Policy())
    app = create_app(settings, database=world.database, keyring=keyring)
    client = app.test_client()
    names = {}
    for case_id in world.cases:
        response = client.get(f"/api/v1/cases/{case_id}",
                              headers={"Authorization": f"Bearer {world.token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        names[case_id] = response.json["subject"]["name"]
    return names


def test_keys_rotate_rewraps_every_data_key_under_a_new_kek_and_everything_still_reads(world):
    original = world.keyring()
    assert world.kek_ids_in_use() == {original.active_kek_id}

    result = run_hub("keys", "rotate", env=world.env())

    assert result.returncode == 0, result.stderr
    rotated = world.keyring()
    assert rotated.active_kek_id != original.active_kek_id
    assert set(rotated.keks) == set(original.keks) | {rotated.active_kek_id}
    assert rotated.keks[original.active_kek_id] == original.active_kek  # old KEK kept
    assert rotated.blind_index_key == original.blind_index_key
    assert world.kek_ids_in_use() == {rotated.active_kek_id}
    assert f"{len(NAMES)} data keys re-wrapped" in result.stdout
    assert rotated.active_kek_id in result.stdout
    # The progress bar is on stderr, and reaches the end.
    assert "re-wrapping data keys [" in result.stderr
    assert f"100% {len(NAMES)}/{len(NAMES)}" in result.stderr
    assert "Traceback" not in result.stderr
    assert world.subjects(rotated) == world.cases
    assert _api_subjects(world) == world.cases
    # The new KEK alone opens every data key: the old one is no longer needed for reading.
    only_new = Keyring({rotated.active_kek_id: rotated.active_kek}, rotated.active_kek_id,
                       rotated.blind_index_key)
    assert world.subjects(only_new) == world.cases
    # A keyring that never heard of the new KEK (and has no file to re-read) cannot.
    stale = Keyring(original.keks, original.active_kek_id, original.blind_index_key)
    with pytest.raises(DecryptionError, match="not in the keyring"):
        world.subjects(stale)


def test_keys_rotate_twice_keeps_every_kek_and_every_subject(world):
    first_kek = world.keyring().active_kek_id
    assert run_hub("keys", "rotate", env=world.env()).returncode == 0
    second_kek = world.keyring().active_kek_id
    again = run_hub("keys", "rotate", env=world.env())
    assert again.returncode == 0, again.stderr
    ring = world.keyring()
    assert len({first_kek, second_kek, ring.active_kek_id}) == 3
    assert {first_kek, second_kek, ring.active_kek_id} <= set(ring.keks)
    assert world.kek_ids_in_use() == {ring.active_kek_id}
    assert world.subjects(ring) == world.cases
    assert stat_mode(world.keyring_path) == 0o600


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _running_app(world: World):
    settings = Settings(database_url=world.url, secret_key="rotation-test-secret",
                        keyring_path=world.keyring_path, base_url="http://127.0.0.1:5000",
                        policy=Policy())
    return create_app(settings, database=world.database).test_client()


def test_web_apps_started_before_the_rotation_keep_reading_and_write_under_the_new_kek(world):
    # Running apps hold the keyring they loaded at start; rotation must not lock them out.
    before = world.keyring()
    reader, writer = _running_app(world), _running_app(world)
    headers = {"Authorization": f"Bearer {world.token}"}
    some_case = next(iter(world.cases))
    for client in (reader, writer):
        assert client.get(f"/api/v1/cases/{some_case}", headers=headers).status_code == 200

    assert run_hub("keys", "rotate", env=world.env()).returncode == 0
    assert world.keyring().active_kek_id != before.active_kek_id

    for case_id, name in world.cases.items():
        response = reader.get(f"/api/v1/cases/{case_id}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["subject"]["name"] == name
    # The other app's first act is a write: its new data key is under the new active KEK.
    created = writer.post("/api/v1/cases", headers=headers, json={
        "kind": "child", "subject": {"name": "After Rotation", "date_of_birth": "2015-06-01"}})
    assert created.status_code == 201, created.get_data(as_text=True)
    with world.database.transaction() as session:
        kek_ids = set(session.scalars(select(DataKey.kek_id).where(
            DataKey.case_id == uuid.UUID(created.json["id"]))))
    assert kek_ids == {world.keyring().active_kek_id}


def test_an_interrupted_rotation_leaves_everything_readable_and_can_be_finished(world):
    class Interrupted(Exception):
        pass

    def stop_after_first_batch(_count: int) -> None:
        raise Interrupted

    original = world.keyring()
    with pytest.raises(Interrupted):
        rotate(world.database, world.keyring_path, progress=stop_after_first_batch, batch_size=3)
    half = world.keyring()
    assert half.active_kek_id != original.active_kek_id
    with world.database.transaction() as session:
        under = Counter(session.scalars(select(DataKey.kek_id)))
    assert under == {half.active_kek_id: 3, original.active_kek_id: len(NAMES) - 3}
    # Mixed KEKs: the file holds both, so every subject reads, through services and the API.
    assert world.subjects(half) == world.cases
    assert _api_subjects(world) == world.cases

    # Finishing is just running it again (resumable and idempotent).
    assert rewrap_all(world.database, half, batch_size=5) == len(NAMES) - 3
    assert rewrap_all(world.database, half, batch_size=5) == 0
    assert world.kek_ids_in_use() == {half.active_kek_id}
    assert world.subjects(half) == world.cases


def test_rewrap_batch_rewraps_exactly_the_rows_given(world):
    ring = world.keyring().with_new_active_kek()
    ring.save(world.keyring_path, overwrite=True)
    with world.database.transaction() as session:
        rows = [tuple(r) for r in session.execute(
            select(DataKey.id, DataKey.kek_id, DataKey.wrapped_key, DataKey.case_id)
            .order_by(DataKey.id).limit(4))]
        assert rewrap_batch(session, ring, rows) == 4
    assert count_keys_not_under(world.database, ring.active_kek_id) == len(NAMES) - 4
    assert world.subjects(ring) == world.cases


def test_a_damaged_data_key_stops_the_rotation_loudly_and_nothing_becomes_unreadable(world):
    with world.database.transaction() as session:
        victim = session.scalars(select(DataKey).order_by(DataKey.created_at).limit(1)).one()
        damaged = bytearray(victim.wrapped_key)
        damaged[-1] ^= 0x01
        session.execute(update(DataKey).where(DataKey.id == victim.id).values(wrapped_key=bytes(damaged)))
        victim_id = victim.id
    result = run_hub("keys", "rotate", env=world.env())
    assert_clean_refusal(result, "decryption failed", str(victim_id))
    ring = world.keyring()
    envelope = Envelope(ring)
    with world.database.transaction() as session:
        for case in session.scalars(select(Case)):
            key_id = uuid.UUID(bytes=bytes(case.subject_ciphertext[1:17]))
            if key_id == victim_id:
                with pytest.raises(DecryptionError):
                    case_services.read_subject(session, case, envelope)
            else:
                assert case_services.read_subject(session, case, envelope).name == world.cases[case.id]


def test_keys_rotate_on_an_unreachable_database_changes_no_keyring(world, tmp_path):
    before = world.keyring_path.read_bytes()
    env = {**world.env(), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'none.db'}"}
    result = run_hub("keys", "rotate", env=env)
    assert_clean_refusal(result, "database")
    assert world.keyring_path.read_bytes() == before
    assert json.loads(before)["active_kek"] == world.keyring().active_kek_id


def test_keys_written_by_a_stale_worker_during_the_rotation_are_swept_up_too(world):
    stale = Keyring(dict(world.keyring().keks), world.keyring().active_kek_id,
                    world.keyring().blind_index_key)  # a worker that loaded the file before rotation
    written: dict[uuid.UUID, str] = {}

    def a_worker_opens_cases_meanwhile(_count: int) -> None:
        if written:
            return
        with world.database.transaction() as session:
            make = Factory(session, Envelope(stale))
            officer = make.user(make.agency())
            for n in range(6):
                case = make.case(officer, name=f"Written Meanwhile {n}")
                written[case.id] = f"Written Meanwhile {n}"

    ring, done = rotate(world.database, world.keyring_path, progress=a_worker_opens_cases_meanwhile,
                        batch_size=4)
    assert len(written) == 6
    assert done == len(NAMES) + 6
    assert world.kek_ids_in_use() == {ring.active_kek_id}
    assert world.subjects(ring) == {**world.cases, **written}
