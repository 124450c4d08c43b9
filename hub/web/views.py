"""Health check, home/dashboard (with the panels packages register) and the sign-in page shell."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from hub import context
from hub.access import Permission, has_permission, requires
from hub.cases import services as case_services
from hub.signin.rules import safe_next_path
from hub.web.panels import dashboard_panels

web = Blueprint("web", __name__)
_ANY_CASE = uuid.UUID(int=0)


@web.get("/healthz")
@requires(Permission.PUBLIC)
def healthz() -> ResponseReturnValue:
    """200 once the database answers; 503 otherwise (for load balancers)."""
    try:
        context.db().execute(text("SELECT 1"))
    except Exception:
        context.db().rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@web.get("/sign-in")
@requires(Permission.PUBLIC)
def sign_in() -> ResponseReturnValue:
    """One button per configured provider; a local `next` path is carried through sign-in."""
    providers = context.state().settings.providers
    next_path = safe_next_path(request.args.get("next"))
    return render_template("web/sign_in.html", providers=providers, next_path=next_path)


@web.get("/")
@requires(Permission.SIGNED_IN)
def dashboard() -> ResponseReturnValue:
    user = context.user()
    assert user is not None
    cases = case_services.case_lines(context.db(), user, limit=50)
    # One url_for for the list, not one per row (werkzeug's URL building was a tenth of the page).
    case_url = url_for("cases.case_page", case_id=_ANY_CASE).removesuffix(str(_ANY_CASE))
    return render_template("web/dashboard.html", user=user, cases=cases, case_url=case_url,
                           panels=dashboard_panels(context.db(), user),
                           may_open_case=has_permission(user, Permission.CASE_CREATE))

