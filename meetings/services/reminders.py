"""The reminders job (DESIGN.md §3): before a meeting, to the people invited; before a MARAC, to
its agencies, to do their research; after a meeting, to the chair, until the minutes are issued.

Set-based: one indexed query per kind finds the meetings in range (each meeting of a series is a
row of its own, made from its RRULE in the policy's zone when the series was convened, so a 10:00
meeting stays at 10:00 across the clock change); one INSERT ... ON CONFLICT DO NOTHING claims
the reminders not yet sent (unique per meeting, kind and occurrence), so a second run, or a second
scheduler, sends nothing more. Each message carries the case references, the time and a link,
never a name (invariant 6).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import Entry, record_all
from hub.cases.models import Case
from hub.config import Policy
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import add_working_days
from meetings.models import Meeting, MeetingCase, MeetingInvitee, MeetingMinutes, MeetingReminder
from meetings.rules import KIND_WORDS, SCHEDULED, MeetingKind

MEETING, RESEARCH, MINUTES = "meeting", "research", "minutes"


@dataclass(frozen=True)
class _Due:
    meeting_id: uuid.UUID
    kind: str
    occurs_at: datetime


# Meetings that start from now to the horizon (each meeting of a series is a row of its own, with
# its own start, moved or not). The index on starts_at bounds the range.
_STARTING = (
    select(Meeting.id, Meeting.starts_at)
    .where(Meeting.status == SCHEDULED, Meeting.starts_at < bindparam("horizon"),
           Meeting.starts_at >= bindparam("now"), Meeting.kind.in_(bindparam("kinds", expanding=True)))
)
# Meetings held in the last weeks whose minutes are not issued.
_MINUTES_OUTSTANDING = (
    select(Meeting.id, Meeting.starts_at, Meeting.ends_at)
    .where(Meeting.status == SCHEDULED,
           Meeting.ends_at <= bindparam("now"), Meeting.ends_at >= bindparam("since"),
           ~select(MeetingMinutes.id).where(MeetingMinutes.meeting_id == Meeting.id,
                                            MeetingMinutes.issued_at.is_not(None)).exists())
)
MINUTES_LOOKBACK = timedelta(days=42)


def _horizon(now: datetime, working_days: int, policy: Policy) -> datetime:
    """The end of the local day `working_days` working days after today."""
    zone = ZoneInfo(policy.timezone)
    last = add_working_days(policy.local_date(now), working_days)
    return datetime.combine(last + timedelta(days=1), time(0), zone)


def _claim(db: Session, due: list[_Due], now: datetime) -> list[_Due]:
    """Record the reminders due; those another run already recorded are not returned."""
    if not due:
        return []
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    claimed = db.execute(
        dialect.insert(MeetingReminder).values([
            {"meeting_id": d.meeting_id, "kind": d.kind, "occurs_at": d.occurs_at, "sent_at": now}
            for d in due])
        .on_conflict_do_nothing()
        .returning(MeetingReminder.meeting_id, MeetingReminder.kind, MeetingReminder.occurs_at)).all()
    return [_Due(*row) for row in claimed]


def _ahead(db: Session, kinds: Iterable[str], reminder: str, working_days: int, policy: Policy,
           now: datetime) -> list[_Due]:
    horizon = _horizon(now, working_days, policy)
    return [_Due(meeting_id, reminder, start)
            for meeting_id, start in db.execute(_STARTING, {"horizon": horizon, "now": now,
                                                             "kinds": list(kinds)})]


def send_reminders(db: Session, *, policy: Policy, now: datetime) -> int:
    """Every reminder due at ``now`` not yet sent; returns how many reminders (not e-mails)."""
    due = _ahead(db, [k.value for k in MeetingKind], MEETING, policy.meeting_reminder_working_days,
                 policy, now)
    due += _ahead(db, [MeetingKind.MARAC.value], RESEARCH, policy.marac_research_working_days, policy, now)
    today = policy.local_date(now)
    outstanding = db.execute(_MINUTES_OUTSTANDING, {"now": now, "since": now - MINUTES_LOOKBACK})
    for meeting_id, start, end in outstanding:
        # The working day before the minutes are due (DOMAIN.md §4: within 3 working days).
        remind_on = add_working_days(policy.local_date(end), max(policy.minutes_issue_working_days - 1, 0))
        if today >= remind_on:
            due.append(_Due(meeting_id, MINUTES, start))
    claimed = _claim(db, due, now)
    if not claimed:
        return 0
    enqueue_all(db, _messages(db, claimed, policy), now=now)
    record_all(db, Actor.system(), "meeting.reminder", [
        Entry(object_type="meeting", object_id=d.meeting_id,
              details={"kind": d.kind, "occurs_at": d.occurs_at.isoformat()}) for d in claimed], now=now)
    return len(claimed)


def _messages(db: Session, claimed: list[_Due], policy: Policy) -> list[Message]:
    ids = list({d.meeting_id for d in claimed})
    meetings = {row.id: row for row in db.execute(
        select(Meeting.id, Meeting.kind, Meeting.location, Meeting.organiser_id,
               func.coalesce(Meeting.series_id, Meeting.id).label("series")).where(Meeting.id.in_(ids)))}
    refs: dict[uuid.UUID, list[str]] = defaultdict(list)
    for meeting_id, ref in db.execute(select(MeetingCase.meeting_id, Case.ref)
                                      .join(Case, Case.id == MeetingCase.case_id)
                                      .where(MeetingCase.meeting_id.in_(ids))
                                      .order_by(MeetingCase.meeting_id, MeetingCase.position)):
        refs[meeting_id].append(ref)
    invited: dict[uuid.UUID, list[str]] = defaultdict(list)
    # The people invited to a series are invited to each of its meetings.
    for meeting_id, email in db.execute(select(MeetingInvitee.meeting_id, MeetingInvitee.email)
                                        .where(MeetingInvitee.meeting_id.in_(
                                            {m.series for m in meetings.values()}))
                                        .order_by(MeetingInvitee.email)):
        invited[meeting_id].append(email)
    chairs = dict(db.execute(select(User.id, User.email).where(
        User.id.in_({m.organiser_id for m in meetings.values()}), User.active.is_(True))).all())
    zone = ZoneInfo(policy.timezone)
    messages = []
    for d in claimed:
        meeting = meetings[d.meeting_id]
        people = invited[meeting.series]
        heading = f"{KIND_WORDS[MeetingKind(meeting.kind)]}: {', '.join(refs[d.meeting_id])}"
        when = f"{d.occurs_at.astimezone(zone):%A %-d %B %Y at %H:%M}"
        link = f"/meetings/{d.meeting_id}"
        if d.kind == MEETING:
            messages += [Message("meeting.reminder", email, f"Reminder: {heading}",
                                 f"A reminder of the meeting you are invited to: {heading}, on {when} "
                                 f"({meeting.location}).\n\nThe agenda and the papers are in the "
                                 "safeguarding hub:", None, link) for email in people]
        elif d.kind == RESEARCH:
            messages += [Message("meeting.research", email, f"Research due: {heading}",
                                 f"The MARAC on {when} considers the cases above. Please complete your "
                                 "agency's research before it, recording what your agency brings and "
                                 "anything it chooses not to share, and why:", None, link)
                         for email in people]
        elif meeting.organiser_id in chairs:
            messages.append(Message("meeting.minutes_due", chairs[meeting.organiser_id],
                                    f"Minutes due: {heading}",
                                    f"The minutes of the meeting held on {when} are due to be issued. "
                                    "Write and issue them in the safeguarding hub:", None, f"{link}/minutes"))
    return messages

