"""Each package's API blueprint under /api/v1, so endpoint names never collide across packages."""

from __future__ import annotations

from flask import Blueprint

API_PREFIX = "/api/v1"


def api_blueprint(package: str, import_name: str) -> Blueprint:
    """The JSON blueprint of one package: endpoints are named ``<package>_api.<view>``."""
    return Blueprint(f"{package}_api", import_name, url_prefix=API_PREFIX)
