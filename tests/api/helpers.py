"""What the API tests share: counting every table's rows, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import metadata


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the schema (cases, memberships, data keys, audit events, ...)."""
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in metadata.sorted_tables
    }
