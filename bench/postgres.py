"""A throwaway PostgreSQL cluster on loopback for the benchmark (its own copy: bench never imports tests).

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _find(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    for directory in BIN_DIRS:
        if (directory / tool).exists():
            return str(directory / tool)
    return None


def _run(as_postgres: bool, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)


@dataclass
class Cluster:
    root: Path
    port: int
    as_postgres: bool
    pg_ctl: str

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _run(self.as_postgres, [self.pg_ctl, "-D", str(self.root / "data"), "-m", "fast", "stop"],
             check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start a fresh cluster tuned like the test one (no fsync: we measure the hub, not the disk)."""
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                           "install the Debian package 'postgresql'")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="hub-bench-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    os.chmod(root, 0o755)  # noqa: S103 - the postgres user must traverse it; holds no secrets
    data, sockets = root / "data", root / "sock"
    _run(as_postgres, ["mkdir", "-p", str(sockets)])
    _run(as_postgres, [initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
    port = free_port()
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               "-c max_connections=200 -c shared_buffers=256MB")
    _run(as_postgres, [pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"),
                       "-w", "-t", "60", "start"])
    cluster = Cluster(root, port, as_postgres, pg_ctl)
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(cluster.admin_url, connect_timeout=2).close()
            return cluster
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.2)
