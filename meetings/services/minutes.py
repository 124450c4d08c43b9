"""A meeting's minutes (DOMAIN.md §4-5): written by the convening agency once the meeting has
started, every version kept and encrypted, marked OFFICIAL-SENSITIVE, issued by the chair within
the policy's working days; the actions agreed go into the cross-agency tracker as they are minuted.

Drafts (versions not yet issued) are the convening agency's; once issued, a version is read by
everyone who may see the meeting. A correction is a new version, issued again. Every read and
change is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from meetings.models import Meeting, MeetingCase, MeetingInvitee, MeetingMinutes
from meetings.rules import DecisionIn, MinutesIn, minutes_problems
from meetings.services.carried import unmarked_count
from meetings.services.meetings import organised, seen
from sharing.services.actions import create_action


@dataclass(frozen=True)
class ActionIn:
    """An action agreed at the meeting, for the tracker: on one of the meeting's cases."""

    case_id: uuid.UUID
    title: str
    agency: str
    due: date | None


@dataclass(frozen=True)
class MinutedAction:
    id: uuid.UUID
    case_ref: str
    title: str
    agency: str
    due: date


@dataclass(frozen=True)
class MinutesVersion:
    version: int
    written_by: str
    written_at: datetime
    issued_at: datetime | None


@dataclass(frozen=True)
class MinutesView(MinutesVersion):
    summary: str
    decisions: tuple[DecisionIn, ...]
    actions: tuple[MinutedAction, ...]
    marking: str = "OFFICIAL-SENSITIVE"


def _binding(meeting_id: uuid.UUID, version: int) -> Binding:
    return Binding("meetings", "minutes", str(meeting_id), None, version)


_LATEST = (select(MeetingMinutes).where(MeetingMinutes.meeting_id == bindparam("meeting_id"))
           .order_by(MeetingMinutes.version.desc()).limit(1))


def _is_chair(actor: Actor, row: Meeting) -> bool:
    return actor.user is not None and actor.user.agency_id == row.organiser_agency_id


def write_minutes(db: Session, actor: Actor, meeting_id: uuid.UUID, minutes: MinutesIn, *,
                  actions: tuple[ActionIn, ...] = (), envelope: Envelope, now: datetime,
                  today: date) -> MinutesView:
    """Save a new version of the minutes (the convening agency, once the meeting has started:
    409 before, or once cancelled), creating each action agreed in the tracker in the same
    transaction; 422 keyed by field, nothing written, otherwise. Audited."""
    row = organised(db, actor, meeting_id)
    assert actor.user is not None
    if row.starts_at > now:
        raise Conflict("Minutes are written once the meeting has started")
    problems = minutes_problems(minutes)
    case_refs: dict[uuid.UUID, str] = {case_id: ref for case_id, ref in db.execute(
        select(MeetingCase.case_id, Case.ref).join(Case, Case.id == MeetingCase.case_id)
        .where(MeetingCase.meeting_id == row.id))}
    for n, action in enumerate(actions, start=1):
        if action.case_id not in case_refs:
            problems[f"actions.{n}.case_id"] = "Choose one of the meeting's cases"
    if problems:
        raise ValidationFailed(problems)
    latest = db.scalar(_LATEST, {"meeting_id": row.id})
    earlier = _content(db, envelope, latest) if latest is not None else {}
    created: list[MinutedAction] = [MinutedAction(uuid.UUID(a["id"]), a["case_ref"], a["title"], a["agency"],
                                                  date.fromisoformat(a["due"]))
                                    for a in earlier.get("actions", [])]
    for n, action in enumerate(actions, start=1):
        try:
            made = create_action(db, actor, action.case_id, title=action.title, agency_code=action.agency,
                                 due=action.due, envelope=envelope, now=now, today=today)
        except ValidationFailed as failed:
            raise ValidationFailed({f"actions.{n}.{name}": message
                                    for name, message in failed.errors.items()}) from None
        created.append(MinutedAction(made.id, case_refs[action.case_id], made.title, action.agency, made.due))
    version = (latest.version if latest is not None else 0) + 1
    content = {"summary": minutes.summary.strip(),
               "decisions": [{"decision": d.decision.strip(), "rationale": d.rationale.strip(),
                              "dissent": d.dissent.strip()} for d in minutes.decisions],
               "actions": [{"id": str(a.id), "case_ref": a.case_ref, "title": a.title, "agency": a.agency,
                            "due": a.due.isoformat()} for a in created]}
    saved = MeetingMinutes(id=uuid.uuid4(), meeting_id=row.id, version=version, written_by=actor.user.id,
                           written_at=now, content_ciphertext=envelope.encrypt_json(
                               db, content, _binding(row.id, version), case_uuid=None, now=now))
    db.add(saved)
    db.flush()
    record(db, actor, "minutes.write", now=now, object_type="meeting", object_id=row.id,
           details={"version": version, "decisions": len(minutes.decisions), "actions": len(actions)})
    return _view(db, envelope, saved)


def issue_minutes(db: Session, actor: Actor, meeting_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
                  now: datetime, base_url_path: str | None = None) -> MinutesVersion:
    """The chair issues the latest version (409 if there is none, it is already issued, or an
    action carried over to the meeting is still to be marked); the people invited are told, with a
    link only. Audited."""
    row = organised(db, actor, meeting_id)
    latest = db.scalar(_LATEST, {"meeting_id": row.id})
    if latest is None:
        raise Conflict("Write the minutes before issuing them")
    if latest.issued_at is not None:
        raise Conflict(f"Version {latest.version} of the minutes has already been issued")
    if unmarked := unmarked_count(db, row, policy):
        raise Conflict(f"Mark each action carried over to this meeting before issuing the minutes: "
                       f"{unmarked} {'is' if unmarked == 1 else 'are'} still open")
    latest.issued_at = now
    db.flush()
    record(db, actor, "minutes.issue", now=now, object_type="meeting", object_id=row.id,
           details={"version": latest.version})
    refs = db.scalars(select(Case.ref).join(MeetingCase, MeetingCase.case_id == Case.id)
                      .where(MeetingCase.meeting_id == row.id).order_by(MeetingCase.position)).all()
    invited = db.scalars(select(MeetingInvitee.email).where(MeetingInvitee.meeting_id == row.id)
                         .order_by(MeetingInvitee.email)).all()
    subject = f"Minutes issued: {', '.join(refs)}"
    enqueue_all(db, [Message("meeting.minutes", email, subject,
                             "The minutes of a meeting you were invited to have been issued. They are "
                             "OFFICIAL-SENSITIVE: read them in the safeguarding hub, and do not pass "
                             "them on without the agreement of the agencies concerned:",
                             None, base_url_path or f"/meetings/{row.id}/minutes")
                     for email in invited], now=now)
    return _version(db, latest)


_VERSIONS = (
    select(MeetingMinutes).where(MeetingMinutes.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingMinutes.version.desc())
)


def list_minutes(db: Session, actor: Actor, meeting_id: uuid.UUID, *, now: datetime) -> list[MinutesVersion]:
    """The versions of the minutes the caller may read, newest first, without content: every one
    for the convening agency, the issued ones for everyone else who may see the meeting."""
    row = seen(db, actor, meeting_id)
    chair = _is_chair(actor, row)
    record(db, actor, "minutes.list", now=now, object_type="meeting", object_id=row.id)
    return [_version(db, m) for m in db.scalars(_VERSIONS, {"meeting_id": row.id})
            if chair or m.issued_at is not None]


def read_minutes(db: Session, actor: Actor, meeting_id: uuid.UUID, version: int | None, *,
                 envelope: Envelope, now: datetime) -> MinutesView:
    """One version of the minutes (the latest the caller may read when ``version`` is None),
    decrypted; 404 for a version the caller may not read. Audited."""
    row = seen(db, actor, meeting_id)
    chair = _is_chair(actor, row)
    query = select(MeetingMinutes).where(MeetingMinutes.meeting_id == row.id)
    if not chair:
        query = query.where(MeetingMinutes.issued_at.is_not(None))
    if version is not None:
        query = query.where(MeetingMinutes.version == version)
    found = db.scalar(query.order_by(MeetingMinutes.version.desc()).limit(1))
    if found is None:
        raise NotFound("No such minutes, or not yet issued")
    record(db, actor, "minutes.read", now=now, object_type="meeting", object_id=row.id,
           details={"version": found.version})
    return _view(db, envelope, found)


def _content(db: Session, envelope: Envelope, row: MeetingMinutes) -> dict:
    return dict(envelope.decrypt_json(db, row.content_ciphertext, _binding(row.meeting_id, row.version)))


def _version(db: Session, row: MeetingMinutes) -> MinutesVersion:
    writer = db.get(User, row.written_by)
    return MinutesVersion(row.version, writer.name if writer else "", row.written_at, row.issued_at)


def _view(db: Session, envelope: Envelope, row: MeetingMinutes) -> MinutesView:
    content = _content(db, envelope, row)
    base = _version(db, row)
    return MinutesView(
        base.version, base.written_by, base.written_at, base.issued_at, summary=content.get("summary", ""),
        decisions=tuple(DecisionIn(d.get("decision", ""), d.get("rationale", ""), d.get("dissent", ""))
                        for d in content.get("decisions", [])),
        actions=tuple(MinutedAction(uuid.UUID(a["id"]), a["case_ref"], a["title"], a["agency"],
                                    date.fromisoformat(a["due"])) for a in content.get("actions", [])))
