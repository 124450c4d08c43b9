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

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.access import Permission, check, note_refused_case, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.mail.outbox import enqueue
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


def _seal(db: Session, envelope: Envelope, table: str, row_id: uuid.UUID, case_id: uuid.UUID,
          values: dict[str, Any], now: datetime) -> bytes:
    plaintext = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return envelope.encrypt(db, plaintext, _binding(table, row_id, case_id), case_uuid=case_id, now=now)


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
            challenge.texts_ciphertext = _seal(db, envelope, "challenges", challenge.id,
                                               action.case_id, texts, now)
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
    event.texts_ciphertext = _seal(db, envelope, "challenge_events", event.id, challenge.case_id,
                                   texts, now)
    db.add(event)
    db.flush()


def _notify(db: Session, policy: Policy, challenge: Challenge, now: datetime) -> None:
    """Both agencies' holders of the stage's role: the case reference, the stage and a link (on
    opening, on each move up, and on the outcome)."""
    role = policy.stage_role(challenge.stage)
    ref = db.scalar(select(Case.ref).where(Case.id == challenge.case_id))
    people = db.scalars(select(User).where(
        User.agency_id.in_({challenge.raised_by_agency_id, challenge.against_agency_id}),
        User.active.is_(True)).order_by(User.email)).all()
    for person in people:
        if not person.has_role(role):
            continue
        if challenge.status == RESOLVED:
            subject = f"Professional challenge resolved on case {ref}"
            body = (f"The professional challenge about an action on case {ref} has been resolved "
                    f"at stage {challenge.stage}, with an agreed plan.\n\nSign in to the "
                    "safeguarding hub to read the outcome:")
        else:
            subject = f"Professional challenge at stage {challenge.stage} on case {ref}"
            body = (f"A professional challenge about an action on case {ref} is at stage "
                    f"{challenge.stage} ({STAGE_NAMES[challenge.stage]}) and needs your agency's "
                    f"response by {challenge.deadline:%-d %B %Y}.\n\nSign in to the safeguarding "
                    "hub to read it:")
        enqueue(db, kind="challenge.stage" if challenge.status == OPEN else "challenge.resolved",
                recipient=person.email, case_id=challenge.case_id, subject=subject, body=body,
                link_path=f"/challenges/{challenge.id}", now=now)


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


def view(db: Session, envelope: Envelope, challenge: Challenge) -> ChallengeView:
    texts = json.loads(envelope.decrypt(db, challenge.texts_ciphertext,
                                        _binding("challenges", challenge.id, challenge.case_id)))
    events = []
    for event in db.scalars(select(ChallengeEvent).where(ChallengeEvent.challenge_id == challenge.id)
                            .order_by(ChallengeEvent.at, ChallengeEvent.stage)):
        by = db.get(User, event.by_id) if event.by_id else None
        events.append(EventView(event.kind, event.stage, event.at, by.name if by else None, json.loads(
            envelope.decrypt(db, event.texts_ciphertext,
                             _binding("challenge_events", event.id, challenge.case_id)))))
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

_NEEDING_A_CHALLENGE = (
    select(Action, Case.lead_agency_id)
    .join(Case, Case.id == Action.case_id)
    .where(or_((Action.status == ActionStatus.OPEN) & (Action.due < bindparam("cutoff")),
               Action.status == ActionStatus.NOT_DONE),
           ~select(Challenge.id).where(Challenge.action_id == Action.id).exists())
    .order_by(Action.due)
    .with_for_update(of=Action, skip_locked=True)
)
_PAST_DEADLINE = (
    select(Challenge)
    .where(Challenge.status == OPEN, Challenge.deadline < bindparam("today"),
           Challenge.stage < TOP_STAGE)
    .order_by(Challenge.deadline)
    .with_for_update(skip_locked=True)
)


def escalate(session: Session, *, as_of: datetime, policy: Policy, envelope: Envelope) -> int:
    """Open challenges for actions overdue by the grace or not done, and move every open
    challenge past its deadline up one stage, as of ``context.as_of``. Set-based (two indexed
    queries), idempotent (run again as of the same moment, nothing is due), and safe when two run
    at once (rows locked with SKIP LOCKED on PostgreSQL; SQLite's write lock serialises)."""
    now = as_of
    today = policy.local_date(now)
    done = 0
    cutoff = earliest_not_yet_overdue(today, policy.escalation_grace_working_days)
    for action, lead_agency_id in session.execute(_NEEDING_A_CHALLENGE, {"cutoff": cutoff}).all():
        # Raised by the agency that set the action (or the lead agency, for its own).
        setter = session.get(User, action.created_by_id)
        raised_by = setter.agency_id if setter and setter.agency_id != action.agency_id else lead_agency_id
        reason = ("marked not done by the agency" if action.status == ActionStatus.NOT_DONE
                  else f"overdue since {action.due:%-d %B %Y}")
        opened = _open(session, envelope, policy, action, raised_by_agency_id=raised_by, raised_by=None,
                       stage=1, immediate_risk=False, automatic=True,
                       texts={"concern": f"Opened by the hub: the action is {reason}", "evidence": ""},
                       now=now)
        if opened is not None:
            record(session, Actor.system(), "challenge.raise", now=now, object_type="challenge",
                   object_id=opened.id, case_id=opened.case_id, details={"stage": 1, "automatic": True})
            done += 1
    for challenge in session.scalars(_PAST_DEADLINE, {"today": today}).all():
        challenge.stage += 1
        challenge.deadline = add_working_days(today, policy.stage_working_days(challenge.stage))
        session.flush()
        _event(session, envelope, challenge, "escalated", None,
               {"reason": "The deadline of the stage before passed without a resolution"}, now)
        _notify(session, policy, challenge, now)
        record(session, Actor.system(), "challenge.escalate", now=now, object_type="challenge",
               object_id=challenge.id, case_id=challenge.case_id, details={"stage": challenge.stage})
        done += 1
    return done


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
