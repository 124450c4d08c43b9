"""The /api/v1 blueprint shared by every package's API module."""

from __future__ import annotations

from flask import Blueprint

api_v1 = Blueprint("api", __name__, url_prefix="/api/v1")
