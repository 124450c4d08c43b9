"""Real HTTP servers on loopback for tests: a WSGI app in a thread, or `hub demo` as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import requests
from werkzeug.serving import make_server

from tests.support.postgres import free_port

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ROOT = Path(__file__).resolve().parents[2]


class _LateApp:
    """Lets the app be built after the port is known (issuers and redirect URIs carry the port)."""

    app: WSGIApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self.app is not None
        return self.app(environ, start_response)


class LiveServer:
    """A threaded werkzeug server on 127.0.0.1 and a free port, serving `make_app(base_url)`."""

    def __init__(self, make_app: Callable[[str], WSGIApp]) -> None:
        late = _LateApp()
        self._server = make_server("127.0.0.1", 0, late, threaded=True)
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        late.app = make_app(self.base_url)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


HUB = str(Path(sys.executable).with_name("hub"))  # the console script installed beside this Python


def demo_environment(workdir: Path, database_url: str | None) -> dict[str, str]:
    """The environment for `hub demo` in a test: its own instance directory, no inherited HUB_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_INSTANCE"] = str(workdir / "instance")
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["HUB_DATABASE_URL"] = database_url
    return env


class DemoProcess:
    """`hub demo --port N` as a real subprocess with its own instance directory and database."""

    def __init__(self, workdir: Path, database_url: str | None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self._log_path = workdir / "demo.log"
        self._env = demo_environment(workdir, database_url)
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DemoProcess:
        self._log = self._log_path.open("wb")
        self.process = subprocess.Popen([HUB, "demo", "--port", str(self.port)], cwd=self.workdir,
                                        env=self._env, stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub demo exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"hub demo did not answer /healthz within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
