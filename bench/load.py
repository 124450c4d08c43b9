"""Serving an application with gunicorn on loopback and loading it with wrk, bounded in time."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.support.postgres import free_port

HOST = "127.0.0.1"

# wrk's Lua: rotate over many paths (each thread from its own offset), send the same headers,
# and print one machine-readable summary line when done.
LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local n = #paths
local threads = 0
local i = 0

function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  i = offset or 0
end

function request()
  i = i + 1
  return wrk.format("%(method)s", paths[(i %% n) + 1], headers, %(body)s)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"non_2xx_3xx\\": %%d, " ..
    "\\"connect_errors\\": %%d, \\"read_errors\\": %%d, \\"write_errors\\": %%d, " ..
    "\\"timeouts\\": %%d, \\"latency_p50_ms\\": %%.2f, \\"latency_p99_ms\\": %%.2f}\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to (errors under load, a server down)."""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    requests_per_second: float
    non_2xx_3xx: int
    socket_errors: int
    latency_p50_ms: float
    latency_p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def lua_script(path: Path, paths: Sequence[str], headers: dict[str, str], *, method: str = "GET",
               body: str | None = None) -> Path:
    """A wrk script sending ``method`` to each path in turn, with the same headers and body."""
    def quote(value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_./:= -]*", value):
            raise ValueError(f"refusing to embed {value!r} in Lua")
        return f'"{value}"'

    if method not in ("GET", "POST"):
        raise ValueError(f"unexpected method {method!r}")
    if body is not None and ("]==]" in body or "\n" in body):
        raise ValueError("refusing to embed a body that could end Lua's long string")
    path.write_text(LUA % {
        "paths": ", ".join(quote(p) for p in paths),
        "headers": ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in headers.items()),
        "method": method,
        "body": "nil" if body is None else f"[==[{body}]==]",
    }, encoding="utf-8")
    return path


def run_wrk(url: str, script: Path, *, seconds: int, connections: int, threads: int) -> LoadResult:
    """One bounded wrk run; raises BenchError if a single response was not a success."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (make bench installs it: apt-get install -y wrk)")
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise BenchError(f"wrk failed (exit {out.returncode}): {out.stderr.strip() or out.stdout[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    duration = raw["duration_us"] / 1e6
    result = LoadResult(
        requests=raw["requests"], seconds=round(duration, 3),
        requests_per_second=round(raw["requests"] / duration, 1),
        non_2xx_3xx=raw["non_2xx_3xx"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        latency_p50_ms=raw["latency_p50_ms"], latency_p99_ms=raw["latency_p99_ms"],
    )
    if result.non_2xx_3xx or result.socket_errors:
        raise BenchError(f"{url}: {result.non_2xx_3xx} non-2xx responses and {result.socket_errors} "
                         "socket errors under load: a benchmark of errors is worthless")
    if result.requests == 0:
        raise BenchError(f"{url}: no request completed")
    return result


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 5,
        body: bytes | None = None) -> tuple[int, bytes]:
    """GET, or POST when a body is given; the status and the body answered."""
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("the benchmark only talks to loopback")
    req = urllib.request.Request(url, headers=headers or {}, data=body)  # noqa: S310 - loopback http only
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path


@contextmanager
def served(argv: list[str], env: dict[str, str], log_path: Path, *,
           ready_path: str = "/healthz", startup_seconds: float = 60) -> Iterator[Server]:
    """Start a gunicorn server (argv gets ``--port``), wait until it answers, stop it afterwards."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen([*argv, "--port", str(port)], env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://{HOST}:{port}", process, log_path)
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if process.poll() is not None:
                raise BenchError(f"server exited with {process.returncode}; see its log:\n"
                                 + log_path.read_text(errors="replace")[-2000:])
            try:
                status, _body = get(server.base_url + ready_path, timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"server did not answer within {startup_seconds}s")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its living descendants (Linux /proc).

    Throughput moves with whatever else the machine runs; the CPU a server spends per request
    moves much less, so it is reported beside the ratios.
    """
    total, pending, seen = 0.0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]


_STATUS = re.compile(r'" (\d{3}) ')


def statuses_in_log(log_path: Path) -> dict[str, int]:
    """Count the HTTP statuses in a gunicorn access log (the hub's format: '"GET /path" 200 ...').

    wrk counts 3xx as success; a redirect to the sign-in page must not pass for a dashboard.
    """
    counts: dict[str, int] = {}
    for match in _STATUS.finditer(log_path.read_text(errors="replace")):
        counts[match[1]] = counts.get(match[1], 0) + 1
    return counts
