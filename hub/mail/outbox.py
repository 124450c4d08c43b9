"""Writing e-mail: a message is queued in the transaction of the change that causes it.

A message says what happened and where to look: a case reference and a link, never a name, an
address of the person concerned or a risk detail (invariant 6). The callers' templates hold
that; this module refuses what would corrupt the message itself (a line break in a header, an
address that is not one).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from hub.agencies.services import EMAIL
from hub.db import insert_rows
from hub.errors import ValidationFailed
from hub.mail.models import OutboxMessage

_SPACE = re.compile(r"\s")
CALENDAR_METHODS = frozenset({"REQUEST", "CANCEL", "REPLY", "PUBLISH"})


@dataclass(frozen=True)
class Message:
    """One message to one recipient, as queued: what happened and where to look."""

    kind: str
    recipient: str
    subject: str
    body: str
    case_id: uuid.UUID | None = None
    link_path: str | None = None
    calendar: str | None = None
    calendar_method: str | None = None


def _problems(message: Message, *, address_checked: bool = False) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not address_checked and (not EMAIL.fullmatch(message.recipient) or len(message.recipient) > 320):
        problems["recipient"] = "Enter an e-mail address like name@example.org"
    subject = message.subject
    if not subject.strip() or len(subject) > 200 or "\r" in subject or "\n" in subject:
        problems["subject"] = "A subject is one line of at most 200 characters"
    link = message.link_path
    if link is not None and (not link.startswith("/") or link.startswith("//") or _SPACE.search(link)):
        problems["link_path"] = "A link is a path on the hub, starting with one /"
    method = message.calendar_method
    if (message.calendar is None) != (method is None) or (
            method is not None and method not in CALENDAR_METHODS):
        problems["calendar_method"] = "A calendar needs its METHOD (REQUEST, CANCEL, REPLY, PUBLISH)"
    return problems


def _row(message: Message, now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "kind": message.kind, "case_id": message.case_id,
            "recipient": message.recipient, "subject": message.subject, "body": message.body,
            "link_path": message.link_path, "calendar": message.calendar,
            "calendar_method": message.calendar_method, "created_at": now, "next_attempt_at": now,
            "attempts": 0, "resent_after_crash": False}


def enqueue(db: Session, *, kind: str, recipient: str, subject: str, body: str, now: datetime,
            case_id: uuid.UUID | None = None, link_path: str | None = None,
            calendar: str | None = None, calendar_method: str | None = None) -> OutboxMessage:
    """Queue one message to one recipient, to be sent by the ``outbox`` job; flushed, not committed."""
    message = Message(kind, recipient, subject, body, case_id, link_path, calendar, calendar_method)
    problems = _problems(message)
    if problems:
        raise ValidationFailed(problems)
    row = OutboxMessage(**_row(message, now))
    db.add(row)
    db.flush()
    return row


def enqueue_all(db: Session, messages: Sequence[Message], *, now: datetime) -> int:
    """Queue many messages in one statement (a sweep's thousands), each checked as
    :func:`enqueue` checks one; the first that fails raises before any is written."""
    addresses: set[str] = set()  # a sweep writes to the same few people thousands of times
    for message in messages:
        problems = _problems(message, address_checked=message.recipient in addresses)
        if problems:
            raise ValidationFailed(problems)
        addresses.add(message.recipient)
    return insert_rows(db, cast(Table, OutboxMessage.__table__), [_row(m, now) for m in messages])
