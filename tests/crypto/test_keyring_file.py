"""`hub keys init` and loading keyrings: the file is private, never overwritten, and checked."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

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
