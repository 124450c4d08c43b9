"""GET /api/v1/audit?case={id}: a case's audit trail, for leads, IG and auditors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select

from hub import context
from hub.access import Permission, may_read_case_audit
from hub.api.blueprint import api_v1
from hub.api.endpoints import endpoint
from hub.api.schemas import Output, Query
from hub.audit.models import AuditEvent
from hub.audit.services import record
from hub.errors import NotFound


class AuditQuery(Query):
    case: uuid.UUID = Field(description="case id")
    limit: int = Field(default=500, ge=1, le=5000)
    before: int | None = Field(default=None, ge=1, description="return events with smaller ids")


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


@endpoint(api_v1, "GET", "/audit", summary="Audit events of a case", query=AuditQuery,
          permission=Permission.AUDIT_READ, response=AuditList)
def list_audit(query: AuditQuery) -> dict:
    session = context.db()
    user = context.user()
    assert user is not None
    if not may_read_case_audit(session, user, query.case):
        raise NotFound("No such case")
    stmt = select(AuditEvent).where(AuditEvent.case_id == query.case)
    if query.before:
        stmt = stmt.where(AuditEvent.id < query.before)
    events = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(query.limit)))
    record(session, context.actor(), "audit.read", now=context.now(), object_type="case",
           object_id=query.case, case_id=query.case, details={"count": len(events)})
    return AuditList(events=[AuditEventOut.model_validate(e) for e in events]).model_dump(
        mode="json"
    )
