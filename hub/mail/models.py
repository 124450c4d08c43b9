"""OutboxMessage rows: e-mail waiting to be sent, being sent, sent, or given up after two crashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class OutboxMessage(Base):
    """One e-mail to one recipient. Subject and body carry a case reference and a link, never
    personal data (invariant 6): the recipient's address is the only personal datum, as in
    ``users``. ``link_path`` is joined to the hub's base URL when the message is sent.
    ``message_id`` is fixed the first time the message is handed to SMTP and never changes, so a
    resend is recognisably the same message."""

    __tablename__ = "outbox_messages"
    # The job's one question, "what is due now?", walks this index from its oldest entry; sent
    # and abandoned messages are not in it, so its cost follows what is waiting, not the history.
    __table_args__ = (
        Index("ix_outbox_messages_due", "next_attempt_at",
              postgresql_where=text("sent_at IS NULL AND abandoned_at IS NULL"),
              sqlite_where=text("sent_at IS NULL AND abandoned_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # An iCalendar attachment (iMIP, RFC 6047) and its METHOD, for meeting invitations.
    calendar: Mapped[str | None] = mapped_column(Text, nullable=True)
    calendar_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set, and committed, before the message is handed to SMTP; cleared when that fails. Still set
    # when the job finds the message again: the sender stopped between sending and marking it sent.
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resent_after_crash: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What the last failure was: the exception's class and the SMTP code, never the server's text
    # (which can echo the address back).
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
