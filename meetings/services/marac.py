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

from consent.models import DisclosureDecision
from hub.access import Permission, check, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, Role
from hub.audit.services import record
from hub.cases.models import Case, CaseKind, CaseMembership, RepeatReferralLink
from hub.cases.services import case_flags
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.text import has_control_characters
from meetings import rules
from meetings.models import MaracReferral, MaracResearch, Meeting, MeetingCase
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
    # Whether the caller's agency is a member of the case; only then is the research shown.
    member: bool = False
    research: tuple[ResearchView, ...] = ()


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


def agenda(db: Session, actor: Actor, meeting_id: uuid.UUID, *, envelope: Envelope, today: date,
           now: datetime) -> Agenda:
    """The agenda of a meeting the caller may see (404 otherwise). Repeats are named only where
    the caller's agency may be told of the earlier case, and each agency's research only to the
    members of the case. Audited."""
    row = seen(db, actor, meeting_id)
    assert actor.user is not None
    found = db.execute(_AGENDA_CASES, {"meeting_id": row.id}).all()
    flags = case_flags(db, actor.user, [r.Case for r in found])
    mine = set(db.scalars(select(CaseMembership.case_id).where(
        CaseMembership.case_id.in_([r.Case.id for r in found]),
        CaseMembership.agency_id == actor.user.agency_id, CaseMembership.removed_at.is_(None))))
    sections: dict[int, list[AgendaCase]] = {1: [], 2: [], 3: []}
    incomplete: list[AgendaCase] = []
    for r in found:
        told = str(Criterion.REPEAT) in flags[r.Case.id]
        criteria = tuple(c for c in (r.criteria or []) if c != Criterion.REPEAT or told)
        counts = action_counts(db, r.Case.id, today=today)
        member = r.Case.id in mine
        entry = AgendaCase(r.Case.id, r.Case.ref, r.code, criteria, counts.open, counts.overdue, member,
                           research_of(db, envelope, row.id, r.Case.id) if member else ())
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


# --- each agency's research ---------------------------------------------------------------------------

MAX_RESEARCH = 10_000


@dataclass(frozen=True)
class ResearchView:
    agency: str
    brought: str
    withheld: str
    withheld_reason: str
    decision_id: uuid.UUID | None
    recorded_at: datetime


def _research_binding(meeting_id: uuid.UUID, case_id: uuid.UUID, agency_id: int) -> Binding:
    return Binding("meetings", "marac_research", f"{meeting_id}:{agency_id}", str(case_id), 1)


def record_research(db: Session, actor: Actor, meeting_id: uuid.UUID, case_id: uuid.UUID, *, brought: str,
                    withheld: str, withheld_reason: str, decision_id: uuid.UUID | None, envelope: Envelope,
                    now: datetime) -> ResearchView:
    """Record what the caller's agency brings to a MARAC about one of its cases, and what it
    chose not to share and why, linked to its disclosure decision on the case (required when it
    withholds anything): a member agency of the case (404 otherwise); 409 for a meeting that is
    not a MARAC or is cancelled; 422 keyed by field. A later entry replaces the earlier. Audited."""
    meeting = seen(db, actor, meeting_id)
    assert actor.user is not None
    if meeting.kind != MeetingKind.MARAC or meeting.status != SCHEDULED:
        raise Conflict("Research is recorded for a MARAC that stands")
    case = visible_case(db, actor.user, case_id, Permission.CASE_READ)
    problems: dict[str, str] = {}
    if db.scalar(select(MeetingCase.id).where(MeetingCase.meeting_id == meeting.id,
                                              MeetingCase.case_id == case.id)) is None:
        problems["case_id"] = "Choose a case listed at this MARAC"
    for name, value in (("brought", brought), ("withheld", withheld), ("withheld_reason", withheld_reason)):
        if len(value) > MAX_RESEARCH or has_control_characters(value):
            problems[name] = f"Keep it to {MAX_RESEARCH:,} characters of text"
    if not brought.strip() and not withheld.strip():
        problems["brought"] = "Say what your agency brings, or what it chose not to share"
    if withheld.strip():
        if not withheld_reason.strip():
            problems["withheld_reason"] = "Say why your agency chose not to share it"
        if decision_id is None:
            problems["decision_id"] = "Choose the disclosure decision that records the choice not to share"
    if decision_id is not None and db.scalar(select(DisclosureDecision.id).where(
            DisclosureDecision.id == decision_id, DisclosureDecision.case_id == case.id,
            DisclosureDecision.agency_id == actor.user.agency_id)) is None:
        problems["decision_id"] = "Choose one of your agency's disclosure decisions on this case"
    if problems:
        raise ValidationFailed(problems)
    content = envelope.encrypt_json(db, {"brought": brought.strip(), "withheld": withheld.strip(),
                                         "withheld_reason": withheld_reason.strip()},
                                    _research_binding(meeting.id, case.id, actor.user.agency_id),
                                    case_uuid=case.id, now=now)
    row = db.scalar(select(MaracResearch).where(MaracResearch.meeting_id == meeting.id,
                                                MaracResearch.case_id == case.id,
                                                MaracResearch.agency_id == actor.user.agency_id))
    if row is None:
        row = MaracResearch(meeting_id=meeting.id, case_id=case.id, agency_id=actor.user.agency_id,
                            withheld=bool(withheld.strip()), decision_id=decision_id,
                            content_ciphertext=content, recorded_by=actor.user.id, recorded_at=now)
        db.add(row)
    else:
        row.withheld, row.decision_id, row.content_ciphertext = bool(withheld.strip()), decision_id, content
        row.recorded_by, row.recorded_at = actor.user.id, now
    db.flush()
    record(db, actor, "marac.research", now=now, object_type="meeting", object_id=meeting.id, case_id=case.id,
           details={"withheld": row.withheld, "decision": str(decision_id) if decision_id else None})
    return ResearchView(actor.user.agency.code, brought.strip(), withheld.strip(), withheld_reason.strip(),
                        decision_id, now)


def research_of(db: Session, envelope: Envelope, meeting_id: uuid.UUID,
                case_id: uuid.UUID) -> tuple[ResearchView, ...]:
    """Every agency's research on a case for a meeting, for a member of the case (the caller
    checks), by agency."""
    found = []
    rows = db.execute(select(MaracResearch, Agency.code).join(Agency, Agency.id == MaracResearch.agency_id)
                      .where(MaracResearch.meeting_id == meeting_id, MaracResearch.case_id == case_id)
                      .order_by(Agency.code))
    for row, code in rows:
        texts = envelope.decrypt_json(db, row.content_ciphertext,
                                      _research_binding(meeting_id, case_id, row.agency_id))
        found.append(ResearchView(code, texts.get("brought", ""), texts.get("withheld", ""),
                                  texts.get("withheld_reason", ""), row.decision_id, row.recorded_at))
    return tuple(found)


def decisions_of_agency(db: Session, case_id: uuid.UUID,
                        agency_id: int) -> list[tuple[uuid.UUID, datetime, str]]:
    """An agency's disclosure decisions on a case, newest first (id, when, outcome): those a
    research entry may name. For a member of the case (the caller checks)."""
    return [(i, when, outcome) for i, when, outcome in db.execute(
        select(DisclosureDecision.id, DisclosureDecision.decided_at, DisclosureDecision.outcome)
        .where(DisclosureDecision.case_id == case_id, DisclosureDecision.agency_id == agency_id)
        .order_by(DisclosureDecision.decided_at.desc()).limit(50))]
