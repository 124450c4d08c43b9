"""GET /api/v1/openapi.json."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from hub.access import Permission, requires
from hub.api.blueprint import api_v1
from hub.api.openapi import build_document


@api_v1.get("/openapi.json")
@requires(Permission.PUBLIC)
def openapi_document() -> ResponseReturnValue:
    return jsonify(build_document("Safeguarding hub API", "1"))
