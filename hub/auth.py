"""Who is calling: bearer tokens for partner systems (sessions join in the sign-in package)."""

from __future__ import annotations

from flask import Flask, Request, g
from flask_login import LoginManager

from hub import context
from hub.actor import TOKEN_ISSUER
from hub.agencies.models import User
from hub.agencies.services import user_for_token


def _load_from_request(req: Request) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    found = user_for_token(context.db(), credentials.strip(), now=context.now())
    if found is not None:
        g.issuer = TOKEN_ISSUER
        g.auth_method = "bearer"
    return found


def init_auth(app: Flask) -> LoginManager:
    manager = LoginManager()
    manager.request_loader(_load_from_request)
    # Sessions are added by the sign-in package; until then nobody has one.
    manager.user_loader(lambda _id: None)
    manager.init_app(app)
    return manager
