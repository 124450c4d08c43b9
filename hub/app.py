"""The application factory and the request lifecycle (invariants 1, 2 and 8)."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import context, wiring
from hub.access import CASE_SCOPED, Permission, declared_permission, has_permission, take_refused_cases
from hub.actor import Actor
from hub.api.problem import problem, unauthorised
from hub.audit.services import record
from hub.auth import init_auth
from hub.config import ROOT, ConfigError, Settings, load_settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database
from hub.errors import HubError
from hub.security import init_security
from hub.signin.views import init_signin
from hub.web import templating
from hub.web.panels import init_case_panels, init_panels

log = logging.getLogger("hub")


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    keyring: Keyring | None = None,
) -> Flask:
    """Build the hub; refuses to start outside demo mode without a secret key and a keyring."""
    settings = settings or load_settings()
    if not settings.secret_key:
        raise ConfigError("HUB_SECRET_KEY is required (use `hub demo` to try the hub)")
    if keyring is None:
        if settings.keyring_path is None:
            raise ConfigError("HUB_KEYRING is required: create one with `hub keys init PATH`")
        keyring = Keyring.load(settings.keyring_path)

    app = Flask(
        "hub",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "hub" / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        PREFERRED_URL_SCHEME="https" if settings.base_url.startswith("https") else "http",
    )
    if settings.proxy_fix:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_fix, x_proto=settings.proxy_fix,
            x_host=settings.proxy_fix,
        )
    app.extensions[context.EXTENSION] = context.HubState(
        settings, database or Database(settings.database_url), Envelope(keyring)
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    templating.init_templates(app)
    init_auth(app)
    init_signin(app)
    for package in wiring.packages():
        for reference in package.blueprints:
            app.register_blueprint(wiring.load(reference))
        for reference in package.setup:
            wiring.load(reference)(app)
    init_panels(app)
    init_case_panels(app)
    app.view_functions["static"].__dict__["_hub_permission"] = Permission.PUBLIC

    app.before_request(_enforce_declared_permission)
    app.after_request(_finish_unit_of_work)
    init_security(app)  # after the access hook: CSRF and recent sign-in follow the permission check
    app.teardown_request(_close_session)
    app.register_error_handler(HubError, _hub_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _enforce_declared_permission() -> ResponseReturnValue | None:
    """Deny by default: an endpoint without a declared permission is refused (invariant 2)."""
    if request.endpoint is None:
        return None  # routing will answer 404/405
    view = current_app.view_functions.get(request.endpoint)
    permission = declared_permission(view)
    if permission is None:
        log.error("endpoint %s declares no permission; refused", request.endpoint)
        return _respond_error(404, "Not found", "Page not found")
    if permission is Permission.PUBLIC:
        return None
    user = context.user()
    if user is None:
        if wants_json():
            return unauthorised(credentials_sent="Authorization" in request.headers,
                                request_id=context.request_id())
        return redirect(url_for("web.sign_in", next=request.full_path if request.args else request.path))
    details = {"endpoint": request.endpoint, "permission": str(permission)}
    if not has_permission(user, permission):
        case_id = (request.view_args or {}).get("case_id") if permission in CASE_SCOPED else None
        context.defer_audit(action="access.denied", details=details,
                            object_type="case" if case_id else None, object_id=case_id)
        if permission in CASE_SCOPED:
            return _respond_error(404, "Not found", "Page not found")
        return _respond_error(403, "Forbidden", "Your role does not allow this")

    def audit_refused_cases(response: Response) -> Response:
        # A case the access policy refused (404: not a member, or no such case; 403: a member
        # short of the lead scope) is audited, although the refusal rolls the request back
        # (invariant 5): probing for case ids leaves a trace.
        session: Session | None = g.get("db_session")
        refused = take_refused_cases(session) if session is not None else []
        if response.status_code in (403, 404):
            for case_id in refused:
                context.defer_audit(action="access.denied", details=details, object_type="case",
                                    object_id=case_id)
        return response

    after_this_request(audit_refused_cases)
    return None


def _finish_unit_of_work(response: Response) -> Response:
    """Commit the request's changes on success; on any error keep nothing but deferred audits."""
    session: Session | None = g.get("db_session")
    deferred = g.pop("deferred_audit", None)
    # The acting user is resolved while the request session is still usable: on a public route
    # nothing has loaded them yet, and loading them after the rollback opened a new transaction
    # on that session (on SQLite holding the write lock the audit transaction then waited for).
    actor = context.actor() if deferred else None
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            # Detached, the acting user is not reloaded through this session by the deferred audit
            # below (a reload would open a transaction that teardown rolls back, and in the tests'
            # savepoint harness the audit row would go with it).
            session.expunge_all()
            session.rollback()
    if deferred and actor is not None:
        _write_deferred_audit(deferred, actor)
    response.headers["X-Request-ID"] = context.request_id()
    return response


def _write_deferred_audit(events: list[dict[str, Any]], actor: Actor) -> None:
    state = context.state()
    with state.database.transaction() as session:
        for event in events:
            outcome = event.pop("outcome", "denied")
            record(session, actor, event.pop("action"), now=context.now(), outcome=outcome,
                   **event)


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def _respond_error(status: int, title: str, detail: str,
                   errors: dict[str, str] | None = None) -> Response:
    if wants_json():
        return problem(status, title, detail, errors=errors, request_id=context.request_id())
    body = render_template("errors/error.html", status=status, title=title, detail=detail,
                           errors=errors or {})
    return Response(body, status=status, mimetype="text/html")


def _hub_error(exc: HubError) -> Response:
    return _respond_error(exc.status, exc.title, exc.detail, getattr(exc, "errors", None))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    titles = {404: "Page not found", 405: "Method not allowed", 413: "Request too large",
              400: "Bad request"}
    detail = {413: "The request body is larger than allowed",
              404: "Page not found"}.get(status, exc.description or "")
    response = _respond_error(status, titles.get(status, exc.name), detail)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _unexpected_error(exc: Exception) -> Response:
    log.exception("unhandled error in request %s", context.request_id())
    return _respond_error(500, "Sorry, there is a problem with the service",
                          "Try again later. If it keeps happening, quote reference "
                          f"{context.request_id()} to your administrator.")
