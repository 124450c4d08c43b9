"""Convening and reading meetings (DOMAIN.md §2-5).

A meeting considers cases of which the convening agency is a current member (any other case is
404, as everywhere); the people invited belong to agencies on those cases. A series (MARAC, MAPPA)
is convened as its first meeting, with the RRULE, and a row for each later occurrence: each has its
own cases, register and minutes; the series' title and people invited are theirs too. Moving or
cancelling the first meeting moves or cancels the series (before it has begun); moving or
cancelling a later one changes that occurrence alone, as an instance with its RECURRENCE-ID.
The statutory clock (meetings.rules) gives the target date from the decision, and whether the
meeting is late; a late meeting may carry the reason. A meeting is seen by the agencies of its
cases, the organising agency and the people invited; anyone else is told it does not exist. Every
read is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hub.access import Permission, check, has_permission, note_refused_case, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from meetings import rules
from meetings.calendar import invitation, series_starts, summary
from meetings.models import Meeting, MeetingCase, MeetingInvitee, MeetingMinutes
from meetings.rules import CANCELLED, SCHEDULED, MeetingIn
from meetings.services.rsvp import rsvp_token

NEEDS_ACTION = "NEEDS-ACTION"


@dataclass(frozen=True)
class InviteeView:
    email: str
    name: str
    agency: str
    partstat: str
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series, as its list shows it: when, whether it stands, how full."""

    id: uuid.UUID
    start: datetime
    status: str
    listed: int


@dataclass(frozen=True)
class MeetingView:
    id: uuid.UUID
    uid: str
    kind: str
    status: str
    title: str
    start: datetime
    end: datetime
    location: str
    rrule: str | None
    capacity: int | None
    decided_at: datetime | None
    target_date: date | None
    late: bool
    late_reason: str
    clock: str | None  # the statutory clock in words
    conference_due: date | None  # a child's initial child protection conference
    sequence: int
    organiser_agency: str
    cases: tuple[tuple[uuid.UUID, str], ...]  # (id, reference), in the meeting's order
    invitees: tuple[InviteeView, ...]
    # The minutes: due by this local date (the policy's working days after the meeting), and
    # when they were first issued.
    minutes_due: date | None = None
    minutes_issued_at: datetime | None = None
    # A later occurrence of a series: the series' first meeting, and the start its rule gives.
    series_id: uuid.UUID | None = None
    recurrence_id: datetime | None = None
    series_rule: str | None = None  # the series' RRULE, on each of its meetings
    # Read with the series (one meeting's page, its invitations): every meeting of the series, and
    # those of its later occurrences changed on their own, which the series' calendar carries.
    occurrences: tuple[Occurrence, ...] = ()
    overrides: tuple[MeetingView, ...] = ()

    def minutes_overdue(self, today: date) -> bool:
        """Not issued by their due date, for a meeting that was held (not a cancelled one)."""
        return (self.status != CANCELLED and self.minutes_issued_at is None
                and self.minutes_due is not None and today > self.minutes_due)


@dataclass(frozen=True)
class Mailing:
    """Where invitations come from and point to: the hub's sender address (the ORGANIZER, to
    which replies come) and its external URL; with the hub's secret key, each person's e-mail
    carries a signed link to answer it (meetings.services.rsvp)."""

    sender: str
    base_url: str
    secret: str | None = None


def _send_invitations(db: Session, policy: Policy, view: MeetingView, mailing: Mailing, *,
                      what: str, now: datetime) -> int:
    """The calendar to every person invited, as iMIP (RFC 6047) through the outbox: the case
    references, the time, the place and a link; never the title or anyone's name."""
    calendar = invitation(view, organiser=mailing.sender, base_url=mailing.base_url, policy=policy,
                          now=now).decode()
    method = "CANCEL" if view.status == CANCELLED else "REQUEST"
    local = view.start.astimezone(ZoneInfo(policy.timezone))
    heading = summary(view)
    body = (f"{what}: {heading}, on {local:%A %-d %B %Y at %H:%M} ({view.location}).\n\n"
            "The agenda and the papers are in the safeguarding hub, for those invited:")
    def reply(invitee: InviteeView) -> str:
        if mailing.secret is None or invitee.id is None or view.status == CANCELLED:
            return ""
        link = f"{mailing.base_url.rstrip('/')}/rsvp/{rsvp_token(mailing.secret, invitee.id)}"
        return f"Say whether you will attend (no sign-in needed): {link}\n\n"

    return enqueue_all(db, [
        Message("meeting.invitation", invitee.email, f"{what}: {heading}", reply(invitee) + body,
                view.cases[0][0] if len(view.cases) == 1 else None, f"/meetings/{view.id}",
                calendar, method)
        for invitee in view.invitees], now=now)


def _binding(meeting_id: uuid.UUID, version: int = 1) -> Binding:
    return Binding("meetings", "texts", str(meeting_id), None, version)


_MEMBER_AGENCIES = (
    select(Agency.id, Agency.code)
    .join(CaseMembership, CaseMembership.agency_id == Agency.id)
    .where(CaseMembership.case_id.in_(bindparam("case_ids", expanding=True)),
           CaseMembership.removed_at.is_(None))
)


def _checked(db: Session, actor: Actor, meeting: MeetingIn, *,
             now: datetime) -> tuple[list[Case], dict[str, int]]:
    """The cases (404 for one the caller's agency is not a member of) and the agencies on them by
    code, once the meeting breaks no rule; 422 keyed by field otherwise."""
    assert actor.user is not None
    user = actor.user
    check(user, Permission.MEETING_CONVENE)
    problems = rules.meeting_problems(meeting, now=now)
    cases: list[Case] = []
    if "case_ids" not in problems:
        cases = [visible_case(db, user, case_id, Permission.CASE_READ) for case_id in meeting.case_ids]
    if cases:
        agencies = dict((code, agency_id) for agency_id, code in db.execute(
            _MEMBER_AGENCIES, {"case_ids": [c.id for c in cases]}))
    else:  # a MARAC convened before its cases are listed: the partnership's agencies
        agencies = {code: agency_id for code, agency_id in db.execute(select(Agency.code, Agency.id).where(
            Agency.code.in_({i.agency for i in meeting.invitees})))} if meeting.invitees else {}
    strangers = sorted({i.agency for i in meeting.invitees} - set(agencies))
    if strangers and "invitees" not in problems and "case_ids" not in problems:
        problems["invitees"] = (f"Invite people of the agencies on the case: {', '.join(strangers)} "
                                "is not one of them")
    if problems:
        raise ValidationFailed(problems)
    return cases, agencies


@dataclass(frozen=True)
class Preview:
    """What convening would give, shown before anything is written: the statutory clock in words,
    the target date and whether the meeting would be late, and a child's conference date."""

    clock: str | None
    target_date: date | None
    late: bool
    conference_due: date | None


def preview(db: Session, actor: Actor, meeting: MeetingIn, *, policy: Policy, now: datetime) -> Preview:
    """Check a meeting as :func:`convene` would (the same 404 and 422), writing nothing."""
    cases, _agencies = _checked(db, actor, meeting, now=now)
    found = rules.clock(meeting.kind, [c.kind for c in cases], policy)
    target = rules.target_date(found, meeting.decided_at, policy)
    child = found is not None and any(c.kind == "child" for c in cases)
    return Preview(found.words if found else None, target, rules.is_late(meeting.start, target, policy),
                   rules.conference_due(meeting.start, policy) if child else None)


def convene(db: Session, actor: Actor, meeting: MeetingIn, *, envelope: Envelope, policy: Policy,
            now: datetime, uid_domain: str, mailing: Mailing) -> MeetingView:
    """Convene a meeting about cases the caller's agency is a member of (404 for any other),
    inviting people of the agencies on them; 422 keyed by field, nothing written, otherwise.
    Audited."""
    assert actor.user is not None
    user = actor.user
    cases, agencies = _checked(db, actor, meeting, now=now)
    found = rules.clock(meeting.kind, [c.kind for c in cases], policy)
    target = rules.target_date(found, meeting.decided_at, policy)
    meeting_id = uuid.uuid4()
    row = Meeting(
        id=meeting_id, uid=f"{meeting_id}@{uid_domain}", kind=meeting.kind, status=SCHEDULED,
        organiser_agency_id=user.agency_id, organiser_id=user.id, starts_at=meeting.start,
        ends_at=meeting.end, location=meeting.location.strip(), rrule=meeting.rrule,
        capacity=meeting.capacity,
        decided_at=meeting.decided_at, target_date=target, sequence=0, texts_version=1,
        texts_ciphertext=envelope.encrypt_json(
            db, {"title": meeting.title.strip(), "late_reason": meeting.late_reason.strip()},
            _binding(meeting_id), case_uuid=None, now=now),
        created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    later = _occurrences_of(row, meeting.rrule, policy, now=now) if meeting.rrule else []
    db.add_all(later)
    db.flush()
    # The cases convened with a series are considered at each of its meetings, as its invitation
    # (one calendar entry with the rule) says; a MARAC's coordinator lists more per meeting.
    db.add_all(MeetingCase(meeting_id=held.id, case_id=case.id, position=n)
               for held in (row, *later) for n, case in enumerate(cases))
    db.add_all(MeetingInvitee(meeting_id=meeting_id, email=i.email.lower(), name=i.name.strip(),
                              agency_id=agencies[i.agency], partstat=NEEDS_ACTION, created_at=now)
               for i in meeting.invitees)
    db.flush()
    record(db, actor, "meeting.convene", now=now, object_type="meeting", object_id=meeting_id,
           case_id=cases[0].id if len(cases) == 1 else None,
           details={"kind": meeting.kind, "cases": len(cases), "invitees": len(meeting.invitees),
                    "late": rules.is_late(meeting.start, target, policy), "meetings": 1 + len(later)})
    view = _view(db, envelope, policy, row, series=True)
    _send_invitations(db, policy, view, mailing, what="Invitation", now=now)
    return view


def _occurrences_of(series: Meeting, rule: str, policy: Policy, *, now: datetime) -> list[Meeting]:
    """A row for each meeting of the series after its first, as its rule gives them in the
    policy's zone, each as long as the first and in the same place."""
    length = series.ends_at - series.starts_at
    return [Meeting(
        id=uuid.uuid4(), uid=series.uid, series_id=series.id, recurrence_id=start, kind=series.kind,
        status=series.status, organiser_agency_id=series.organiser_agency_id,
        organiser_id=series.organiser_id, starts_at=start, ends_at=start + length,
        location=series.location, rrule=None, capacity=series.capacity, decided_at=series.decided_at,
        target_date=series.target_date, sequence=0, texts_ciphertext=None, texts_version=1,
        created_at=now, updated_at=now)
        for start in series_starts(series.starts_at, rule, ZoneInfo(policy.timezone))[1:]]


# The meeting whose people invited and title a meeting has: its series', or its own.
_SERIES_KEY = func.coalesce(Meeting.series_id, Meeting.id)

_MEETING_CASES = (
    select(Case.id, Case.ref, Case.kind).join(MeetingCase, MeetingCase.case_id == Case.id)
    .where(MeetingCase.meeting_id == bindparam("meeting_id")).order_by(MeetingCase.position)
)
_INVITEES = (
    select(MeetingInvitee.email, MeetingInvitee.name, Agency.code, MeetingInvitee.partstat, MeetingInvitee.id)
    .join(Agency, Agency.id == MeetingInvitee.agency_id)
    .where(MeetingInvitee.meeting_id == bindparam("meeting_id")).order_by(MeetingInvitee.email)
)
# Whether the caller's agency is on one of the meeting's cases, organises it, or the caller is
# invited: the meeting is theirs to see.
_SEEN_BY = (
    select(Meeting.id).where(Meeting.id == bindparam("meeting_id"))
    .where((Meeting.organiser_agency_id == bindparam("agency_id"))
           | select(MeetingCase.id).join(CaseMembership, CaseMembership.case_id == MeetingCase.case_id)
           .where(MeetingCase.meeting_id == Meeting.id,
                  CaseMembership.agency_id == bindparam("agency_id"),
                  CaseMembership.removed_at.is_(None)).exists()
           | select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == _SERIES_KEY,
                                             MeetingInvitee.email == bindparam("email")).exists())
)


def get_meeting(db: Session, actor: Actor, meeting_id: uuid.UUID, *, envelope: Envelope,
                policy: Policy, now: datetime) -> MeetingView:
    """One meeting the caller may see (404 otherwise, whether or not it exists). Audited."""
    row = seen(db, actor, meeting_id)
    record(db, actor, "meeting.read", now=now, object_type="meeting", object_id=row.id)
    return _view(db, envelope, policy, row, series=True)


MAX_PERIOD_DAYS = 366
# The calendar's range, well inside what date arithmetic and time zones can hold.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9000, 12, 31)

# A person's meetings: those they convened or are invited to, by start time (two indexed ranges).
_MINE = (
    select(Meeting)
    .where(Meeting.starts_at >= bindparam("start"), Meeting.starts_at < bindparam("end"),
           (Meeting.organiser_id == bindparam("user_id"))
           | select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == _SERIES_KEY,
                                             MeetingInvitee.email == bindparam("email")).exists())
    .order_by(Meeting.starts_at, Meeting.id)
    .limit(bindparam("limit")).offset(bindparam("offset"))
)


def my_meetings(db: Session, actor: Actor, *, start: date | None, end: date | None, envelope: Envelope,
                policy: Policy, now: datetime, limit: int = 50, offset: int = 0) -> list[MeetingView]:
    """The meetings the caller convened or is invited to, starting on the days from ``start`` to
    ``end`` (London dates; today and the 31 days after by default), soonest first. Audited."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_READ)
    first = start or policy.local_date(now)
    last = end or first + timedelta(days=31)
    if last < first:
        raise ValidationFailed({"to": "The last day must not be before the first"})
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationFailed({"to": "Ask for at most a year of meetings at a time"})
    if not (first >= EARLIEST_DAY and last <= LATEST_DAY):
        raise ValidationFailed({"from": f"Ask for days from {EARLIEST_DAY.year} to {LATEST_DAY.year}"})
    zone = ZoneInfo(policy.timezone)
    rows = db.scalars(_MINE, {
        "start": datetime.combine(first, time(0), zone), "user_id": actor.user.id,
        "end": datetime.combine(last + timedelta(days=1), time(0), zone),
        "email": actor.user.email.lower(), "limit": limit, "offset": offset}).all()
    record(db, actor, "meeting.list", now=now, object_type="user", object_id=actor.user.id,
           details={"count": len(rows), "from": first.isoformat(), "to": last.isoformat()})
    return [_view(db, envelope, policy, row) for row in rows]


_MINE_COUNT = (
    select(func.count()).select_from(Meeting)
    .where(Meeting.starts_at >= bindparam("start"), Meeting.starts_at < bindparam("end"),
           Meeting.status == SCHEDULED,
           (Meeting.organiser_id == bindparam("user_id"))
           | select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == _SERIES_KEY,
                                             MeetingInvitee.email == bindparam("email")).exists())
)


def count_my_meetings(db: Session, actor: Actor, *, start: datetime, end: datetime) -> int:
    """How many meetings, not cancelled, the caller convened or is invited to start in the
    period: a figure for the dashboard, which names nothing and so is not audited."""
    assert actor.user is not None
    return int(db.scalar(_MINE_COUNT, {"start": start, "end": end, "user_id": actor.user.id,
                                       "email": actor.user.email.lower()}) or 0)


def seen(db: Session, actor: Actor, meeting_id: uuid.UUID) -> Meeting:
    assert actor.user is not None
    check(actor.user, Permission.MEETING_READ)
    seen = db.scalar(_SEEN_BY, {"meeting_id": meeting_id, "agency_id": actor.user.agency_id,
                                "email": actor.user.email.lower()})
    row = db.get(Meeting, meeting_id) if seen is not None else None
    if row is None:
        # Probing for meetings leaves a trace naming their cases, as probing for cases does.
        for case_id in db.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id == meeting_id)):
            note_refused_case(db, case_id)
        raise NotFound("No such meeting, or it is not one of yours")
    return row


def keeps_the_meeting(actor: Actor, meeting: MeetingView) -> bool:
    """Whether the caller acts for the agency that convened the meeting (its register, minutes and
    changes): what the pages offer; the services refuse anyone else whatever the page showed."""
    user = actor.user
    return (user is not None and user.agency.code == meeting.organiser_agency
            and has_permission(user, Permission.MEETING_CONVENE))


def agencies_of(db: Session, row: Meeting) -> dict[str, int]:
    """The agencies a meeting concerns, by code: those on its cases and the one that convened it."""
    case_ids = list(db.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id == row.id)))
    found = {code: agency_id for agency_id, code in db.execute(_MEMBER_AGENCIES, {"case_ids": case_ids})}
    organiser = db.get(Agency, row.organiser_agency_id)
    assert organiser is not None
    found[organiser.code] = organiser.id
    return found


def organised(db: Session, actor: Actor, meeting_id: uuid.UUID) -> Meeting:
    """A meeting the caller's agency organises, open to change: 404 for one they may not see,
    403 for another agency's, 409 once cancelled."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_CONVENE)
    row = seen(db, actor, meeting_id)
    if row.organiser_agency_id != actor.user.agency_id:
        for case_id in db.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id == row.id)):
            note_refused_case(db, case_id)  # audited as access.denied, naming the case
        raise Forbidden("Only the agency that convened the meeting changes or cancels it")
    if row.status == CANCELLED:
        raise Conflict("This meeting has been cancelled")
    return row


def changeable(db: Session, actor: Actor, meeting_id: uuid.UUID, *, now: datetime) -> Meeting:
    """A meeting the caller may move or cancel, as :func:`change_meeting` and
    :func:`cancel_meeting` find it: 404, 403 and 409 as :func:`organised`, and 409 once it has
    started (meetings.rules.change_refusal)."""
    row = organised(db, actor, meeting_id)
    refusal = rules.change_refusal(row.starts_at, series=row.rrule is not None, now=now)
    if refusal is not None:
        raise Conflict(refusal)
    return row


def may_change(actor: Actor, meeting: MeetingView, now: datetime) -> bool:
    """Whether the meeting's page offers to move or cancel it: what :func:`changeable` allows."""
    return (keeps_the_meeting(actor, meeting) and meeting.status != CANCELLED
            and rules.change_refusal(meeting.start, series=meeting.rrule is not None, now=now) is None)


def change_meeting(db: Session, actor: Actor, meeting_id: uuid.UUID, *, start: datetime | None,
                   end: datetime | None, location: str | None, envelope: Envelope, policy: Policy,
                   now: datetime, mailing: Mailing) -> MeetingView:
    """Move the meeting or change its place; SEQUENCE goes up when anything changes (RFC 5546
    §2.1.4), so calendars replace what they hold. The same rules as convening; audited."""
    row = changeable(db, actor, meeting_id, now=now)
    proposed = rules.MeetingIn(
        kind=row.kind, title="-", start=start or row.starts_at, end=end or row.ends_at,
        location=row.location if location is None else location, case_ids=(row.id,))
    problems = {name: message for name, message in rules.meeting_problems(proposed, now=now).items()
                if name in ("start", "end", "location")}
    if start is None and end is None and location is None:
        problems["start"] = "Give a new start, end or place"
    if problems:
        raise ValidationFailed(problems)
    changed = (proposed.start, proposed.end, proposed.location.strip()) != (
        row.starts_at, row.ends_at, row.location)
    if changed and row.rrule is not None:
        _move_series(db, row, proposed, policy, now=now)
    if changed:
        row.starts_at, row.ends_at, row.location = proposed.start, proposed.end, proposed.location.strip()
        row.sequence += 1
        row.updated_at = now
        db.flush()
    record(db, actor, "meeting.change", now=now, object_type="meeting", object_id=row.id,
           details={"sequence": row.sequence, "changed": changed})
    view = _view(db, envelope, policy, row, series=True)
    if changed:
        _send_invitations(db, policy, view, mailing, what="Changed", now=now)
    return view


_LATER = select(Meeting).where(Meeting.series_id == bindparam("series_id")).order_by(Meeting.recurrence_id)


def _move_series(db: Session, row: Meeting, proposed: MeetingIn, policy: Policy, *, now: datetime) -> None:
    """Move every later meeting of the series with its first: each takes the start the rule now
    gives it (its RECURRENCE-ID), and those not changed on their own move there, keeping the first
    meeting's length and place. Refused if the series would then hold a different number of
    meetings (an UNTIL that the move crosses)."""
    assert row.rrule is not None
    later = list(db.scalars(_LATER, {"series_id": row.id}))
    starts = series_starts(proposed.start, row.rrule, ZoneInfo(policy.timezone))[1:]
    if len(starts) != len(later):
        raise ValidationFailed({"start": f"Moved there, the series would hold {len(starts) + 1} meetings, "
                                         f"not {len(later) + 1}: cancel it and convene it again"})
    for occurrence in later:  # two steps, so that no two share a RECURRENCE-ID in between
        occurrence.recurrence_id = None
    db.flush()
    length, place = proposed.end - proposed.start, proposed.location.strip()
    for occurrence, start in zip(later, starts, strict=True):
        occurrence.recurrence_id = start
        if occurrence.sequence == 0:
            occurrence.starts_at, occurrence.ends_at, occurrence.location = start, start + length, place
            occurrence.updated_at = now
    db.flush()


def cancel_meeting(db: Session, actor: Actor, meeting_id: uuid.UUID, *, envelope: Envelope,
                   policy: Policy, now: datetime, mailing: Mailing) -> MeetingView:
    """Cancel: the invitation becomes METHOD CANCEL with the same UID and a higher SEQUENCE. The
    first meeting of a series cancels the series (all its meetings, before it has begun); a later
    one that occurrence alone."""
    row = changeable(db, actor, meeting_id, now=now)
    cancelled = 1
    if row.rrule is not None:
        for occurrence in db.scalars(_LATER, {"series_id": row.id}):
            if occurrence.status != CANCELLED:
                occurrence.status, occurrence.updated_at = CANCELLED, now
                cancelled += 1
    row.status = CANCELLED
    row.sequence += 1
    row.updated_at = now
    db.flush()
    record(db, actor, "meeting.cancel", now=now, object_type="meeting", object_id=row.id,
           details={"sequence": row.sequence, "meetings": cancelled})
    view = _view(db, envelope, policy, row, series=True)
    _send_invitations(db, policy, view, mailing, what="Cancelled", now=now)
    return view


_FIRST_ISSUED = (select(func.min(MeetingMinutes.issued_at))
                 .where(MeetingMinutes.meeting_id == bindparam("meeting_id")))


_SERIES_MEETINGS = (
    select(Meeting.id, Meeting.starts_at, Meeting.status,
           select(func.count()).where(MeetingCase.meeting_id == Meeting.id).scalar_subquery())
    .where((Meeting.id == bindparam("series_id")) | (Meeting.series_id == bindparam("series_id")))
    .order_by(Meeting.starts_at, Meeting.id)
)
_CHANGED_ON_THEIR_OWN = (
    select(Meeting).where(Meeting.series_id == bindparam("series_id"), Meeting.sequence > 0)
    .order_by(Meeting.recurrence_id)
)


def _view(db: Session, envelope: Envelope, policy: Policy, row: Meeting, *,
          series: bool = False) -> MeetingView:
    """What the hub shows of a meeting; with ``series``, the meetings of its series too."""
    first = row if row.series_id is None else db.get(Meeting, row.series_id)
    assert first is not None
    assert first.texts_ciphertext is not None
    texts = envelope.decrypt_json(db, first.texts_ciphertext, _binding(first.id, first.texts_version))
    cases = db.execute(_MEETING_CASES, {"meeting_id": row.id}).all()
    found = rules.clock(row.kind, [kind for _id, _ref, kind in cases], policy)
    organiser = db.get(Agency, row.organiser_agency_id)
    assert organiser is not None
    child = found is not None and any(kind == "child" for _id, _ref, kind in cases)
    return MeetingView(
        id=row.id, uid=row.uid, kind=row.kind, status=row.status, title=texts.get("title", ""),
        start=row.starts_at, end=row.ends_at, location=row.location, rrule=row.rrule, capacity=row.capacity,
        decided_at=row.decided_at, target_date=row.target_date,
        late=rules.is_late(row.starts_at, row.target_date, policy),
        late_reason=texts.get("late_reason", ""), clock=found.words if found else None,
        conference_due=rules.conference_due(row.starts_at, policy) if child else None,
        sequence=row.sequence, organiser_agency=organiser.code,
        cases=tuple((case_id, ref) for case_id, ref, _kind in cases),
        invitees=tuple(InviteeView(*i) for i in db.execute(_INVITEES, {"meeting_id": first.id})),
        minutes_due=rules.minutes_due(row.ends_at, policy),
        minutes_issued_at=db.scalar(_FIRST_ISSUED, {"meeting_id": row.id}),
        series_id=row.series_id, recurrence_id=row.recurrence_id, series_rule=first.rrule,
        occurrences=tuple(Occurrence(*o) for o in db.execute(_SERIES_MEETINGS, {"series_id": first.id}))
        if series and first.rrule else (),
        overrides=tuple(_view(db, envelope, policy, o) for o in db.scalars(
            _CHANGED_ON_THEIR_OWN, {"series_id": row.id})) if series and row.rrule else ())


_PEOPLE_OF_MEMBERS = (
    select(User.id, User.name, User.email, Agency.code)
    .join(Agency, Agency.id == User.agency_id)
    .join(CaseMembership, CaseMembership.agency_id == Agency.id)
    .where(CaseMembership.case_id == bindparam("case_id"), CaseMembership.removed_at.is_(None),
           User.active.is_(True), User.id != bindparam("caller"))
    .order_by(Agency.code, User.name)
)


@dataclass(frozen=True)
class Person:
    """Someone who may be invited: an active person of an agency on the case."""

    id: uuid.UUID
    name: str
    email: str
    agency: str


def people_to_invite(db: Session, actor: Actor, case_id: uuid.UUID) -> tuple[Case, list[Person]]:
    """The case (404 for a non-member) and the active people of its member agencies but the
    caller, by agency and name."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_CONVENE)
    case = visible_case(db, actor.user, case_id, Permission.CASE_READ)
    rows = db.execute(_PEOPLE_OF_MEMBERS, {"case_id": case.id, "caller": actor.user.id})
    return case, [Person(*row) for row in rows]


@dataclass(frozen=True)
class CaseMeeting:
    id: uuid.UUID
    kind: str
    status: str
    start: datetime


_OF_CASE = (
    select(Meeting.id, Meeting.kind, Meeting.status, Meeting.starts_at)
    .join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
    .where(MeetingCase.case_id == bindparam("case_id"))
)
_COMING = _OF_CASE.where(Meeting.starts_at >= bindparam("now")).order_by(Meeting.starts_at).limit(
    bindparam("limit"))
_HELD = _OF_CASE.where(Meeting.starts_at < bindparam("now")).order_by(Meeting.starts_at.desc()).limit(
    bindparam("limit"))


def case_meetings(db: Session, case: Case, *, now: datetime, limit: int = 10) -> list[CaseMeeting]:
    """The meetings about a case the caller has already been shown (its page), latest first: the
    next few to come (a series' reviews among them) and the last few held, their kind and time
    only."""
    coming = db.execute(_COMING, {"case_id": case.id, "now": now, "limit": limit // 2}).all()
    held = db.execute(_HELD, {"case_id": case.id, "now": now, "limit": limit - len(coming)}).all()
    return [CaseMeeting(*row) for row in (*reversed(coming), *held)]


_PARTNERSHIP = (
    select(User.id, User.name, User.email, Agency.code)
    .join(Agency, Agency.id == User.agency_id)
    .where(User.active.is_(True), User.id != bindparam("caller"))
    .order_by(Agency.code, User.name)
)


def partnership_people(db: Session, actor: Actor) -> list[Person]:
    """Everyone active in the partnership's agencies but the caller and those who see no case
    content (administrators, auditors): whom a MARAC, convened before its cases, may invite."""
    assert actor.user is not None
    check(actor.user, Permission.MEETING_CONVENE)
    rows = db.execute(_PARTNERSHIP.add_columns(User.roles), {"caller": actor.user.id})
    return [Person(*row[:4]) for row in rows if set(row[4]) - {"admin", "auditor"}]
