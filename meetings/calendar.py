"""A meeting as an iCalendar object (RFC 5545) for an invitation (iTIP, RFC 5546): METHOD REQUEST
while it stands and CANCEL once cancelled, the same UID for the meeting's life, SEQUENCE as the
meeting keeps it, times in the policy's zone with its VTIMEZONE, and a series' RRULE with UNTIL
in UTC.

Nothing in it names anyone the meeting is about (invariant 6): the summary is the kind of meeting
and the case references, the description a link to the hub. People invited appear by address
only, each with PARTSTAT and RSVP; the organiser is the hub's own address, to which replies come.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event, vCalAddress, vRecur

from hub.config import Policy
from meetings.rules import CANCELLED, KIND_WORDS, MeetingKind

if TYPE_CHECKING:
    from meetings.services.meetings import MeetingView

PRODID = "-//Safeguarding Hub//Meetings//EN"


def summary(meeting: MeetingView) -> str:
    """The kind of meeting and its case references: what a calendar may show of it."""
    refs = ", ".join(ref for _id, ref in meeting.cases)
    kind = KIND_WORDS[MeetingKind(meeting.kind)]
    return f"{kind}: {refs}" if refs else kind


def series_rule(rule: str) -> vRecur:
    """The series' rule, its UNTIL in UTC as RFC 5545 §3.3.10 requires beside a DTSTART with TZID."""
    recur = vRecur.from_ical(rule)
    until = recur.get("UNTIL")
    if until:
        last = until[0]
        if isinstance(last, datetime):
            recur["UNTIL"] = [last.astimezone(UTC) if last.tzinfo else last.replace(tzinfo=UTC)]
    return recur


def series_starts(start: datetime, rule: str, zone: ZoneInfo) -> list[datetime]:
    """Every start of a series (its rule ends: COUNT or UNTIL, meetings.rules), the first included,
    at the same local time on both sides of a clock change."""
    expanded = rrulestr(series_rule(rule).to_ical().decode(), dtstart=start.astimezone(zone))
    return [moment.astimezone(start.tzinfo) for moment in expanded]


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(meeting: FeedEntry | MeetingView, *, heading: str, organiser: str, base_url: str,
           zone: ZoneInfo, now: datetime) -> Event:
    """What an invitation and a feed both say of a meeting: its UID and SEQUENCE, the times in
    the policy's zone, the case references, the place and a link."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", meeting.end.astimezone(zone))
    event.add("summary", heading)
    event.add("location", meeting.location)
    link = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    event.add("description", "The papers, the agenda and the minutes are in the safeguarding hub, "
                             f"for those invited: {link}")
    event.add("url", link)
    event.add("class", "CONFIDENTIAL")
    event.add("status", "CANCELLED" if meeting.status == CANCELLED else "CONFIRMED")
    if meeting.rrule:
        event.add("rrule", series_rule(meeting.rrule))
    if meeting.recurrence_id is not None:  # one occurrence of a series, moved or cancelled
        event.add("recurrence-id", meeting.recurrence_id.astimezone(zone))
    event.add("organizer", vCalAddress(f"mailto:{organiser}"), encode=False)
    return event


@dataclass(frozen=True)
class FeedEntry:
    """What a calendar feed carries of one meeting: no title, no reason, nobody's name."""

    id: uuid.UUID
    uid: str
    kind: str
    status: str
    start: datetime
    end: datetime
    location: str
    rrule: str | None
    sequence: int
    refs: tuple[str, ...]
    updated_at: datetime  # the feed's DTSTAMP: when the hub last changed the meeting
    recurrence_id: datetime | None = None  # an occurrence of a series changed on its own


@lru_cache(maxsize=16)
def _feed_shell(timezone: str) -> tuple[bytes, bytes]:
    """The feed's calendar around its events (METHOD PUBLISH, the zone's VTIMEZONE), as the bytes
    before and after them: the same for every feed in one zone."""
    zone = ZoneInfo(timezone)
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", "Safeguarding hub meetings")
    placeholder = Event()
    placeholder.add("uid", "placeholder")
    placeholder.add("dtstart", datetime(2000, 1, 1, tzinfo=zone))
    calendar.add_component(placeholder)
    calendar.add_missing_timezones()
    calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VEVENT"]
    head, _end, tail = bytes(calendar.to_ical()).rpartition(b"END:VCALENDAR")
    return head, b"END:VCALENDAR" + tail


@lru_cache(maxsize=20_000)
def _feed_event(entry: FeedEntry, organiser: str, base_url: str, timezone: str) -> bytes:
    """One meeting's VEVENT in a feed: a pure function of the meeting as it stands (its SEQUENCE
    and last change included), so each worker renders it once until it changes."""
    kind = KIND_WORDS[MeetingKind(entry.kind)]
    heading = f"{kind}: {', '.join(entry.refs)}" if entry.refs else kind
    event = _event(entry, heading=heading, organiser=organiser, base_url=base_url, zone=ZoneInfo(timezone),
                   now=entry.updated_at)
    return bytes(event.to_ical())


def feed(entries: Iterable[FeedEntry], *, organiser: str, base_url: str, policy: Policy) -> bytes:
    """A person's calendar feed (METHOD PUBLISH): one event per meeting, cancelled ones marked so
    that a calendar removes them."""
    head, tail = _feed_shell(policy.timezone)
    return b"".join([head, *(_feed_event(e, organiser, base_url, policy.timezone) for e in entries), tail])


def invitation(meeting: MeetingView, *, organiser: str, base_url: str, policy: Policy,
               now: datetime) -> bytes:
    """The meeting's calendar, as the invitations and the .ics download carry it. A series' carries
    its later meetings changed on their own after the rule (RFC 5546 §2.1.5: one UID, each
    instance with its RECURRENCE-ID and SEQUENCE)."""
    cancelled = meeting.status == CANCELLED
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    zone = ZoneInfo(policy.timezone)
    for shown in (meeting, *([] if cancelled else meeting.overrides)):
        event = _event(shown, heading=summary(shown), organiser=organiser, base_url=base_url,
                       zone=zone, now=now)
        for invitee in shown.invitees:
            attendee = vCalAddress(f"mailto:{invitee.email}")
            attendee.params["CUTYPE"] = "INDIVIDUAL"
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["PARTSTAT"] = invitee.partstat
            attendee.params["RSVP"] = "FALSE" if shown.status == CANCELLED else "TRUE"
            event.add("attendee", attendee, encode=False)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
