"""Per-request plumbing: request id, the request's database session, the acting user, the clock.

Views and API handlers get everything through these functions; services get it as arguments.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, cast

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import User
from hub.config import Settings
from hub.crypto.envelope import Envelope
from hub.db import Database, utcnow

EXTENSION = "hub"
# Methods that change nothing by HTTP's rules: no CSRF token, and a read-first transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class HubState:
    """What the app factory builds once and every request uses."""

    def __init__(self, settings: Settings, database: Database, envelope: Envelope | None) -> None:
        self.settings = settings
        self.database = database
        self._envelope = envelope

    @property
    def envelope(self) -> Envelope:
        if self._envelope is None:
            raise RuntimeError("no keyring configured (HUB_KEYRING)")
        return self._envelope


def state(app: Flask | None = None) -> HubState:
    return cast(HubState, (app or current_app).extensions[EXTENSION])


def request_id() -> str:
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return cast(str, rid)


def db() -> Session:
    """The request's one session: committed by the app after a successful response (invariant 1)."""
    session = g.get("db_session")
    if session is None:
        # Read first: on SQLite a request takes the write lock at its first write, not at BEGIN,
        # so neither readers nor the reading part of a write queue behind another worker's
        # request (hub.db._sqlite_begin). A form or a decision validates for milliseconds
        # before it writes: holding the lock through that let one worker record at a time.
        session = state().database.session(read_first=True)
        g.db_session = session
    return cast(Session, session)


def now() -> datetime:
    """The request's clock, read once so every row written by the request agrees."""
    moment = g.get("now")
    if moment is None:
        moment = utcnow()
        g.now = moment
    return cast(datetime, moment)


def user() -> User | None:
    u: Any = current_user
    if u is None or not getattr(u, "is_authenticated", False):
        return None
    return cast(User, u._get_current_object() if hasattr(u, "_get_current_object") else u)


def signed_in() -> User:
    """The signed-in user, in a view that only signed-in users reach (hub.web's `login_required`)."""
    found = user()
    assert found is not None, "a view for signed-in users was reached without one"
    return found


def today() -> date:
    """The request's date in the policy's time zone: deadlines and due dates are local dates."""
    return state().settings.policy.local_date(now())


def actor() -> Actor:
    return Actor(user=user(), issuer=g.get("issuer"), request_id=request_id())


def defer_audit(**event: Any) -> None:
    """Queue an audit event (e.g. a refused access) to be written even though the request fails."""
    g.setdefault("deferred_audit", []).append(event)
