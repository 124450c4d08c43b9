"""Professional challenge and the escalation ladder (DOMAIN.md §8), every figure from policy.

A member agency challenges another's action with its concern and evidence; the challenge starts
at stage 1 (practitioner to practitioner), or at the policy's immediate-risk stage (3), with a
deadline in working days. Only the raising agency, or a holder of the stage-3/4 role, resolves it,
recording the outcome and the agreed plan. The ``escalation`` job opens a challenge for an action
overdue by the policy's grace, or marked not done by its agency, and moves an open challenge up
one stage when its deadline has passed. At each stage the role holders of both agencies are
e-mailed a case reference and a link, nothing more.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Date,
    LargeBinary,
    Table,
    bindparam,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.access import Permission, check, note_refused_case, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import Entry, record, record_all
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.db import UTCDateTime, insert_rows
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from hub.workdays import add_working_days, earliest_not_yet_overdue
from sharing.models import Action, Challenge, ChallengeEvent
from sharing.rules import MAX_TEXT, ActionStatus

OPEN, RESOLVED = "open", "resolved"
TOP_STAGE = 4
STAGE_NAMES = {1: "practitioner to practitioner", 2: "manager to manager",
               3: "safeguarding leads and heads of service", 4: "independent chair: resolution meeting"}


@dataclass(frozen=True)
class EventView:
    kind: str
    stage: int
    at: datetime
    by: str | None
    texts: dict[str, str]


@dataclass(frozen=True)
class ChallengeView:
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    action_id: uuid.UUID
    raised_by_agency: str
    against_agency: str
    automatic: bool
    immediate_risk: bool
    stage: int
    status: str
    deadline: date
    opened_at: datetime
    resolved_at: datetime | None
    concern: str
    evidence: str
    history: tuple[EventView, ...]


def _binding(table: str, row_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding(table, "texts", str(row_id), str(case_id), 1)


def _texts_problems(values: dict[str, str], required: dict[str, str]) -> dict[str, str]:
    errors = {name: message for name, message in required.items() if not values.get(name, "").strip()}
    errors.update({name: f"Keep it to {MAX_TEXT:,} characters or fewer"
                   for name, value in values.items() if len(value) > MAX_TEXT})
    return errors


def raise_problems(concern: str, evidence: str) -> dict[str, str]:
    """What a challenge's own text lacks or has too much of (the form shows them with its own)."""
    return _texts_problems({"concern": concern, "evidence": evidence},
                           {"concern": "Say what concerns your agency about this action"})


def raise_challenge(db: Session, actor: Actor, action_id: uuid.UUID, *, concern: str, evidence: str,
                    immediate_risk: bool, envelope: Envelope, policy: Policy, now: datetime) -> ChallengeView:
    """Challenge the agency an action is for (422 keyed by field; 409 if one is open already)."""
    assert actor.user is not None
    action = db.get(Action, action_id)
    if action is None:
        check(actor.user, Permission.CHALLENGE_RAISE)
        raise NotFound("No such action")
    case = visible_case(db, actor.user, action.case_id, Permission.CHALLENGE_RAISE)
    if action.agency_id == actor.user.agency_id:
        raise ValidationFailed({"action": "A challenge is of another agency's action: this one is "
                                          "your agency's own"})
    errors = raise_problems(concern, evidence)
    if errors:
        raise ValidationFailed(errors)
    stage = policy.escalation_immediate_risk_stage if immediate_risk else 1
    challenge = _open(db, envelope, policy, action, raised_by_agency_id=actor.user.agency_id,
                      raised_by=actor.user, stage=stage, immediate_risk=immediate_risk, automatic=False,
                      texts={"concern": concern.strip(), "evidence": evidence.strip()}, now=now)
    if challenge is None:
        raise Conflict("This action already has an open challenge: add to that one")
    record(db, actor, "challenge.raise", now=now, object_type="challenge", object_id=challenge.id,
           case_id=case.id, details={"stage": stage, "immediate_risk": immediate_risk})
    return view(db, envelope, challenge)


def _open(db: Session, envelope: Envelope, policy: Policy, action: Action, *, raised_by_agency_id: int,
          raised_by: User | None, stage: int, immediate_risk: bool, automatic: bool,
          texts: dict[str, str], now: datetime) -> Challenge | None:
    """The challenge row, its first event and the stage's e-mails; None when the action already
    has an open challenge (the unique index decides, even between two sweeps at once)."""
    today = policy.local_date(now)
    challenge = Challenge(
        id=uuid.uuid4(), case_id=action.case_id, action_id=action.id,
        raised_by_agency_id=raised_by_agency_id, against_agency_id=action.agency_id,
        raised_by_id=raised_by.id if raised_by else None, automatic=automatic,
        immediate_risk=immediate_risk, stage=stage, status=OPEN,
        deadline=add_working_days(today, policy.stage_working_days(stage)), opened_at=now)
    try:
        with db.begin_nested():
            challenge.texts_ciphertext = envelope.encrypt_json(
                db, texts, _binding("challenges", challenge.id, action.case_id),
                case_uuid=action.case_id, now=now)
            db.add(challenge)
            db.flush()
    except IntegrityError:
        return None
    _event(db, envelope, challenge, "opened", raised_by, {}, now)
    _notify(db, policy, challenge, now)
    return challenge


def _event(db: Session, envelope: Envelope, challenge: Challenge, kind: str, by: User | None,
           texts: dict[str, str], now: datetime) -> None:
    event = ChallengeEvent(id=uuid.uuid4(), challenge_id=challenge.id, kind=kind, stage=challenge.stage,
                           at=now, by_id=by.id if by else None)
    event.texts_ciphertext = envelope.encrypt_json(
        db, texts, _binding("challenge_events", event.id, challenge.case_id),
        case_uuid=challenge.case_id, now=now) if texts else NO_TEXT
    db.add(event)
    db.flush()


@dataclass(frozen=True)
class _Step:
    """What the e-mails of one step of a challenge need: a case reference, the stage and its
    deadline, the two agencies; never the concern."""

    challenge_id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    agencies: tuple[int, int]  # the raising agency, the agency challenged
    stage: int
    deadline: date
    resolved: bool = False


def _messages(db: Session, policy: Policy, steps: Sequence[_Step]) -> list[Message]:
    """For each step, a message to every active holder of the stage's role in either agency (one
    query of the people of every agency the steps name)."""
    if not steps:
        return []
    holders: dict[int, list[tuple[str, list[str]]]] = defaultdict(list)
    for email, agency_id, roles in db.execute(
            select(User.email, User.agency_id, User.roles)
            .where(User.agency_id.in_({a for step in steps for a in step.agencies}),
                   User.active.is_(True)).order_by(User.email)):
        holders[agency_id].append((email, roles))
    messages = []
    for step in steps:
        role, ref = policy.stage_role(step.stage), step.case_ref
        if step.resolved:
            kind, subject = "challenge.resolved", f"Professional challenge resolved on case {ref}"
            body = (f"The professional challenge about an action on case {ref} has been resolved "
                    f"at stage {step.stage}, with an agreed plan.\n\nSign in to the "
                    "safeguarding hub to read the outcome:")
        else:
            kind, subject = "challenge.stage", f"Professional challenge at stage {step.stage} on case {ref}"
            body = (f"A professional challenge about an action on case {ref} is at stage "
                    f"{step.stage} ({STAGE_NAMES[step.stage]}) and needs your agency's "
                    f"response by {step.deadline:%-d %B %Y}.\n\nSign in to the safeguarding "
                    "hub to read it:")
        messages += [Message(kind, email, subject, body, step.case_id, f"/challenges/{step.challenge_id}")
                     for agency in dict.fromkeys(step.agencies)
                     for email, roles in holders[agency] if role in roles]
    return messages


def _notify(db: Session, policy: Policy, challenge: Challenge, now: datetime) -> None:
    """Both agencies' holders of the stage's role: the case reference, the stage and a link (on
    opening, on each move up, and on the outcome)."""
    ref = db.scalar(select(Case.ref).where(Case.id == challenge.case_id)) or ""
    step = _Step(challenge.id, challenge.case_id, ref,
                 (challenge.raised_by_agency_id, challenge.against_agency_id), challenge.stage,
                 challenge.deadline, resolved=challenge.status == RESOLVED)
    enqueue_all(db, _messages(db, policy, [step]), now=now)


def resolve(db: Session, actor: Actor, challenge_id: uuid.UUID, *, outcome: str, agreed_plan: str,
            envelope: Envelope, policy: Policy, now: datetime) -> ChallengeView:
    """Record the outcome and the agreed plan. Only the raising agency, or a holder of the
    stage-3 or stage-4 role of either agency, resolves (403); a resolved one is 409."""
    assert actor.user is not None
    challenge = _visible(db, actor.user, challenge_id, Permission.CHALLENGE_RESOLVE)
    senior = {policy.stage_role(3), policy.stage_role(4)}
    if actor.user.agency_id != challenge.raised_by_agency_id and not actor.user.has_role(*senior):
        note_refused_case(db, challenge.case_id)  # audited as access.denied, naming the case
        raise Forbidden("Only the agency that raised the challenge, or a safeguarding lead or the "
                        "chair, resolves it")
    if challenge.status != OPEN:
        raise Conflict("This challenge has already been resolved")
    errors = _texts_problems({"outcome": outcome, "agreed_plan": agreed_plan},
                             {"outcome": "Say how the challenge was resolved",
                              "agreed_plan": "Record the plan agreed, with its timescales"})
    if errors:
        raise ValidationFailed(errors)
    challenge.status = RESOLVED
    challenge.resolved_at = now
    challenge.resolved_by_id = actor.user.id
    _event(db, envelope, challenge, "resolved", actor.user,
           {"outcome": outcome.strip(), "agreed_plan": agreed_plan.strip()}, now)
    _notify(db, policy, challenge, now)
    record(db, actor, "challenge.resolve", now=now, object_type="challenge", object_id=challenge.id,
           case_id=challenge.case_id, details={"stage": challenge.stage})
    return view(db, envelope, challenge)


def record_steps(db: Session, actor: Actor, challenge_id: uuid.UUID, *, steps_taken: str,
                 agreed_plan: str, envelope: Envelope, now: datetime) -> ChallengeView:
    """What was done, and the plan agreed with its timescales, at the challenge's current stage
    (DOMAIN.md §8: recorded at each stage). Either of the challenge's two agencies records them;
    another member is refused (403), a resolved challenge is closed (409). Audited."""
    assert actor.user is not None
    challenge = _visible(db, actor.user, challenge_id, Permission.CHALLENGE_RAISE)
    if actor.user.agency_id not in (challenge.raised_by_agency_id, challenge.against_agency_id):
        note_refused_case(db, challenge.case_id)  # audited as access.denied, naming the case
        raise Forbidden("Only the two agencies in the challenge record its steps")
    if challenge.status != OPEN:
        raise Conflict("This challenge has been resolved: record what followed on the case")
    errors = _texts_problems({"steps_taken": steps_taken, "agreed_plan": agreed_plan},
                             {"steps_taken": "Say what your agency has done at this stage"})
    if errors:
        raise ValidationFailed(errors)
    _event(db, envelope, challenge, "step", actor.user,
           {"steps_taken": steps_taken.strip(), "agreed_plan": agreed_plan.strip()}, now)
    record(db, actor, "challenge.step", now=now, object_type="challenge", object_id=challenge.id,
           case_id=challenge.case_id, details={"stage": challenge.stage})
    return view(db, envelope, challenge)


def _visible(db: Session, user: User, challenge_id: uuid.UUID, permission: Permission) -> Challenge:
    challenge = db.get(Challenge, challenge_id)
    if challenge is None:
        check(user, permission)
        raise NotFound("No such challenge")
    visible_case(db, user, challenge.case_id, permission)
    return challenge


def get_challenge(db: Session, actor: Actor, challenge_id: uuid.UUID, *, envelope: Envelope,
                  now: datetime) -> ChallengeView:
    assert actor.user is not None
    challenge = _visible(db, actor.user, challenge_id, Permission.CHALLENGE_READ)
    record(db, actor, "challenge.read", now=now, object_type="challenge", object_id=challenge.id,
           case_id=challenge.case_id)
    return view(db, envelope, challenge)


def agency_challenges(db: Session, actor: Actor, *, status: str | None, envelope: Envelope,
                      now: datetime, limit: int = 50, offset: int = 0) -> list[ChallengeView]:
    """Challenges raised by or against the caller's agency, soonest deadline first (audited)."""
    assert actor.user is not None
    check(actor.user, Permission.CHALLENGE_LIST)
    agency = actor.user.agency_id
    query = select(Challenge).where(or_(Challenge.raised_by_agency_id == agency,
                                        Challenge.against_agency_id == agency))
    if status is not None:
        query = query.where(Challenge.status == status)
    rows = db.scalars(query.order_by(Challenge.deadline, Challenge.opened_at)
                      .limit(limit).offset(offset)).all()
    record(db, actor, "challenge.list", now=now, object_type="agency", object_id=agency,
           details={"count": len(rows), "status": status})
    return [view(db, envelope, c) for c in rows]


# What the hub says of the steps it takes itself, which carry no text of their own.
HUB_CONCERNS = {"overdue": "Opened by the hub: the action was still open after its due date and "
                           "the grace the policy allows",
                "not_done": "Opened by the hub: the agency marked the action as not done"}
HUB_STEP_TEXTS = {"escalated": {"reason": "The deadline of the stage before passed without a resolution"}}


def _texts(db: Session, envelope: Envelope, blob: bytes, binding: Binding) -> dict[str, str]:
    return envelope.decrypt_json(db, blob, binding) if blob else {}


def view(db: Session, envelope: Envelope, challenge: Challenge) -> ChallengeView:
    texts = _texts(db, envelope, challenge.texts_ciphertext,
                   _binding("challenges", challenge.id, challenge.case_id))
    if not texts and challenge.reason:
        texts = {"concern": HUB_CONCERNS.get(challenge.reason, "Opened by the hub")}
    events = []
    for event in db.scalars(select(ChallengeEvent).where(ChallengeEvent.challenge_id == challenge.id)
                            .order_by(ChallengeEvent.at, ChallengeEvent.stage)):
        by = db.get(User, event.by_id) if event.by_id else None
        said = _texts(db, envelope, event.texts_ciphertext,
                      _binding("challenge_events", event.id, challenge.case_id))
        events.append(EventView(event.kind, event.stage, event.at, by.name if by else None,
                                said or HUB_STEP_TEXTS.get(event.kind, {})))
    codes = dict(db.execute(select(Agency.id, Agency.code).where(
        Agency.id.in_({challenge.raised_by_agency_id, challenge.against_agency_id}))).all())
    ref = db.scalar(select(Case.ref).where(Case.id == challenge.case_id)) or ""
    return ChallengeView(challenge.id, challenge.case_id, ref, challenge.action_id,
                         codes[challenge.raised_by_agency_id], codes[challenge.against_agency_id],
                         challenge.automatic, challenge.immediate_risk, challenge.stage,
                         challenge.status, challenge.deadline, challenge.opened_at,
                         challenge.resolved_at, texts.get("concern", ""), texts.get("evidence", ""),
                         tuple(events))


# --- the escalation job ----------------------------------------------------------------------------

_challenges = cast(Table, Challenge.__table__)
_events = cast(Table, ChallengeEvent.__table__)
NO_TEXT = b""  # a step the hub took itself: nothing was written, nothing to encrypt

# The actions that need a challenge: open and past the grace, or marked not done, and never
# challenged; each becomes a challenge at stage 1, raised by the agency that set the action (or
# the lead agency, for an action an agency set itself), in the same statement. Walks
# ix_actions_status_due (two ranges) and ix_challenges_action: the cost follows what is due, not
# how many actions there are.
_CHALLENGE_COLUMNS = ("id", "case_id", "action_id", "raised_by_agency_id", "against_agency_id",
                      "raised_by_id", "automatic", "immediate_risk", "stage", "status", "deadline",
                      "opened_at", "texts_ciphertext", "reason")
_NEEDING_A_CHALLENGE = (
    select(func.gen_random_uuid(), Action.case_id, Action.id,
           case((User.agency_id != Action.agency_id, User.agency_id), else_=Case.lead_agency_id),
           Action.agency_id, null(), true(), false(), literal(1), literal(OPEN),
           bindparam("deadline", type_=Date()), bindparam("now", type_=UTCDateTime()),
           bindparam("no_text", type_=LargeBinary()),
           case((Action.status == ActionStatus.NOT_DONE, "not_done"), else_="overdue"))
    .join(Case, Case.id == Action.case_id)
    .join(User, User.id == Action.created_by_id)
    .where(or_((Action.status == ActionStatus.OPEN) & (Action.due < bindparam("cutoff")),
               Action.status == ActionStatus.NOT_DONE),
           ~select(Challenge.id).where(Challenge.action_id == Action.id).exists())
    # FOR NO KEY UPDATE: another sweep's rows are skipped, while a person's challenge of the same
    # action (whose foreign key takes KEY SHARE) is waited for, and then kept.
    .with_for_update(of=Action, skip_locked=True, key_share=True)
)


def _opening_statement(session: Session) -> Any:
    """INSERT ... SELECT ... ON CONFLICT DO NOTHING: an action a person challenged in a transaction
    that commits first keeps that person's challenge (the unique index of open challenges)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return (dialect.insert(_challenges).from_select(_CHALLENGE_COLUMNS, _NEEDING_A_CHALLENGE)
            .on_conflict_do_nothing()
            .returning(_challenges.c.id, _challenges.c.case_id, _challenges.c.raised_by_agency_id,
                       _challenges.c.against_agency_id))


def _case_refs(session: Session, case_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 5000):
        found.update((case_id, ref) for case_id, ref in session.execute(
            select(Case.id, Case.ref).where(Case.id.in_(ids[start:start + 5000]))))
    return found


def _open_due(session: Session, policy: Policy, today: date, now: datetime) -> list[_Step]:
    """A challenge at stage 1 for each action that needs one, in one statement."""
    deadline = add_working_days(today, policy.stage_working_days(1))
    opened = session.execute(_opening_statement(session), {
        "cutoff": earliest_not_yet_overdue(today, policy.escalation_grace_working_days),
        "deadline": deadline, "now": now, "no_text": NO_TEXT}).all()
    refs = _case_refs(session, {row.case_id for row in opened})
    steps = [_Step(row.id, row.case_id, refs[row.case_id],
                   (row.raised_by_agency_id, row.against_agency_id), 1, deadline) for row in opened]
    _add_events(session, "opened", steps, now)
    return steps


def _move_past_deadline(session: Session, policy: Policy, today: date, now: datetime) -> list[_Step]:
    """Every open challenge past its deadline up one stage, with the new stage's deadline, in one
    UPDATE (rows another sweep holds are skipped on PostgreSQL)."""
    deadlines = {stage: add_working_days(today, policy.stage_working_days(stage + 1))
                 for stage in range(1, TOP_STAGE)}
    due = (select(_challenges.c.id)
           .where(_challenges.c.status == OPEN, _challenges.c.deadline < today,
                  _challenges.c.stage < TOP_STAGE)
           .with_for_update(skip_locked=True))
    moved = session.execute(
        update(_challenges).where(_challenges.c.id.in_(due.scalar_subquery()))
        .values(stage=_challenges.c.stage + 1, deadline=case(deadlines, value=_challenges.c.stage))
        .returning(_challenges.c.id, _challenges.c.case_id, _challenges.c.stage, _challenges.c.deadline,
                   _challenges.c.raised_by_agency_id, _challenges.c.against_agency_id)).all()
    refs = _case_refs(session, {row.case_id for row in moved})
    steps = [_Step(row.id, row.case_id, refs[row.case_id],
                   (row.raised_by_agency_id, row.against_agency_id), row.stage, row.deadline)
             for row in moved]
    _add_events(session, "escalated", steps, now)
    return steps


def _add_events(session: Session, kind: str, steps: Sequence[_Step], now: datetime) -> None:
    insert_rows(session, _events, [
        {"id": uuid.uuid4(), "challenge_id": step.challenge_id, "kind": kind, "stage": step.stage,
         "at": now, "by_id": None, "texts_ciphertext": NO_TEXT} for step in steps])


def escalate(session: Session, *, as_of: datetime, policy: Policy) -> int:
    """Open challenges for actions overdue by the grace or not done, and move every open
    challenge past its deadline up one stage, as of ``as_of``; e-mail each step's role holders
    and audit each step. Set-based (a handful of statements, whatever the number due),
    idempotent (run again as of the same moment, nothing is due), and safe when two run at once
    (rows locked with SKIP LOCKED on PostgreSQL; SQLite's write lock serialises)."""
    now = as_of
    today = policy.local_date(now)
    moved = _move_past_deadline(session, policy, today, now)
    opened = _open_due(session, policy, today, now)
    system = Actor.system()
    record_all(session, system, "challenge.raise", [
        Entry("challenge", step.challenge_id, step.case_id, {"stage": 1, "automatic": True})
        for step in opened], now=now)
    record_all(session, system, "challenge.escalate", [
        Entry("challenge", step.challenge_id, step.case_id, {"stage": step.stage}) for step in moved],
        now=now)
    enqueue_all(session, _messages(session, policy, [*moved, *opened]), now=now)
    return len(opened) + len(moved)


# --- without content: for the dashboard and the action page -----------------------------------------

@dataclass(frozen=True)
class ChallengeLine:
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    stage: int
    status: str
    deadline: date
    raised_by_agency: str
    against_agency: str


def _lines(db: Session, query: Any, params: dict[str, Any]) -> list[ChallengeLine]:
    rows = db.execute(query, params).all()
    codes = dict(db.execute(select(Agency.id, Agency.code).where(Agency.id.in_(
        {r.raised_by_agency_id for r in rows} | {r.against_agency_id for r in rows}))).all()) if rows else {}
    return [ChallengeLine(r.id, r.case_id, r.ref, r.stage, r.status, r.deadline,
                          codes[r.raised_by_agency_id], codes[r.against_agency_id]) for r in rows]


_LINE = select(Challenge.id, Challenge.case_id, Case.ref, Challenge.stage, Challenge.status,
               Challenge.deadline, Challenge.raised_by_agency_id, Challenge.against_agency_id
               ).join(Case, Case.id == Challenge.case_id)
_OPEN_FOR_AGENCY = (
    _LINE.where(Challenge.status == OPEN,
                or_(Challenge.against_agency_id == bindparam("agency_id"),
                    Challenge.raised_by_agency_id == bindparam("agency_id")))
    .order_by(Challenge.deadline).limit(bindparam("limit"))
)
_OF_ACTION = _LINE.where(Challenge.action_id == bindparam("action_id")).order_by(Challenge.opened_at)


def open_challenges_for(db: Session, user: User, *, limit: int = 10) -> list[ChallengeLine]:
    """The open challenges raised by or about the user's agency, soonest deadline first: stage,
    deadline and agencies only (the dashboard; the challenge's own page is the audited read)."""
    return _lines(db, _OPEN_FOR_AGENCY, {"agency_id": user.agency_id, "limit": limit})


def challenges_of_action(db: Session, action_id: uuid.UUID) -> list[ChallengeLine]:
    """An action's challenges, oldest first, without content (the action's page, already read
    through the access policy)."""
    return _lines(db, _OF_ACTION, {"action_id": action_id})
