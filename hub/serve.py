"""Production serving with gunicorn: stateless workers, the app built once per worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


class HubServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], app_factory: Callable[[], Any]) -> None:
        self.options = options
        self.app_factory = app_factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.app_factory()


# Threads per worker when the operator names none. Measured under `make bench` (2 cores, the
# database on loopback), one thread per worker served more than four on both databases: on SQLite
# a worker's threads only queue for the single write lock, and on PostgreSQL four threads spent
# 12-55% more CPU per request on handing the GIL to each other. A deployment whose database is
# far enough away for workers to wait on the network gives more workers, or `--threads`.
DEFAULT_THREADS = 1


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for `hub serve`; the benchmark's baseline is served with the same.

    One thread per worker means gunicorn's sync worker, more means gthread. A sync worker takes a
    connection only when it is free, so the kernel hands each new connection to an idle worker. A
    gthread worker goes on accepting while its only thread is busy, and keeps each connection
    open for the client's next requests: under `make bench`, one of the two workers held all 32
    connections in about half the runs while the other idled, halving throughput (gunicorn's
    maintainers advise the sync worker for one thread, benoitc/gunicorn#2191). A sync worker does
    not keep connections alive and expects a buffering proxy in front, which a deployment has
    anyway to terminate TLS.
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync" if threads == 1 else "gthread",
        "threads": threads,
        "accesslog": "-",
        # The access log must not carry query strings (they could hold identifiers).
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "timeout": 60,
    }


def serve(*, host: str, port: int, workers: int, threads: int,
          app_factory: Callable[[], Any]) -> None:
    """Run gunicorn in the foreground; each worker builds its application with ``app_factory``."""
    HubServer(gunicorn_options(host=host, port=port, workers=workers, threads=threads),
              app_factory).run()
