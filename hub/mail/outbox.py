"""Writing e-mail: a message is queued in the transaction of the change that causes it.

A message says what happened and where to look: a case reference and a link, never a name, an
address of the person concerned or a risk detail (invariant 6). The callers' templates hold
that; this module refuses what would corrupt the message itself (a line break in a header, an
address that is not one).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from hub.agencies.services import EMAIL
from hub.errors import ValidationFailed
from hub.mail.models import OutboxMessage

CALENDAR_METHODS = frozenset({"REQUEST", "CANCEL", "REPLY", "PUBLISH"})


def enqueue(db: Session, *, kind: str, recipient: str, subject: str, body: str, now: datetime,
            case_id: uuid.UUID | None = None, link_path: str | None = None,
            calendar: str | None = None, calendar_method: str | None = None) -> OutboxMessage:
    """Queue one message to one recipient, to be sent by the ``outbox`` job; flushed, not committed."""
    problems: dict[str, str] = {}
    if not EMAIL.fullmatch(recipient) or len(recipient) > 320:
        problems["recipient"] = "Enter an e-mail address like name@example.org"
    if not subject.strip() or len(subject) > 200 or any(c in subject for c in "\r\n"):
        problems["subject"] = "A subject is one line of at most 200 characters"
    if link_path is not None and (not link_path.startswith("/") or link_path.startswith("//")
                                  or any(c.isspace() for c in link_path)):
        problems["link_path"] = "A link is a path on the hub, starting with one /"
    if (calendar is None) != (calendar_method is None) or (
            calendar_method is not None and calendar_method not in CALENDAR_METHODS):
        problems["calendar_method"] = "A calendar needs its METHOD (REQUEST, CANCEL, REPLY, PUBLISH)"
    if problems:
        raise ValidationFailed(problems)
    message = OutboxMessage(
        id=uuid.uuid4(), kind=kind, case_id=case_id, recipient=recipient, subject=subject,
        body=body, link_path=link_path, calendar=calendar, calendar_method=calendar_method,
        created_at=now, next_attempt_at=now, attempts=0, resent_after_crash=False,
    )
    db.add(message)
    db.flush()
    return message
