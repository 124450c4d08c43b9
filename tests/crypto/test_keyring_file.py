"""`hub keys init` and loading keyrings: the file is private, never overwritten, and checked."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from hub.crypto.keyring import Keyring, KeyringError
from tests.crypto.cli import assert_clean_refusal, hub_env, run_hub


def test_keys_init_writes_a_private_keyring_with_an_active_kek_and_a_blind_index_key(tmp_path):
    path = tmp_path / "secrets" / "keyring.json"
    result = run_hub("keys", "init", str(path))
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = json.loads(path.read_text())
    assert raw["active_kek"] in raw["keks"]
    assert len(base64.b64decode(raw["keks"][raw["active_kek"]])) == 32
    assert len(base64.b64decode(raw["blind_index_key"])) == 32
    assert raw["blind_index_key"] != raw["keks"][raw["active_kek"]]
    ring = Keyring.load(path)
    assert ring.active_kek_id == raw["active_kek"]
    assert raw["active_kek"] in result.stdout
    assert [p.name for p in path.parent.iterdir()] == ["keyring.json"]  # no temporary left over


def test_two_keyrings_never_share_keys(tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert run_hub("keys", "init", str(one)).returncode == 0
    assert run_hub("keys", "init", str(two)).returncode == 0
    a, b = Keyring.load(one), Keyring.load(two)
    assert a.active_kek != b.active_kek
    assert a.blind_index_key != b.blind_index_key


def test_keys_init_refuses_to_overwrite_an_existing_file(tmp_path):
    path = tmp_path / "keyring.json"
    assert run_hub("keys", "init", str(path)).returncode == 0
    before = path.read_bytes()
    again = run_hub("keys", "init", str(path))
    assert_clean_refusal(again, "already exists", "refusing to overwrite")
    assert path.read_bytes() == before
    other = tmp_path / "notes.txt"
    other.write_text("not a keyring, but precious")
    assert_clean_refusal(run_hub("keys", "init", str(other)), "already exists")
    assert other.read_text() == "not a keyring, but precious"


def test_keys_init_needs_a_path_and_refuses_a_directory(tmp_path):
    missing = run_hub("keys", "init")
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
    assert "PATH" in missing.stderr
    directory = run_hub("keys", "init", str(tmp_path))
    assert directory.returncode != 0
    assert "Traceback" not in directory.stderr
    assert "directory" in directory.stderr


def _good(tmp_path: Path) -> dict:
    ring = Keyring.generate()
    ring.save(tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text())


MALFORMED = {
    "not json": lambda raw: "{not json",
    "a list": lambda raw: "[]",
    "unknown format": lambda raw: json.dumps({**raw, "format": 99}),
    "no keks": lambda raw: json.dumps({k: v for k, v in raw.items() if k != "keks"}),
    "empty keks": lambda raw: json.dumps({**raw, "keks": {}}),
    "active kek missing": lambda raw: json.dumps({**raw, "active_kek": "kek-nope"}),
    "kek not base64": lambda raw: json.dumps({**raw, "keks": {raw["active_kek"]: "***"}}),
    "kek too short": lambda raw: json.dumps(
        {**raw, "keks": {raw["active_kek"]: base64.b64encode(b"short").decode()}}),
    "kek a number": lambda raw: json.dumps({**raw, "keks": {raw["active_kek"]: 12}}),
    "no blind index key": lambda raw: json.dumps(
        {k: v for k, v in raw.items() if k != "blind_index_key"}),
    "kek id too long": lambda raw: json.dumps(
        {**raw, "active_kek": "k" * 65, "keks": {"k" * 65: raw["keks"][raw["active_kek"]]}}),
    "signing key not an object": lambda raw: json.dumps({**raw, "checkpoint_signing_key": "x"}),
    "signing key without its id": lambda raw: json.dumps(
        {**raw, "checkpoint_signing_key": {"ed25519": raw["checkpoint_signing_key"]["ed25519"]}}),
    "signing key not base64": lambda raw: json.dumps(
        {**raw, "checkpoint_signing_key": {**raw["checkpoint_signing_key"], "ed25519": "***"}}),
    "signing key too short": lambda raw: json.dumps(
        {**raw, "checkpoint_signing_key": {**raw["checkpoint_signing_key"],
                                           "ed25519": base64.b64encode(b"short").decode()}}),
    "signing key id not its key's": lambda raw: json.dumps(
        {**raw, "checkpoint_signing_key": {**raw["checkpoint_signing_key"],
                                           "id": "ed25519-0000000000000000"}}),
}


@pytest.mark.parametrize("fault", sorted(MALFORMED))
def test_malformed_keyrings_are_refused_with_a_clear_error(tmp_path, fault):
    path = tmp_path / "keyring.json"
    path.write_text(MALFORMED[fault](_good(tmp_path)))
    with pytest.raises(KeyringError, match="keyring"):
        Keyring.load(path)


@pytest.mark.parametrize("fault", ["not json", "active kek missing", "kek too short"])
def test_keys_rotate_with_a_malformed_keyring_exits_non_zero_without_a_traceback(
    tmp_path, fresh_database_url, fault
):
    path = tmp_path / "keyring.json"
    path.write_text(MALFORMED[fault](_good(tmp_path)))
    before = path.read_bytes()
    result = run_hub("keys", "rotate", env=hub_env(HUB_DATABASE_URL=fresh_database_url,
                                                   HUB_KEYRING=str(path)))
    assert_clean_refusal(result, str(path))
    assert path.read_bytes() == before


def test_keys_rotate_with_a_missing_or_unset_keyring_exits_non_zero(tmp_path, fresh_database_url):
    missing = tmp_path / "nowhere.json"
    result = run_hub("keys", "rotate", env=hub_env(HUB_DATABASE_URL=fresh_database_url,
                                                   HUB_KEYRING=str(missing)))
    assert_clean_refusal(result, "not found", str(missing))
    assert not missing.exists()
    unset = run_hub("keys", "rotate", env=hub_env(HUB_DATABASE_URL=fresh_database_url))
    assert_clean_refusal(unset, "HUB_KEYRING")


def test_keys_init_writes_a_checkpoint_signing_key_whose_id_is_derived_from_its_public_key(tmp_path):
    path = tmp_path / "keyring.json"
    assert run_hub("keys", "init", str(path)).returncode == 0
    stored = json.loads(path.read_text())["checkpoint_signing_key"]
    key = Keyring.load(path).signing_key
    assert key is not None
    assert base64.b64decode(stored["ed25519"]) == key.seed
    raw = key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert stored["id"] == key.id == "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]
    assert stored["ed25519"] not in repr(Keyring.load(path)) + repr(key)


def test_a_keyring_written_before_signed_checkpoints_still_loads_and_keeps_its_keys(tmp_path):
    """The file format of the previous release: no checkpoint_signing_key member."""
    ring = Keyring.generate()
    ring.save(tmp_path / "new.json")
    raw = json.loads((tmp_path / "new.json").read_text())
    del raw["checkpoint_signing_key"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(raw, indent=2))
    loaded = Keyring.load(old)
    assert loaded.signing_key is None
    assert (loaded.keks, loaded.active_kek_id, loaded.blind_index_key) == (
        ring.keks, ring.active_kek_id, ring.blind_index_key)
    loaded.save(old, overwrite=True)  # saving does not invent a key behind the operator's back
    assert "checkpoint_signing_key" not in json.loads(old.read_text())


def test_rotation_gives_an_old_keyring_a_signing_key_and_keeps_an_existing_one(tmp_path):
    old = replace(Keyring.generate(), signing_key=None)
    rotated = old.with_new_active_kek()
    assert rotated.signing_key is not None
    assert set(old.keks) < set(rotated.keks)
    again = rotated.with_new_active_kek()
    assert again.signing_key == rotated.signing_key
    again.save(tmp_path / "keyring.json")
    assert Keyring.load(tmp_path / "keyring.json").signing_key == rotated.signing_key
