"""A person's private calendar feed (DESIGN.md §4, `GET /me/calendar-feed`): a URL a calendar
program subscribes to without signing in, carrying the meetings the person convened or is invited
to, with no personal data (meetings.calendar.feed).

The URL holds the feed's id and a MAC of it under the hub's secret key, so it cannot be guessed
and the hub can show it again without storing it. Revoking the feed ends that URL for good; asking
again gives a new one. Every read of a feed, by its owner's program, is audited in their name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.access import Permission, check
from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.cases.models import Case
from hub.errors import NotFound
from meetings.calendar import FeedEntry
from meetings.models import CalendarFeed, Meeting, MeetingCase, MeetingInvitee

# What a feed carries: meetings from a year back (a series from five years back, which may still
# be running) to any time ahead, at most this many.
FEED_PAST = timedelta(days=366)
SERIES_PAST = timedelta(days=5 * 366)
FEED_LIMIT = 2000


def _mac(secret: str, feed_id: uuid.UUID) -> str:
    digest = hmac.new(secret.encode(), b"calendar-feed\0" + feed_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _url(base_url: str, secret: str, feed_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/calendar/{feed_id}/{_mac(secret, feed_id)}.ics"


_LIVE = select(CalendarFeed).where(CalendarFeed.user_id == bindparam("user_id"),
                                   CalendarFeed.revoked_at.is_(None))


def feed_url(db: Session, actor: Actor, *, secret: str, base_url: str, now: datetime) -> str:
    """The caller's feed URL: the live one, or a new one if they have none. Audited."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_READ)
    live = db.scalar(_LIVE, {"user_id": actor.user.id})
    if live is None:
        live = CalendarFeed(id=uuid.uuid4(), user_id=actor.user.id, created_at=now)
        db.add(live)
        db.flush()
        record(db, actor, "calendar_feed.create", now=now, object_type="calendar_feed", object_id=live.id)
    return _url(base_url, secret, live.id)


def revoke_feed(db: Session, actor: Actor, *, now: datetime) -> bool:
    """End the caller's feed URL; whether there was one. Audited."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_READ)
    live = db.scalar(_LIVE, {"user_id": actor.user.id})
    if live is None:
        return False
    live.revoked_at = now
    db.flush()
    record(db, actor, "calendar_feed.revoke", now=now, object_type="calendar_feed", object_id=live.id)
    return True


_COLUMNS = (Meeting.id, Meeting.uid, Meeting.kind, Meeting.status, Meeting.starts_at, Meeting.ends_at,
            Meeting.location, Meeting.rrule, Meeting.sequence, Meeting.updated_at, Meeting.series_id,
            Meeting.recurrence_id)
# The person's: convened by them, or a meeting or a series' meeting they are invited to (each an
# indexed lookup: the primary key, the series' occurrences).
_INVITED = select(MeetingInvitee.meeting_id).where(MeetingInvitee.email == bindparam("email"))
_THEIRS = ((Meeting.organiser_id == bindparam("user_id")) | Meeting.id.in_(_INVITED)
           | Meeting.series_id.in_(_INVITED))
# A person's meetings for the feed: two indexed lookups (organiser, invitee), newest series too.
# A series is one entry with its rule; of its later meetings, only those changed on their own
# (moved or cancelled: SEQUENCE above 0) are entries, each an instance with its RECURRENCE-ID.
_FEED_MEETINGS = (
    select(*_COLUMNS)
    .where((Meeting.starts_at >= bindparam("since"))
           | (Meeting.rrule.is_not(None) & (Meeting.starts_at >= bindparam("series_since"))),
           Meeting.series_id.is_(None) | (Meeting.sequence > 0), _THEIRS)
    .order_by(Meeting.starts_at, Meeting.id).limit(FEED_LIMIT)
)
_REFS = (
    select(MeetingCase.meeting_id, Case.ref).join(Case, Case.id == MeetingCase.case_id)
    .where(MeetingCase.meeting_id.in_(bindparam("meeting_ids", expanding=True)))
    .order_by(MeetingCase.meeting_id, MeetingCase.position)
)


def feed_entries(db: Session, feed_id: uuid.UUID, mac: str, *, secret: str, now: datetime,
                 request_id: str | None = None) -> list[FeedEntry]:
    """The meetings of the feed ``feed_id``, if ``mac`` is its MAC and it is live and its owner
    still active (404 otherwise, the same for all). Audited in the owner's name."""
    expected = _mac(secret, feed_id)
    row = db.get(CalendarFeed, feed_id) if hmac.compare_digest(expected, mac) else None
    owner = db.get(User, row.user_id) if row is not None and row.revoked_at is None else None
    if owner is None or not owner.active:
        raise NotFound("No such calendar feed, or it has been revoked")
    rows = db.execute(_FEED_MEETINGS, {"since": now - FEED_PAST, "series_since": now - SERIES_PAST,
                                       "user_id": owner.id, "email": owner.email.lower()}).all()
    refs: dict[uuid.UUID, list[str]] = {}
    if rows:
        for meeting_id, ref in db.execute(_REFS, {"meeting_ids": [r.id for r in rows]}):
            refs.setdefault(meeting_id, []).append(ref)
    record(db, Actor(user=owner, issuer=None, request_id=request_id), "calendar_feed.read", now=now,
           object_type="calendar_feed", object_id=feed_id, details={"meetings": len(rows)})
    return [_entry(r, refs) for r in rows]


def _entry(r: Any, refs: dict[uuid.UUID, list[str]]) -> FeedEntry:
    return FeedEntry(r.id, r.uid, r.kind, r.status, r.starts_at, r.ends_at, r.location, r.rrule,
                     r.sequence, tuple(refs.get(r.id, ())), r.updated_at,
                     r.recurrence_id if r.series_id is not None else None)


_PERIOD_MEETINGS = (
    select(*_COLUMNS)
    .where(Meeting.starts_at >= bindparam("start"), Meeting.starts_at < bindparam("end"), _THEIRS)
    .order_by(Meeting.starts_at, Meeting.id).limit(FEED_LIMIT)
)


def month_entries(db: Session, actor: Actor, *, start: datetime, end: datetime,
                  now: datetime) -> list[tuple[datetime, FeedEntry]]:
    """The caller's meetings starting in [start, end), each meeting of a series on its own (with
    its own id, cases and page), soonest first: what a month of the calendar view shows (no title,
    no names). Audited."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_READ)
    rows = db.execute(_PERIOD_MEETINGS, {"start": start, "end": end, "user_id": actor.user.id,
                                         "email": actor.user.email.lower()}).all()
    refs: dict[uuid.UUID, list[str]] = {}
    if rows:
        for meeting_id, ref in db.execute(_REFS, {"meeting_ids": [r.id for r in rows]}):
            refs.setdefault(meeting_id, []).append(ref)
    found = [(r.starts_at, _entry(r, refs)) for r in rows]
    record(db, actor, "meeting.calendar", now=now, object_type="user", object_id=actor.user.id,
           details={"from": start.isoformat(), "to": end.isoformat(), "count": len(found)})
    return found
