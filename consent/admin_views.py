"""Pages outside any one case: the information-sharing agreements register, the IG review
queue and the disclosure report."""

from __future__ import annotations

from flask import Blueprint

admin_pages = Blueprint("consent_admin", __name__)
