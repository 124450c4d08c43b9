"""A throwaway PostgreSQL cluster on loopback, started with the machine's initdb and pg_ctl.

Used by the test fixtures and by the benchmarks (`bench/`): no fsync, since neither measures the disk.

PostgreSQL refuses to run as root, so when the tests run as root (CI) the cluster belongs to
the ``postgres`` system user and is driven through ``runuser``.
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

CANDIDATE_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _find(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    for directory in CANDIDATE_BIN_DIRS:
        if (directory / tool).exists():
            return str(directory / tool)
    return None


@dataclass
class PostgresCluster:
    root: Path
    port: int
    as_postgres_user: bool
    pg_ctl: str

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def drop_database(self, name: str) -> None:
        """Drop a database a test made, ending any connection left to it: the cluster stays the
        size of what the running tests use."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        _run(self.as_postgres_user,
             [self.pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _run(as_postgres: bool, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)


def start_cluster() -> PostgresCluster:
    """Start a fresh cluster; raises RuntimeError naming what is missing."""
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                           "install the Debian package 'postgresql'")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
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
    cluster = PostgresCluster(root, port, as_postgres, pg_ctl)
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
