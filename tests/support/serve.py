"""Running a real hub server process in a test: wait for `/healthz`, then stop it cleanly."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable

import pytest
import requests


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
