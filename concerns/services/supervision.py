"""Supervision focused on risk (DOMAIN.md §11): a practitioner's caseload is the cases their
agency has allocated to them; a supervisor (a manager or lead of the same agency) records each
session, the cases discussed with a short encrypted note, and actions into the tracker. Each
`high` or `very_high` risk case (from its latest risk summary) is due for discussion every
`supervision_high_risk_weeks` (4), every other case every `supervision_other_weeks` (12), counted
from its last discussion with the practitioner (or from its allocation); the hub lists what is
due, and overdue, for the agency's supervisors.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Allocation, SupervisionAction, SupervisionDiscussion, SupervisionSession
from concerns.rules import SessionIn
from hub.access import Permission, check, current_membership, visible_case
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.audit.services import record
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Forbidden, ValidationFailed
from sharing.models import RiskSummary
from sharing.services.actions import create_action

HIGH_LEVELS = frozenset({"high", "very_high"})


@dataclass(frozen=True)
class AllocationView:
    case_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    allocated_at: datetime


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    supervisee: str
    held_on: date
    cases: tuple[str, ...]
    action_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class DueLine:
    supervisee_id: uuid.UUID
    supervisee: str
    case_id: uuid.UUID
    case_ref: str
    level: str | None
    last_discussed: date | None
    due: date

    def overdue(self, today: date) -> bool:
        return self.due < today


def _binding(discussion_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding("supervision_discussions", "note", str(discussion_id), str(case_id), 1)


def _active_allocation(db: Session, case_id: uuid.UUID, agency_id: int) -> Allocation | None:
    return db.scalars(select(Allocation).where(
        Allocation.case_id == case_id, Allocation.agency_id == agency_id,
        Allocation.ended_at.is_(None))).first()


def allocation_of(db: Session, actor: Actor, case_id: uuid.UUID) -> AllocationView | None:
    """Who the caller's agency has allocated the case to (no content: not audited)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CASE_READ)
    row = _active_allocation(db, case.id, actor.user.agency_id)
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return AllocationView(case.id, row.user_id, user.name if user else "", row.allocated_at)


def allocate(db: Session, actor: Actor, case_id: uuid.UUID, user_id: uuid.UUID | None, *,
             now: datetime) -> AllocationView | None:
    """Allocate the case to an active practitioner of the caller's agency (or, with none, end the
    allocation); the earlier one is ended, never overwritten. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.CASE_ALLOCATE)
    person = db.get(User, user_id) if user_id is not None else None
    if user_id is not None and (
            person is None or not person.active or person.agency_id != actor.user.agency_id
            or not person.has_role(Role.PRACTITIONER, Role.MANAGER, Role.LEAD)):
        raise ValidationFailed({"user_id": "Choose an active practitioner of your agency"})
    current = _active_allocation(db, case.id, actor.user.agency_id)
    if current is not None and person is not None and current.user_id == person.id:
        return AllocationView(case.id, person.id, person.name, current.allocated_at)
    if current is not None:
        current.ended_at = now
        db.flush()
    if person is None:
        record(db, actor, "case.allocation.end", now=now, object_type="case", object_id=case.id,
               case_id=case.id)
        return None
    row = Allocation(id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id, user_id=person.id,
                     allocated_at=now, allocated_by_id=actor.user.id)
    db.add(row)
    db.flush()
    record(db, actor, "case.allocation", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"user": str(person.id)})
    return AllocationView(case.id, person.id, person.name, now)


def supervisor_of(actor: Actor, permission: Permission) -> User:
    """The caller, if a manager or lead of their agency (supervision's people); 403 otherwise."""
    assert actor.user is not None
    check(actor.user, permission)
    if not actor.user.has_role(Role.MANAGER, Role.LEAD):
        raise Forbidden("Supervision is recorded and reviewed by the agency's managers and leads")
    return actor.user


def check_session(db: Session, actor: Actor, session_in: SessionIn, *, policy: Policy,
                  now: datetime) -> list[str]:
    """The problems recording ``session_in`` would meet, found before the check-your-answers page
    and writing nothing (ValidationFailed, keyed as record_session keys them); otherwise the
    references of the cases it discusses, in order."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_RECORD)
    _supervisee, cases = _checked(db, supervisor, session_in, today=policy.local_date(now))
    return [case.ref for case in cases]


def _checked(db: Session, supervisor: User, session_in: SessionIn, *,
             today: date) -> tuple[User, list[Case]]:
    """The supervisee and the cases discussed, or every problem at once (422, keyed by field:
    ``discussions.N.case_id``, ``discussions.N.actions.M.title``)."""
    problems: dict[str, str] = {}
    supervisee = db.get(User, session_in.supervisee_id) if session_in.supervisee_id else None
    if supervisee is None or not supervisee.active or supervisee.agency_id != supervisor.agency_id:
        problems["supervisee_id"] = "Choose an active person of your agency"
    elif supervisee.id == supervisor.id:
        problems["supervisee_id"] = "A supervisor does not supervise themselves"
    cases: list[Case] = []
    seen: set[uuid.UUID] = set()
    for n, discussion in enumerate(session_in.discussions):
        case = db.get(Case, discussion.case_id) if discussion.case_id is not None else None
        if case is None or current_membership(db, case.id, supervisor.agency_id) is None:
            problems[f"discussions.{n}.case_id"] = "Choose a case your agency works on"
        elif case.id in seen:
            problems[f"discussions.{n}.case_id"] = "Each case once"
        else:
            seen.add(case.id)
            cases.append(case)
    problems.update(rules.session_problems(session_in, today=today))
    if problems:
        raise ValidationFailed(problems)
    assert supervisee is not None
    return supervisee, cases


def record_session(db: Session, actor: Actor, session_in: SessionIn, *, envelope: Envelope, policy: Policy,
                   now: datetime) -> SessionView:
    """A supervisor records a session with a practitioner of the agency: the day (not in the
    future, within the last year), each case discussed (one of the agency's cases) with a short
    note, and any actions, which go into the tracker for the supervisee. 422 keyed by field
    (``discussions.N.case_id``); nothing written then. Audited."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_RECORD)
    today = policy.local_date(now)
    supervisee, cases = _checked(db, supervisor, session_in, today=today)
    assert session_in.held_on is not None
    row = SupervisionSession(id=uuid.uuid4(), agency_id=supervisor.agency_id, supervisor_id=supervisor.id,
                             supervisee_id=supervisee.id, held_on=session_in.held_on, recorded_at=now)
    db.add(row)
    db.flush()
    action_ids: list[uuid.UUID] = []
    for discussion, case in zip(session_in.discussions, cases, strict=True):
        entry = SupervisionDiscussion(id=uuid.uuid4(), session_id=row.id, case_id=case.id,
                                      supervisee_id=supervisee.id, held_on=session_in.held_on)
        entry.note_ciphertext = envelope.encrypt_json(db, {"note": discussion.note.strip()},
                                                      _binding(entry.id, case.id), case_uuid=case.id, now=now)
        db.add(entry)
        for action in discussion.actions:
            made = create_action(db, actor, case.id, title=action.title, agency_code=supervisor.agency.code,
                                 due=action.due, assignee_id=supervisee.id, envelope=envelope, now=now,
                                 today=today)
            db.add(SupervisionAction(action_id=made.id, discussion_id=entry.id))
            action_ids.append(made.id)
    db.flush()
    record(db, actor, "supervision.record", now=now, object_type="supervision", object_id=row.id,
           details={"supervisee": str(supervisee.id), "cases": [str(c.id) for c in cases],
                    "actions": len(action_ids)})
    return SessionView(row.id, supervisee.name, row.held_on, tuple(c.ref for c in cases), tuple(action_ids))


def latest_levels(db: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each case's risk level by its latest risk summary (cases without one are absent)."""
    latest = (select(RiskSummary.case_id, func.max(RiskSummary.version).label("version"))
              .where(RiskSummary.case_id.in_(case_ids)).group_by(RiskSummary.case_id).subquery())
    return dict(db.execute(select(RiskSummary.case_id, RiskSummary.level).join(
        latest, (latest.c.case_id == RiskSummary.case_id) & (latest.c.version == RiskSummary.version))).all())


def levels_over_time(db: Session, case_ids: Sequence[uuid.UUID],
                     policy: Policy) -> dict[uuid.UUID, list[tuple[date, str]]]:
    """Each case's risk level from each day a version of its risk summary was recorded (local
    days, in order): what the level was on any day, for judging a discussion then."""
    levels: dict[uuid.UUID, list[tuple[date, str]]] = {}
    for case_id, level, recorded_at in db.execute(
            select(RiskSummary.case_id, RiskSummary.level, RiskSummary.recorded_at)
            .where(RiskSummary.case_id.in_(case_ids)).order_by(RiskSummary.case_id, RiskSummary.version)):
        levels.setdefault(case_id, []).append((policy.local_date(recorded_at), level))
    return levels


def level_on(history: Sequence[tuple[date, str]], day: date) -> str | None:
    """The level in force on ``day``: the last one recorded on or before it (None before any)."""
    found = None
    for recorded_on, level in history:
        if recorded_on > day:
            break
        found = level
    return found


def interval_for(level: str | None, policy: Policy) -> timedelta:
    """DOMAIN.md §11 (local): high and very high risk every 4 weeks, any other case every 12."""
    weeks = policy.supervision_high_risk_weeks if level in HIGH_LEVELS else policy.supervision_other_weeks
    return timedelta(weeks=weeks)


def supervision_due(db: Session, actor: Actor, *, policy: Policy, now: datetime,
                    overdue_only: bool = False, audit_empty: bool = True) -> list[DueLine]:
    """Every allocated case of the agency's practitioners with the day its next discussion is due,
    soonest first (the overdue ones first of all). For the agency's managers and leads. Audited."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_READ)
    lines = _due_lines(db, supervisor, policy=policy, today=policy.local_date(now), overdue_only=overdue_only)
    if lines or audit_empty:
        record(db, actor, "supervision.due", now=now, object_type="agency", object_id=supervisor.agency_id,
               details={"count": len(lines), "overdue_only": overdue_only})
    return lines


def overdue_count(db: Session, actor: Actor, *, policy: Policy, now: datetime) -> int:
    """How many allocated cases of the agency are overdue for discussion: a figure that names
    nobody, for the dashboard (not audited, so that a dashboard view writes no audit row)."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_READ)
    return len(_due_lines(db, supervisor, policy=policy, today=policy.local_date(now), overdue_only=True))


def _due_lines(db: Session, supervisor: User, *, policy: Policy, today: date,
               overdue_only: bool) -> list[DueLine]:
    allocations = db.execute(
        select(Allocation, User.name, Case.ref).join(User, User.id == Allocation.user_id)
        .join(Case, Case.id == Allocation.case_id)
        .where(Allocation.agency_id == supervisor.agency_id, Allocation.ended_at.is_(None),
               User.active.is_(True))).all()
    case_ids = [a.case_id for a, _, _ in allocations]
    last = {(s, c): d for s, c, d in db.execute(
        select(SupervisionDiscussion.supervisee_id, SupervisionDiscussion.case_id,
               func.max(SupervisionDiscussion.held_on))
        .where(SupervisionDiscussion.case_id.in_(case_ids))
        .group_by(SupervisionDiscussion.supervisee_id, SupervisionDiscussion.case_id)).all()}
    levels = latest_levels(db, case_ids)
    lines = []
    for allocation, name, ref in allocations:
        discussed = last.get((allocation.user_id, allocation.case_id))
        since = max(discussed, policy.local_date(allocation.allocated_at)) if discussed else \
            policy.local_date(allocation.allocated_at)
        level = levels.get(allocation.case_id)
        line = DueLine(allocation.user_id, name, allocation.case_id, ref, level, discussed,
                       since + interval_for(level, policy))
        if not overdue_only or line.overdue(today):
            lines.append(line)
    lines.sort(key=lambda line: (line.due, line.supervisee, line.case_ref))
    return lines


def caseload(db: Session, actor: Actor, supervisee_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The cases allocated to a practitioner of the supervisor's agency (id and reference), for
    the session form."""
    supervisor = supervisor_of(actor, Permission.SUPERVISION_READ)
    rows = db.execute(select(Case.id, Case.ref).join(Allocation, Allocation.case_id == Case.id)
                      .where(Allocation.user_id == supervisee_id,
                             Allocation.agency_id == supervisor.agency_id,
                             Allocation.ended_at.is_(None)).order_by(Case.ref)).all()
    return [(case_id, ref) for case_id, ref in rows]
