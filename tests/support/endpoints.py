"""Every package's API endpoints, for tests that walk them all without building an app first."""

from __future__ import annotations

from hub import wiring
from hub.api.endpoints import REGISTRY, EndpointSpec


def all_endpoints() -> list[EndpointSpec]:
    """Importing each package's blueprints declares their endpoints (hub.api.endpoints.endpoint)."""
    for package in wiring.packages():
        for reference in package.blueprints:
            wiring.load(reference)
    return list(REGISTRY)
