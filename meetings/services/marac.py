"""MARAC (DOMAIN.md §4): a referral's criteria, recorded by the referring (lead) agency of a MARAC
case; the coordinator's queue of referrals; listing a case at a MARAC within its capacity; and the
agenda in the prescribed order.

The coordinator (the leads and managers of the policy's `marac_coordinator_agency`) sees every
referral, repeats included, also those whose referring agency was not told (the referrer is told
only when it is a member of the earlier case: DESIGN.md §4), and the cases where 12 months have
passed since the last referral. The queue names cases by reference only. Every read is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from hub.access import Permission, check, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, Role
from hub.audit.services import record
from hub.cases.models import Case, CaseKind, RepeatReferralLink
from hub.cases.services import case_flags
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from meetings import rules
from meetings.models import MaracReferral, Meeting, MeetingCase
from meetings.rules import CONFIDENTIALITY_STATEMENT, SCHEDULED, Criterion, MeetingKind, ReferralIn
from meetings.services.meetings import seen
from sharing.services.actions import action_counts


@dataclass(frozen=True)
class ReferralView:
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str
    referred_at: datetime
    dash_score: int | None
    criteria: tuple[str, ...]
    incidents_12_months: int
    children: bool
    listed_meeting_id: uuid.UUID | None


def _binding(case_id: uuid.UUID) -> Binding:
    return Binding("meetings", "marac_referral", str(case_id), str(case_id), 1)


def _is_repeat(db: Session, case_id: uuid.UUID) -> bool:
    return db.get(RepeatReferralLink, case_id) is not None


def record_referral(db: Session, actor: Actor, case_id: uuid.UUID, referral: ReferralIn, *,
                    envelope: Envelope, policy: Policy, now: datetime) -> ReferralView:
    """Record (or correct) a MARAC case's referral: its lead agency only (403 for another member,
    404 for anyone else, 409 for a case of another kind); 422 keyed by field. The criteria shown
    to the caller include "repeat" only where it may be told of the earlier case. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.MARAC_REFER)
    if case.kind != CaseKind.MARAC:
        raise Conflict("A MARAC referral belongs to a MARAC case; this case is not one")
    repeat = _is_repeat(db, case.id)
    problems = rules.referral_problems(referral, repeat=repeat, policy=policy)
    if problems:
        raise ValidationFailed(problems)
    criteria = rules.referral_criteria(referral, repeat=repeat, policy=policy)
    details = envelope.encrypt_json(db, {
        "professional_judgement": referral.professional_judgement.strip(),
        "victim_aware": referral.victim_aware, "not_aware_reason": referral.not_aware_reason.strip(),
        "afraid_of": referral.afraid_of.strip()}, _binding(case.id), case_uuid=case.id, now=now)
    row = db.get(MaracReferral, case.id)
    if row is None:
        row = MaracReferral(case_id=case.id, referring_agency_id=actor.user.agency_id,
                            referred_by=actor.user.id, referred_at=now, dash_score=referral.dash_score,
                            criteria=criteria,
                            incidents_12_months=referral.incidents_12_months, children=referral.children,
                            details_ciphertext=details)
        db.add(row)
    else:
        row.dash_score, row.criteria, row.incidents_12_months = referral.dash_score, criteria, \
            referral.incidents_12_months
        row.children, row.details_ciphertext = referral.children, details
    db.flush()
    record(db, actor, "marac.referral", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"criteria": [c for c in criteria if c != Criterion.REPEAT]})
    told = str(Criterion.REPEAT) in case_flags(db, actor.user, [case])[case.id]
    shown = tuple(c for c in criteria if c != Criterion.REPEAT or told)
    return ReferralView(case.id, case.ref, actor.user.agency.code, row.referred_at, row.dash_score, shown,
                        row.incidents_12_months, row.children, row.listed_meeting_id)


# --- the coordinator -------------------------------------------------------------------------------

def is_coordinator(actor: Actor, policy: Policy) -> bool:
    user = actor.user
    return (user is not None and bool(policy.marac_coordinator_agency)
            and user.agency.code == policy.marac_coordinator_agency
            and (user.has_role(Role.LEAD) or user.has_role(Role.MANAGER)))


def _coordinator(actor: Actor, policy: Policy) -> None:
    assert actor.user is not None
    check(actor.user, Permission.MEETING_CONVENE)
    if not is_coordinator(actor, policy):
        raise Forbidden("The MARAC coordinator's queue is for the leads and managers of the "
                        "coordinating agency")


@dataclass(frozen=True)
class QueueEntry:
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str
    referred_at: datetime
    dash_score: int | None
    criteria: tuple[str, ...]
    children: bool
    repeat: bool
    earlier_ref: str | None  # the referral it repeats
    months_passed: bool  # an earlier referral more than the window ago: a new referral
    listed_meeting_id: uuid.UUID | None
    listed_for: datetime | None


_Earlier = aliased(Case)
_Previous = aliased(Case)
_QUEUE = (
    select(MaracReferral.case_id, Case.ref, Agency.code, MaracReferral.referred_at, MaracReferral.dash_score,
           MaracReferral.criteria, MaracReferral.children, _Earlier.ref.label("earlier_ref"),
           select(_Previous.id).where(_Previous.kind == CaseKind.MARAC,
                                      _Previous.subject_index == Case.subject_index,
                                      _Previous.created_at < Case.created_at).exists().label("earlier"),
           MaracReferral.listed_meeting_id, Meeting.starts_at)
    .join(Case, Case.id == MaracReferral.case_id)
    .join(Agency, Agency.id == MaracReferral.referring_agency_id)
    .outerjoin(RepeatReferralLink, RepeatReferralLink.case_id == Case.id)
    .outerjoin(_Earlier, _Earlier.id == RepeatReferralLink.earlier_case_id)
    .outerjoin(Meeting, Meeting.id == MaracReferral.listed_meeting_id)
    # Waiting to be listed, or listed at a MARAC still to be held.
    .where((MaracReferral.listed_meeting_id.is_(None)) | (Meeting.starts_at >= bindparam("now")))
    .order_by(MaracReferral.listed_meeting_id.is_not(None), MaracReferral.referred_at, Case.ref)
    .limit(bindparam("limit")).offset(bindparam("offset"))
)


def coordinator_queue(db: Session, actor: Actor, *, policy: Policy, now: datetime, limit: int = 100,
                      offset: int = 0) -> list[QueueEntry]:
    """Every referral waiting to be heard, the unlisted first, oldest first. Audited."""
    _coordinator(actor, policy)
    rows = db.execute(_QUEUE, {"now": now, "limit": limit, "offset": offset}).all()
    record(db, actor, "marac.queue", now=now, object_type="agency", object_id=actor.agency_id,
           details={"count": len(rows)})
    return [QueueEntry(r.case_id, r.ref, r.code, r.referred_at, r.dash_score, tuple(r.criteria), r.children,
                       r.earlier_ref is not None, r.earlier_ref, bool(r.earlier) and r.earlier_ref is None,
                       r.listed_meeting_id, r.starts_at) for r in rows]


def list_case(db: Session, actor: Actor, meeting_id: uuid.UUID, case_id: uuid.UUID, *, policy: Policy,
              now: datetime) -> int:
    """List a referred case at a MARAC the coordinating agency convened (403 for anyone else; 409
    when it is already listed, the meeting is held, cancelled or full); returns its position."""
    _coordinator(actor, policy)
    meeting = db.get(Meeting, meeting_id)
    if meeting is None or meeting.kind != MeetingKind.MARAC or meeting.organiser_agency_id != actor.agency_id:
        raise NotFound("No such MARAC convened by your agency")
    referral = db.get(MaracReferral, case_id)
    if referral is None:
        raise ValidationFailed({"case_id": "Choose a referred MARAC case from the queue"})
    if meeting.status != SCHEDULED or meeting.starts_at < now:
        raise Conflict("Cases are listed at a MARAC still to be held")
    if referral.listed_meeting_id is not None:
        raise Conflict("This case is already listed")
    listed, last = db.execute(select(func.count(), func.max(MeetingCase.position))
                              .where(MeetingCase.meeting_id == meeting.id)).one()
    if meeting.capacity is not None and listed >= meeting.capacity:
        raise Conflict(f"This MARAC is full: it takes {meeting.capacity} cases")
    position = int(last or 0) + 1
    db.add(MeetingCase(meeting_id=meeting.id, case_id=case_id, position=position))
    referral.listed_meeting_id, referral.listed_at = meeting.id, now
    db.flush()
    record(db, actor, "marac.list", now=now, object_type="meeting", object_id=meeting.id, case_id=case_id,
           details={"position": position})
    return position


# --- the agenda --------------------------------------------------------------------------------------

SECTION_TITLES = {1: "New cases with children", 2: "Adult-only cases", 3: "Cases where 12 months have passed"}


@dataclass(frozen=True)
class AgendaCase:
    case_id: uuid.UUID
    case_ref: str
    referring_agency: str | None
    criteria: tuple[str, ...]
    open_actions: int
    overdue_actions: int


@dataclass(frozen=True)
class Agenda:
    """A MARAC's agenda in the prescribed order (DOMAIN.md §4): the confidentiality statement,
    incomplete actions, the cases by section, any other business."""

    statement: str
    incomplete_actions: tuple[AgendaCase, ...]
    sections: tuple[tuple[str, tuple[AgendaCase, ...]], ...]


_AGENDA_CASES = (
    select(Case, MaracReferral.criteria, MaracReferral.children, Agency.code,
           select(_Previous.id).where(_Previous.kind == CaseKind.MARAC,
                                      _Previous.subject_index == Case.subject_index,
                                      _Previous.created_at < Case.created_at).exists().label("earlier"),
           RepeatReferralLink.case_id.label("repeat_of"))
    .join(MeetingCase, MeetingCase.case_id == Case.id)
    .outerjoin(MaracReferral, MaracReferral.case_id == Case.id)
    .outerjoin(Agency, Agency.id == MaracReferral.referring_agency_id)
    .outerjoin(RepeatReferralLink, RepeatReferralLink.case_id == Case.id)
    .where(MeetingCase.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingCase.position)
)


def agenda(db: Session, actor: Actor, meeting_id: uuid.UUID, *, today: date, now: datetime) -> Agenda:
    """The agenda of a meeting the caller may see (404 otherwise). Repeats are named only where
    the caller's agency may be told of the earlier case. Audited."""
    row = seen(db, actor, meeting_id)
    assert actor.user is not None
    found = db.execute(_AGENDA_CASES, {"meeting_id": row.id}).all()
    flags = case_flags(db, actor.user, [r.Case for r in found])
    sections: dict[int, list[AgendaCase]] = {1: [], 2: [], 3: []}
    incomplete: list[AgendaCase] = []
    for r in found:
        told = str(Criterion.REPEAT) in flags[r.Case.id]
        criteria = tuple(c for c in (r.criteria or []) if c != Criterion.REPEAT or told)
        counts = action_counts(db, r.Case.id, today=today)
        entry = AgendaCase(r.Case.id, r.Case.ref, r.code, criteria, counts.open, counts.overdue)
        if counts.open:
            incomplete.append(entry)
        months_passed = bool(r.earlier) and r.repeat_of is None
        sections[rules.agenda_section(children=bool(r.children), months_passed=months_passed)].append(entry)
    record(db, actor, "meeting.agenda", now=now, object_type="meeting", object_id=row.id,
           details={"cases": len(found)})
    return Agenda(CONFIDENTIALITY_STATEMENT, tuple(incomplete),
                  tuple((SECTION_TITLES[n], tuple(cases)) for n, cases in sections.items() if cases))


_UPCOMING_MARACS = (
    select(Meeting.id, Meeting.starts_at, Meeting.capacity,
           select(func.count()).where(MeetingCase.meeting_id == Meeting.id).scalar_subquery()
           .label("listed"))
    .where(Meeting.kind == MeetingKind.MARAC, Meeting.status == SCHEDULED,
           Meeting.organiser_agency_id == bindparam("agency_id"), Meeting.starts_at >= bindparam("now"))
    .order_by(Meeting.starts_at).limit(12)
)


def upcoming_maracs(db: Session, actor: Actor, *, policy: Policy,
                    now: datetime) -> list[tuple[uuid.UUID, datetime, int | None, int]]:
    """The coordinating agency's MARACs still to be held: (id, start, capacity, cases listed)."""
    _coordinator(actor, policy)
    return [(r.id, r.starts_at, r.capacity, r.listed)
            for r in db.execute(_UPCOMING_MARACS, {"agency_id": actor.agency_id, "now": now})]


def referral_of(db: Session, actor: Actor, case: Case) -> ReferralView | None:
    """A MARAC case's referral as a member already shown the case may see it (its page)."""
    assert actor.user is not None
    row = db.get(MaracReferral, case.id)
    if row is None:
        return None
    told = str(Criterion.REPEAT) in case_flags(db, actor.user, [case])[case.id]
    agency = db.get(Agency, row.referring_agency_id)
    return ReferralView(case.id, case.ref, agency.code if agency else "", row.referred_at, row.dash_score,
                        tuple(c for c in row.criteria if c != Criterion.REPEAT or told),
                        row.incidents_12_months, row.children, row.listed_meeting_id)
