"""GET /api/v1/me."""

from __future__ import annotations

import uuid

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.schemas import Output
from hub.cases.schemas import AgencyRef

api = api_blueprint("agencies", __name__)


class MeOut(Output):
    id: uuid.UUID
    name: str
    email: str
    agency: AgencyRef
    roles: list[str]


@endpoint(api, "GET", "/me", summary="Who I am signed in as", permission=Permission.SIGNED_IN,
          response=MeOut)
def me() -> dict:
    user = context.user()
    return MeOut.model_validate(user).model_dump(mode="json")
