"""The consent package's dashboard panel."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.agencies.models import User
from hub.web.panels import Panel


def dashboard_panel(db: Session, user: User) -> Panel | None:
    return None
