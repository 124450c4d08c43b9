"""The subject's name never reaches the database files, the write-ahead log, or any log output.

DESIGN.md invariants 4 and 5: identities are encrypted before they reach the database, and no
personal data is written to logs, including the SQL echo and the production server's logs.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import update
from sqlalchemy.engine import make_url

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import Case
from hub.config import Policy, Settings
from hub.crypto.blind_index import normalise_name
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, make_engine, utcnow
from tests.crypto.cli import hub_command, hub_env
from tests.support.postgres import PostgresCluster, free_port
from tests.support.serve import stop, wait_until_healthy


def unusual_name() -> str:
    """A name no other test writes, so finding it anywhere can only mean it leaked."""
    letters = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
    return f"Zephyrine Quarrendale-{letters.capitalize()}"


def leaks(name: str) -> list[bytes]:
    """Every spelling of the name that would betray it: as typed, each word, normalised, UTF-16."""
    words = name.replace("-", " ").split()
    forms = {name, normalise_name(name), *[w for w in words if len(w) >= 6]}
    return sorted({f.encode("utf-8") for f in forms} | {name.encode("utf-16-le")} |
                  {f.lower().encode() for f in forms})


def assert_absent(name: str, haystack: bytes, where: str) -> None:
    lowered = haystack.lower()
    for needle in leaks(name):
        assert needle.lower() not in lowered, f"{needle!r} found in {where}"


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    Keyring.generate().save(path)
    return path


def _settings(url: str, keyring_path: Path) -> Settings:
    return Settings(database_url=url, secret_key="no-plaintext-test-secret", keyring_path=keyring_path,
                    base_url="http://127.0.0.1:5000", policy=Policy())


def _officer_token(database: Database, now_code: str, agency_name: str = "Test Police") -> str:
    with database.transaction() as session:
        agency = agency_services.add_agency(session, Actor.system(), code=f"POL-{now_code}",
                                            name=agency_name, kind="police", now=utcnow())
        user = agency_services.add_user(session, Actor.system(), agency_code=agency.code,
                                        email=f"officer-{now_code.lower()}@police.example",
                                        name="Officer", roles=["practitioner"], now=utcnow())
        _token, secret = agency_services.create_token(session, Actor.system(), user=user, days=1,
                                                      now=utcnow())
    return secret


def _create_and_read_cases(app_database: Database, keyring_path: Path, url: str, name: str,
                           canary: str) -> None:
    """Open cases through the API and through the services, then read them back both ways.

    The agency is named ``canary``: agency names are stored in the clear, so the canary shows
    that whatever is searched afterwards really holds what was written.
    """
    secret = _officer_token(app_database, secrets.token_hex(3).upper(), canary)
    headers = {"Authorization": f"Bearer {secret}"}
    client = create_app(_settings(url, keyring_path), database=app_database).test_client()
    ids = []
    for kind in ("adult", "marac", "marac"):
        created = client.post("/api/v1/cases", headers=headers, json={
            "kind": kind, "subject": {"name": name, "date_of_birth": "1961-04-12"}})
        assert created.status_code == 201, created.get_data(as_text=True)
        ids.append(created.json["id"])
    for case_id in ids:
        read = client.get(f"/api/v1/cases/{case_id}", headers=headers)
        assert read.status_code == 200
        assert read.json["subject"]["name"] == name  # the value is really there, encrypted
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    envelope = Envelope(Keyring.load(keyring_path))
    with app_database.transaction() as session:
        case = session.get(Case, uuid.UUID(ids[0]))
        assert case is not None
        assert case_services.read_subject(session, case, envelope).name == name


def _files_under(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def test_the_name_is_in_no_database_file_nor_write_ahead_log(
    fresh_database_url, keyring_file, pg_cluster: PostgresCluster | None
):
    name, canary = unusual_name(), f"Canary Agency {secrets.token_hex(6)}"
    database = Database(fresh_database_url)
    try:
        _create_and_read_cases(database, keyring_file, fresh_database_url, name, canary)
        if pg_cluster is None:
            path = Path(make_url(fresh_database_url).database or "")
            wal = path.with_name(path.name + "-wal")
            # Read while the engine is still open: the WAL still holds the new pages.
            assert wal.exists()
            assert wal.stat().st_size > 0
            files = [path, wal, path.with_name(path.name + "-shm")]
        else:
            with psycopg.connect(pg_cluster.admin_url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")
                oid = conn.execute("SELECT oid FROM pg_database WHERE datname = %s",
                                   (make_url(fresh_database_url).database,)).fetchone()[0]
            # Every file of the cluster but the other databases' own (the tests' many copies).
            data = pg_cluster.root / "data"
            files = [f for f in _files_under(data)
                     if f.relative_to(data).parts[0] != "base" or f.relative_to(data).parts[1] == str(oid)]
        canary_seen = False
        for file in files:
            if file.exists():
                data = file.read_bytes()
                canary_seen = canary_seen or canary.encode() in data
                assert_absent(name, data, str(file.name))
        assert canary_seen, "the scan did not see the rows just written"
    finally:
        database.engine.dispose()
    if pg_cluster is None:
        assert_absent(name, path.read_bytes(), "the database after checkpoint")


def test_the_name_is_in_no_log_line_even_with_sql_echo_at_debug(
    fresh_database_url, keyring_file, caplog, capsys
):
    name, canary = unusual_name(), f"Canary Agency {secrets.token_hex(6)}"
    caplog.set_level(logging.DEBUG)
    # echo="debug" logs every statement, its parameters and every result row.
    database = Database(fresh_database_url,
                        engine=make_engine(fresh_database_url, echo="debug", hide_parameters=False))
    try:
        _create_and_read_cases(database, keyring_file, fresh_database_url, name, canary)
    finally:
        database.engine.dispose()
    text = caplog.text
    assert canary in text  # a clear-text parameter does show up: the logging is really on
    assert "INSERT INTO cases" in text  # the SQL really was logged, parameters and rows too
    assert "SELECT" in text
    assert "Row " in text
    captured = capsys.readouterr()
    assert_absent(name, (text + captured.out + captured.err).encode(), "log output")


def test_the_name_is_in_no_server_log_even_when_a_tampered_case_fails(
    fresh_database_url, keyring_file, tmp_path
):
    name = unusual_name()
    database = Database(fresh_database_url)
    secret = _officer_token(database, "SRV")
    headers = {"Authorization": f"Bearer {secret}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hub_env(HUB_DATABASE_URL=fresh_database_url, HUB_KEYRING=str(keyring_file),
                  HUB_SECRET_KEY="no-plaintext-server-secret")
    server = subprocess.Popen(hub_command("serve", "--port", str(port), "--workers", "1"), env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_healthy(base, server, timeout=90)
        created = requests.post(f"{base}/api/v1/cases", headers=headers, timeout=30, json={
            "kind": "adult", "subject": {"name": name, "date_of_birth": "1961-04-12"}})
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        read = requests.get(f"{base}/api/v1/cases/{case_id}", headers=headers, timeout=30)
        assert read.json()["subject"]["name"] == name
        with database.transaction() as session:
            blob = bytearray(session.get(Case, uuid.UUID(case_id)).subject_ciphertext)
            blob[-1] ^= 0x01
            session.execute(update(Case).where(Case.id == uuid.UUID(case_id))
                            .values(subject_ciphertext=bytes(blob)))
        tampered = requests.get(f"{base}/api/v1/cases/{case_id}", timeout=30,
                                headers={**headers, "X-Request-ID": "tampered-read-42"})
        assert tampered.status_code == 500
        assert "subject" not in tampered.json()
        assert_absent(name, tampered.content, "the 500 response")
    finally:
        out, err = stop(server)
        database.engine.dispose()
    logs = out + err
    assert '"POST /api/v1/cases" 201' in logs  # the access log really was captured
    assert "tampered-read-42" in err
    assert "DecryptionError" in err
    assert_absent(name, logs.encode(), "the server's logs")
