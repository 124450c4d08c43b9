"""GET /api/v1/openapi.json: the contract, generated from the schemas that validate requests."""

from __future__ import annotations

from typing import Any

from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.openapi import build_document

api = api_blueprint("meta", __name__)


@endpoint(api, "GET", "/openapi.json", summary="This document (OpenAPI 3.1)",
          permission=Permission.PUBLIC)
def openapi_document() -> dict[str, Any]:
    return build_document("Safeguarding hub API", "1")
