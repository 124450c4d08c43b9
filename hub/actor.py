"""Who is acting: the user, the issuer that vouched for them, and the request they came with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hub.agencies.models import User

SYSTEM_ISSUER = "hub:system"
TOKEN_ISSUER = "hub:api-token"  # noqa: S105 - an issuer label, not a secret


@dataclass(frozen=True)
class Actor:
    user: User | None
    issuer: str | None
    request_id: str | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None

    @property
    def agency_code(self) -> str | None:
        return self.user.agency.code if self.user else None

    @property
    def agency_id(self) -> int | None:
        return self.user.agency_id if self.user else None

    @classmethod
    def system(cls, request_id: str | None = None) -> Actor:
        """The hub itself (scheduled jobs, command line run by an operator)."""
        return cls(user=None, issuer=SYSTEM_ISSUER, request_id=request_id)
