"""`hub serve` as an operator starts it: gunicorn on a real port, answering real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from hub.app import create_app
from hub.cli import cli
from hub.cli import serving as cli_module
from hub.crypto.keyring import Keyring
from hub.serve import gunicorn_options
from tests.cli.support import assert_refused, hub_env, run_hub
from tests.support.postgres import free_port
from tests.support.serve import stop, wait_until_healthy


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    Keyring.generate().save(path)
    return path


def test_serve_answers_health_checks_and_the_cli_token_works_until_the_person_is_deactivated(
    fresh_database_url, keyring_path, tmp_path
):
    env = hub_env(fresh_database_url, keyring_path)
    for args in (["agency", "add", "POL-NS", "--name", "Northshire Police", "--kind", "police"],
                 ["user", "add", "--agency", "POL-NS", "--email", "svc@police.example",
                  "--name", "Records system", "--role", "practitioner"]):
        assert run_hub(*args, env=env, cwd=tmp_path).code == 0
    minted = run_hub("token", "create", "--user", "svc@police.example", env=env, cwd=tmp_path)
    assert minted.code == 0, minted
    secret = minted.stdout.strip()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        health = wait_until_healthy(base, server)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}

        me = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["agency"]["code"] == "POL-NS"
        assert me.json()["email"] == "svc@police.example"
        wrong = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}x"}, timeout=10)
        assert wrong.status_code == 401

        deactivated = run_hub("user", "deactivate", "--email", "svc@police.example", env=env, cwd=tmp_path)
        assert deactivated.code == 0, deactivated
        after = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"},
                             timeout=10)
        assert after.status_code == 401
        assert after.headers["Content-Type"].startswith("application/problem+json")
    finally:
        out, err = stop(server)
    assert server.returncode == 0, err
    assert "Traceback" not in out + err
    # The access log never carries the bearer token.
    assert secret not in out + err
    # One thread per worker (the default) runs as gunicorn's sync worker, which takes a
    # connection only when it is free and closes it after the response.
    assert "Using worker: sync" in err
    assert me.headers["Connection"] == "close"


def test_serve_without_a_secret_key_is_refused(fresh_database_url, keyring_path, tmp_path):
    env = hub_env(fresh_database_url, keyring_path, secret=None)
    result = run_hub("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert_refused(result, "HUB_SECRET_KEY", code=2)


def test_serve_without_a_keyring_is_refused(fresh_database_url, tmp_path):
    env = hub_env(fresh_database_url, None)
    result = run_hub("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert_refused(result, "HUB_KEYRING", "hub keys init", code=2)


def test_serve_with_a_missing_keyring_file_is_refused(fresh_database_url, tmp_path):
    env = hub_env(fresh_database_url, tmp_path / "nowhere.json")
    result = run_hub("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert_refused(result, "keyring file not found")


def test_serve_with_an_unreachable_database_is_refused(keyring_path, tmp_path):
    env = hub_env(f"postgresql+psycopg://hub@127.0.0.1:{free_port()}/hub", keyring_path)
    result = run_hub("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert_refused(result, "cannot use the database")


def test_serve_on_a_port_already_in_use_is_refused(fresh_database_url, keyring_path, tmp_path):
    env = hub_env(fresh_database_url, keyring_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_hub("serve", "--port", str(port), env=env, cwd=tmp_path)
    assert_refused(result, f"cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "70000"], ["--workers", "0"],
                                  ["--port", "http"], ["--threads", "0"], ["--threads", "65"],
                                  ["--threads", "many"]])
def test_serve_refuses_bad_arguments(args, fresh_database_url, keyring_path, tmp_path):
    env = hub_env(fresh_database_url, keyring_path)
    assert_refused(run_hub("serve", *args, env=env, cwd=tmp_path), code=2)


def test_serve_on_a_database_that_was_never_migrated_says_to_upgrade(keyring_path, tmp_path):
    env = hub_env(f"sqlite:///{tmp_path / 'empty.db'}", keyring_path)
    result = run_hub("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert_refused(result, "the database schema is at nothing", "hub db upgrade")


@pytest.mark.parametrize("args", [[], ["--threads", "3"]])
def test_serve_gives_gunicorn_the_threads_asked_for_or_one(
    args, fresh_database_url, keyring_path, tmp_path, monkeypatch
):
    """One thread per worker on either database (see hub.serve.DEFAULT_THREADS), unless the
    operator names a number."""
    started: dict[str, object] = {}
    monkeypatch.setattr(cli_module, "run_server", lambda **kwargs: started.update(kwargs))
    env = hub_env(fresh_database_url, keyring_path)
    result = CliRunner().invoke(cli, ["serve", "--port", str(free_port()), *args], env=env)
    assert result.exit_code == 0, result.output
    expected = 3 if args else 1
    assert started.pop("app_factory") is create_app  # each worker builds the hub itself
    assert started == {"host": "127.0.0.1", "port": started["port"], "workers": 2, "threads": expected}




@pytest.mark.parametrize(("threads", "worker_class"), [(1, "sync"), (2, "gthread"), (4, "gthread")])
def test_one_thread_per_worker_is_a_sync_worker(threads: int, worker_class: str) -> None:
    options = gunicorn_options(host="127.0.0.1", port=8000, workers=2, threads=threads)
    assert options["worker_class"] == worker_class
    assert options["threads"] == threads
    assert options["bind"] == "127.0.0.1:8000"
    assert options["workers"] == 2
    # The access log names the path without its query string, which could hold identifiers.
    assert "%(U)s" in options["access_log_format"]
    assert "%(r)s" not in options["access_log_format"]
    assert "%(q)s" not in options["access_log_format"]


def test_serve_with_threads_runs_gthread_workers_that_answer(fresh_database_url, keyring_path, tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--threads", "2"],
        env=hub_env(fresh_database_url, keyring_path), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        health = wait_until_healthy(f"http://127.0.0.1:{port}", server)
        assert health.json() == {"status": "ok"}
    finally:
        _out, err = stop(server)
    assert server.returncode == 0, err
    assert "Using worker: gthread" in err
