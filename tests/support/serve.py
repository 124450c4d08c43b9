"""Running a real hub server process in a test: wait for `/healthz`, then stop it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from hub.crypto.keyring import Keyring
from tests.cli.support import hub_env, run_hub
from tests.support.postgres import free_port


def wait_until_healthy(
    base: str,
    process: subprocess.Popen[str],
    *,
    timeout: float = 60,
    output: Callable[[], str] | None = None,
) -> requests.Response:
    """Poll `base/healthz` until it answers 200; fail the test if the process dies or time runs out.

    ``output`` reads the process's log when it is not a pipe (e.g. written to a file).
    """
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            logged = output() if output else f"{out or ''}\n{err or ''}"
            pytest.fail(f"server exited with {process.returncode}: {logged}")
        try:
            response = requests.get(f"{base}/healthz", timeout=2)
            if response.status_code == 200:
                return response
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            logged = output() if output else ""
            pytest.fail(f"server did not answer /healthz with 200 within {timeout} s {logged}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[str], *, timeout: float = 30) -> tuple[str, str]:
    """SIGTERM (gunicorn's graceful stop), SIGKILL if it hangs; returns what it printed."""
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return out or "", err or ""


@dataclass(frozen=True)
class ServedHub:
    base: str
    port: int
    headers: dict[str, str]  # a practitioner's bearer token
    log_path: Path


@contextmanager
def hub_with_a_token(database_url: str, tmp_path: Path, *, agency: str,
                     workers: int = 1, partners: tuple[str, ...] = ()) -> Iterator[ServedHub]:
    """`hub serve` on a migrated database with one agency and a practitioner's bearer token, all
    made with the real command line; stopped afterwards. Its log is in ``log_path``.

    ``partners`` are further agency codes registered (kind ``other``), for cases to admit."""
    keyring = tmp_path / "keyring.json"
    Keyring.generate().save(keyring)
    env = hub_env(database_url, keyring)
    email = f"svc@{agency.lower()}.example"
    for args in (["agency", "add", agency, "--name", f"Agency {agency}", "--kind", "police"],
                 ["user", "add", "--agency", agency, "--email", email, "--name", "Records system",
                  "--role", "practitioner"],
                 *[["agency", "add", code, "--name", f"Agency {code}", "--kind", "other"]
                   for code in partners]):
        done = run_hub(*args, env=env, cwd=tmp_path)
        assert done.code == 0, done
    minted = run_hub("token", "create", "--user", email, env=env, cwd=tmp_path)
    assert minted.code == 0, minted
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, output=log_path.read_text)
        yield ServedHub(base, port, {"Authorization": f"Bearer {minted.stdout.strip()}"}, log_path)
    finally:
        stop(process)
