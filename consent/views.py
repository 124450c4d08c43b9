"""The consent package's case pages: consent records, the guided disclosure-decision form, the
decisions of a case with their correction chains, and the case's membership history."""

from __future__ import annotations

from flask import Blueprint

pages = Blueprint("consent", __name__)
