"""Production serving with gunicorn: stateless workers, the app built once per worker."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from hub.app import create_app


class HubServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def serve(*, host: str, port: int, workers: int, extra: dict[str, Any] | None = None) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "accesslog": "-",
        # The access log must not carry query strings (they could hold identifiers).
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "timeout": 60,
    }
    options.update(extra or {})
    HubServer(options).run()
