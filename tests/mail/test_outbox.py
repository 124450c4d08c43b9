"""The outbox: written in the business transaction, sent by the `outbox` job to a real SMTP server
on loopback, retried with back-off while the server is down or refuses, resent at most once after
a crash between sending and marking sent, always with the same Message-ID."""

from __future__ import annotations

import smtplib
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import jobs as hub_jobs
from hub.audit.models import AuditEvent
from hub.config import Settings, SmtpConfig
from hub.db import Database, utcnow
from hub.errors import ValidationFailed
from hub.jobs import JobContext, run_job
from hub.mail import delivery
from hub.mail.delivery import LEASE, deliver_outbox, retry_delay
from hub.mail.models import OutboxMessage
from hub.mail.outbox import enqueue
from tests.conftest import MAIL_SENDER as SENDER
from tests.conftest import Factory
from tests.support.snapshot import assert_nothing_written, take_snapshot

SUBJECT_NAME = "Rowan Mailtestperson"


def _queue(session: Session, make: Factory, n: int = 1, **changes: object) -> list[OutboxMessage]:
    lead = make.agency()
    case = make.case(make.user(lead), name=SUBJECT_NAME)
    now = utcnow()
    messages = [enqueue(session, **{
        "kind": "test.notice", "recipient": f"lead{k}@{lead.code.lower()}.example",
        "subject": f"Something to look at on case {case.ref}",
        "body": "Something on a case needs you.", "case_id": case.id,
        "link_path": f"/cases/{case.id}", "now": now, **changes}) for k in range(n)]
    session.commit()
    return messages


def _run(session: Session, settings: Settings, at=None, **kwargs) -> int:
    return deliver_outbox(session, JobContext(at or utcnow(), settings), **kwargs)


def _audited(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_queued_message_arrives_with_the_link_and_a_message_id_and_no_personal_data(
        session, make, mail_settings, smtp_server):
    [message] = _queue(session, make)
    assert _run(session, mail_settings) == 1
    [received] = smtp_server.received
    session.refresh(message)
    assert received["Message-ID"] == message.message_id == f"<{message.id.hex}@northshire.example>"
    assert received["From"] == SENDER
    assert received["To"] == message.recipient
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Subject"].startswith("Something to look at on case ")
    body = received.get_content()
    assert f"https://hub.northshire.example/cases/{message.case_id}" in body
    assert SUBJECT_NAME not in received.as_string()
    assert smtp_server.mailbox.envelopes == [(SENDER, [message.recipient])]
    assert message.sent_at is not None
    assert message.attempts == 1
    [event] = _audited(session, "mail.sent")
    assert (event.object_id, event.case_id) == (str(message.id), message.case_id)
    # Sent once: the next run finds nothing due.
    assert _run(session, mail_settings, at=utcnow() + timedelta(hours=2)) == 0
    assert len(smtp_server.received) == 1


def test_a_message_of_a_change_that_rolled_back_is_never_sent(session, make, mail_settings,
                                                              smtp_server):
    savepoint = session.begin_nested()
    enqueue(session, kind="test.notice", recipient="lead@example.org", subject="A notice",
            body="Body", now=utcnow())
    savepoint.rollback()
    assert _run(session, mail_settings) == 0
    assert smtp_server.received == []
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_while_the_server_is_down_nothing_is_lost_and_it_is_sent_when_the_server_returns(
        session, make, mail_settings, smtp_server):
    [message] = _queue(session, make)
    smtp_server.stop()
    failed_at = utcnow()
    assert _run(session, mail_settings, at=failed_at) == 0
    session.refresh(message)
    assert (message.sent_at, message.attempts, message.sending_since) == (None, 1, None)
    assert message.next_attempt_at == failed_at + retry_delay(1)
    assert message.last_error == "ConnectionRefusedError"
    [failure] = _audited(session, "mail.failed")
    assert failure.reason == "ConnectionRefusedError"
    assert message.recipient not in str(failure.details)

    # Before the back-off has passed nothing is tried, even with the server back.
    smtp_server.start()
    assert _run(session, mail_settings, at=failed_at + retry_delay(1) - timedelta(seconds=1)) == 0
    session.refresh(message)
    assert message.attempts == 1
    assert smtp_server.received == []
    assert _run(session, mail_settings, at=failed_at + retry_delay(1)) == 1
    [received] = smtp_server.received
    session.refresh(message)
    assert received["Message-ID"] == message.message_id
    assert message.attempts == 2


def test_a_server_that_refuses_for_now_gets_the_message_when_it_accepts(
        session, make, mail_settings, smtp_server):
    [message] = _queue(session, make)
    smtp_server.mailbox.refuse = "451 4.3.0 Try again later"
    at = utcnow()
    assert _run(session, mail_settings, at=at) == 0
    session.refresh(message)
    assert message.last_error == "SMTPRecipientsRefused 451"
    assert message.sent_at is None
    smtp_server.mailbox.refuse = "550 5.1.1 No such mailbox"
    assert _run(session, mail_settings, at=at + retry_delay(1)) == 0
    session.refresh(message)
    assert (message.attempts, message.last_error) == (2, "SMTPRecipientsRefused 550")
    assert message.next_attempt_at == at + retry_delay(1) + retry_delay(2)
    smtp_server.mailbox.refuse = None
    assert _run(session, mail_settings, at=message.next_attempt_at) == 1
    assert len(smtp_server.received) == 1


def test_the_back_off_doubles_from_thirty_seconds_to_at_most_an_hour():
    assert [retry_delay(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


class Killed(BaseException):
    """The process stops (SIGKILL, power cut) right after the server took the message."""


def _crashing_after_send(smtp: SmtpConfig) -> smtplib.SMTP:
    connection = delivery.connect(smtp)
    real_send = connection.send_message

    def send_then_die(*args, **kwargs):
        real_send(*args, **kwargs)
        raise Killed

    connection.send_message = send_then_die  # type: ignore[method-assign]
    return connection


def test_a_crash_between_sending_and_marking_sent_resends_once_with_the_same_message_id(
        session, make, mail_settings, smtp_server):
    [message] = _queue(session, make)
    crashed_at = utcnow()
    with pytest.raises(Killed):
        _run(session, mail_settings, at=crashed_at, connect=_crashing_after_send)
    session.rollback()  # what the crashed process had not committed is gone
    session.refresh(message)
    assert message.sending_since == crashed_at
    assert message.sent_at is None
    assert len(smtp_server.received) == 1

    # While the claim's lease runs, nobody sends it again.
    assert _run(session, mail_settings, at=crashed_at + LEASE - timedelta(seconds=1)) == 0
    assert _run(session, mail_settings, at=crashed_at + LEASE) == 1
    first, second = smtp_server.received
    assert first["Message-ID"] == second["Message-ID"] == message.message_id
    session.refresh(message)
    assert message.resent_after_crash
    assert message.sent_at is not None
    assert _run(session, mail_settings, at=crashed_at + 10 * LEASE) == 0
    assert len(smtp_server.received) == 2


def test_a_message_interrupted_twice_is_abandoned_not_sent_a_third_time(
        session, make, mail_settings, smtp_server):
    [message] = _queue(session, make)
    at = utcnow()
    for n in range(2):
        with pytest.raises(Killed):
            _run(session, mail_settings, at=at + n * LEASE, connect=_crashing_after_send)
        session.rollback()
    assert _run(session, mail_settings, at=at + 2 * LEASE) == 0
    session.refresh(message)
    assert message.abandoned_at == at + 2 * LEASE
    assert message.sent_at is None
    assert len(smtp_server.received) == 2
    [abandoned] = _audited(session, "mail.abandoned")
    assert abandoned.object_id == str(message.id)
    assert _run(session, mail_settings, at=at + 20 * LEASE) == 0
    assert len(smtp_server.received) == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"recipient": "lead@example.org\r\nBcc: everyone@example.org"}, "recipient"),
    ({"recipient": "not an address"}, "recipient"),
    ({"subject": "A notice\r\nBcc: everyone@example.org"}, "subject"),
    ({"subject": "A notice\n"}, "subject"),
    ({"subject": " "}, "subject"),
    ({"link_path": "//evil.example/cases"}, "link_path"),
    ({"link_path": "https://evil.example/"}, "link_path"),
    ({"link_path": "/cases/1\r\nX: y"}, "link_path"),
    ({"calendar": "BEGIN:VCALENDAR"}, "calendar_method"),
    ({"calendar": "BEGIN:VCALENDAR", "calendar_method": "DELETE"}, "calendar_method"),
])
def test_a_message_that_would_corrupt_its_headers_is_refused_and_nothing_is_written(
        session, changes, field):
    before = take_snapshot(session)
    fields = {"kind": "test.notice", "recipient": "lead@example.org", "subject": "A notice",
              "body": "Body", "now": utcnow(), **changes}
    with pytest.raises(ValidationFailed) as refused:
        enqueue(session, **fields)
    assert field in refused.value.errors
    session.rollback()
    assert_nothing_written(session, before)


def test_two_runs_at_once_send_every_message_exactly_once(fresh_database_url, mail_settings,
                                                          smtp_server, envelope):
    settings = replace(mail_settings, database_url=fresh_database_url)
    database = Database(fresh_database_url)
    with database.transaction() as s:
        _queue(s, Factory(s, envelope), n=30)
    at = utcnow()
    results: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(run_job(database, settings, "outbox", as_of=at))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 30, results
    ids = [m["Message-ID"] for m in smtp_server.received]
    assert len(ids) == len(set(ids)) == 30
    with database.transaction() as s:
        assert s.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 0
    database.engine.dispose()


def test_the_outbox_is_a_registered_job():
    assert "outbox" in hub_jobs.registered_jobs()
