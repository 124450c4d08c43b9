"""GET /api/v1/audit?case={id}: a case's audit trail, for leads, IG and auditors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.schemas import Output, Query
from hub.audit.services import case_events

api = api_blueprint("audit", __name__)

# Event ids are PostgreSQL BIGINTs; a larger "before" would overflow the query parameter.
MAX_EVENT_ID = 2**63 - 1


class AuditQuery(Query):
    case: uuid.UUID = Field(description="case id")
    limit: int = Field(default=500, ge=1, le=5000)
    offset: int = Field(default=0, ge=0, le=1_000_000, description="how many newest events to skip")
    before: int | None = Field(default=None, ge=1, le=MAX_EVENT_ID,
                               description="return events with smaller ids (the next page)")


class AuditEventOut(Output):
    id: int
    occurred_at: datetime
    request_id: str | None
    user_id: uuid.UUID | None
    agency_code: str | None
    issuer: str | None
    action: str
    object_type: str | None
    object_id: str | None
    case_id: uuid.UUID | None
    outcome: str
    reason: str | None
    details: dict[str, Any]


class AuditList(Output):
    events: list[AuditEventOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")
    next_before: int | None = Field(
        description="pass as `before` for the next (older) page; null on the last page")


@endpoint(api, "GET", "/audit", summary="Audit events of a case", query=AuditQuery,
          permission=Permission.AUDIT_READ, response=AuditList)
def list_audit(query: AuditQuery) -> dict:
    page = case_events(context.db(), context.actor(), query.case, now=context.now(),
                       before=query.before, limit=query.limit, offset=query.offset)
    return AuditList(
        events=[AuditEventOut.model_validate(e) for e in page.events], limit=query.limit,
        offset=query.offset, next_offset=page.next_offset, next_before=page.next_before,
    ).model_dump(mode="json")
