"""The ``outbox`` job: send what is due over SMTP, with back-off, and never lose a message.

Every run asks one indexed question (what is unsent and due now), claims the answer and commits
the claim before anything is handed to SMTP: a claim is a lease (``next_attempt_at`` moves on by
:data:`LEASE`), so another run, or this one restarted, leaves a message alone while it is being
sent. Each message is marked sent, and committed, as soon as the server has taken it.

A sender that stops between the server taking a message and the mark being committed leaves the
claim behind (``sending_since``). When the lease has run out the message is sent once more with
the same Message-ID, by which mail clients recognise a duplicate; if that is interrupted too, it
is not sent a third time but marked abandoned, for an administrator to look into. A message the
server refuses, or cannot be reached for, is tried again after a back-off that doubles from
:data:`FIRST_RETRY` to :data:`LONGEST_RETRY` and never gives up: nothing is lost while the
server is down.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit.services import Outcome, record
from hub.config import Settings, SmtpConfig
from hub.jobs import JobContext
from hub.mail.models import OutboxMessage

LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 200
SMTP_TIMEOUT_SECONDS = 30

_DUE = (
    select(OutboxMessage)
    .where(OutboxMessage.sent_at.is_(None), OutboxMessage.abandoned_at.is_(None),
           OutboxMessage.next_attempt_at <= bindparam("as_of"))
    .order_by(OutboxMessage.next_attempt_at)
    .limit(BATCH)
    # Two runs at once on PostgreSQL take different messages; SQLite's write lock serialises them.
    .with_for_update(skip_locked=True)
)

Connect = Callable[[SmtpConfig], smtplib.SMTP]


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1, 2, 4 minutes ... at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def connect(smtp: SmtpConfig) -> smtplib.SMTP:
    """A connection to the configured server: STARTTLS and login when the settings ask."""
    connection = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
        if smtp.username_env:
            username = os.environ.get(smtp.username_env)
            password = os.environ.get(smtp.password_env or "", "")
            if not username:
                raise smtplib.SMTPException(f"{smtp.username_env} is not set")
            connection.login(username, password)
    except BaseException:
        connection.close()
        raise
    return connection


def message_id(message: OutboxMessage, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{message.id.hex}@{domain}>"


def build(message: OutboxMessage, settings: Settings) -> EmailMessage:
    """The e-mail as sent: a plain-text body and the link, and the calendar part if there is one
    (iMIP, RFC 6047: its MIME ``method`` is the calendar's METHOD)."""
    email = EmailMessage()
    email["From"] = settings.smtp.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    assert message.message_id is not None
    email["Message-ID"] = message.message_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the hub
    text = message.body
    if message.link_path:
        text = f"{text.rstrip()}\n\n{settings.base_url.rstrip('/')}{message.link_path}\n"
    email.set_content(text)
    if message.calendar is not None:
        email.add_alternative(message.calendar, subtype="calendar",
                              params={"method": message.calendar_method or "REQUEST"})
    return email


def describe(error: BaseException) -> str:
    """A failure for the row and the audit: its class and SMTP code, not the server's words."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({c for c, _text in error.recipients.values()})
        code = codes[0] if codes else None
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:200]


def deliver_outbox(session: Session, context: JobContext, *, connect: Connect = connect) -> int:
    """Send every message due at ``context.as_of``; returns how many the server took."""
    as_of, settings = context.as_of, context.settings
    claimed: list[OutboxMessage] = []
    for message in session.scalars(_DUE, {"as_of": as_of}).all():
        if message.sending_since is not None:
            # Its last sender stopped between sending and marking it sent.
            if message.resent_after_crash:
                message.abandoned_at = as_of
                message.last_error = "interrupted twice while sending; not sent a third time"
                _audit(session, message, "mail.abandoned", as_of, Outcome.FAILED)
                continue
            message.resent_after_crash = True
        message.message_id = message.message_id or message_id(message, settings.smtp.sender)
        message.sending_since = as_of
        message.next_attempt_at = as_of + LEASE
        claimed.append(message)
    session.commit()  # the claims are durable before anything leaves
    if not claimed:
        return 0
    try:
        connection = connect(settings.smtp)
    except (OSError, smtplib.SMTPException) as error:
        for message in claimed:
            _failed(session, message, error, as_of)
        session.commit()
        return 0
    sent = 0
    with connection:
        for index, message in enumerate(claimed):
            try:
                connection.send_message(build(message, settings), from_addr=settings.smtp.sender,
                                        to_addrs=[message.recipient])
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                for unsent in claimed[index:]:  # the connection is gone: the rest wait too
                    _failed(session, unsent, error, as_of)
                session.commit()
                return sent
            except smtplib.SMTPException as error:
                _failed(session, message, error, as_of)
                session.commit()
                continue
            message.sent_at = as_of
            message.sending_since = None
            message.attempts += 1
            message.last_error = None
            _audit(session, message, "mail.sent", as_of)
            session.commit()
            sent += 1
    return sent


def _failed(session: Session, message: OutboxMessage, error: BaseException, as_of: datetime) -> None:
    message.attempts += 1
    message.sending_since = None
    message.next_attempt_at = as_of + retry_delay(message.attempts)
    message.last_error = describe(error)
    _audit(session, message, "mail.failed", as_of, Outcome.FAILED)


def _audit(session: Session, message: OutboxMessage, action: str, as_of: datetime,
           outcome: Outcome = Outcome.SUCCESS) -> None:
    record(session, Actor.system(), action, now=as_of, object_type="outbox_message",
           object_id=message.id, case_id=message.case_id, outcome=outcome,
           reason=message.last_error if outcome is not Outcome.SUCCESS else None,
           details={"kind": message.kind, "attempts": message.attempts})
