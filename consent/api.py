"""JSON endpoints of the consent package (DESIGN.md §4)."""

from __future__ import annotations

from hub.api.blueprint import api_blueprint

api = api_blueprint("consent", __name__)
