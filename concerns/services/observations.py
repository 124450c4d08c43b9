"""Daily wellbeing observations (DOMAIN.md §11): recorded by a member agency on a case where it
has agreed daily observation, scored 0-3 on the policy's indicators with a short note; the
thresholds of `[policy.observations]` are evaluated on each one (concerns.rules) and every
threshold crossed raises an alert to the observing agency's named leads.

Scores and note are one encrypted JSON object per observation; the alert names the threshold,
never a score or the note, and so does its e-mail (a case reference and a link, invariant 6).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Alert, Observation, ObservationPlan
from concerns.rules import AlertStatus, ObservationIn
from concerns.services.leads import lead_addresses
from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, ValidationFailed
from hub.mail.outbox import Message, enqueue_all

CHART_DAYS = 28


@dataclass(frozen=True)
class PlanView:
    case_id: uuid.UUID
    agency_code: str
    agreed_at: datetime
    last_observed_at: datetime | None
    missing_due: datetime | None


@dataclass(frozen=True)
class RaisedAlert:
    id: uuid.UUID
    threshold: str


@dataclass(frozen=True)
class ObservationView:
    id: uuid.UUID
    case_id: uuid.UUID
    agency_code: str
    observed_by: str
    observed_at: datetime
    scores: dict[str, int]
    note: str
    alerts: tuple[RaisedAlert, ...] = ()

    @property
    def total(self) -> int:
        return rules.total_of(self.scores)


def _binding(observation_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding("observations", "content", str(observation_id), str(case_id), 1)


# Built once (an observation is recorded many times a day): the agency's (bound as
# ``agency_id``) plan in force on a case (``case_id``); the times of a plan's (``plan_id``)
# observations in a period (``since``, ``until``); the content of some of them (``ids``).
_ACTIVE_PLAN = select(ObservationPlan).where(
    ObservationPlan.case_id == bindparam("case_id"), ObservationPlan.agency_id == bindparam("agency_id"),
    ObservationPlan.ended_at.is_(None))
_observations = cast(Table, Observation.__table__)
_TIMES_IN_PERIOD = (select(_observations.c.id, _observations.c.observed_at)
                    .where(_observations.c.plan_id == bindparam("plan_id"),
                           _observations.c.observed_at >= bindparam("since"),
                           _observations.c.observed_at < bindparam("until"))
                    .order_by(_observations.c.observed_at))
_CONTENTS = (select(_observations.c.id, _observations.c.content_ciphertext)
             .where(_observations.c.id.in_(bindparam("ids", expanding=True))))


def _active_plan(db: Session, case_id: uuid.UUID, agency_id: int) -> ObservationPlan | None:
    return db.scalars(_ACTIVE_PLAN, {"case_id": case_id, "agency_id": agency_id}).first()


def _plan_view(plan: ObservationPlan, agency_code: str) -> PlanView:
    return PlanView(plan.case_id, agency_code, plan.agreed_at, plan.last_observed_at, plan.missing_due)


def plan_of(db: Session, actor: Actor, case_id: uuid.UUID) -> PlanView | None:
    """The caller's agency's daily observation of the case, if agreed (no content: not audited)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.OBSERVATION_READ)
    plan = _active_plan(db, case.id, actor.user.agency_id)
    return _plan_view(plan, actor.user.agency.code) if plan is not None else None


def set_daily_observation(db: Session, actor: Actor, case_id: uuid.UUID, *, agreed: bool, policy: Policy,
                          now: datetime) -> PlanView | None:
    """Agree (or end) daily observation of a case by the caller's agency; agreeing again changes
    nothing. From the agreement the missing-observation clock runs. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.OBSERVATION_PLAN)
    plan = _active_plan(db, case.id, actor.user.agency_id)
    if agreed and plan is None:
        plan = ObservationPlan(id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id,
                               agreed_at=now, agreed_by_id=actor.user.id,
                               missing_due=rules.missing_due(now, policy.observations))
        db.add(plan)
        db.flush()
        record(db, actor, "observation.plan.agree", now=now, object_type="case", object_id=case.id,
               case_id=case.id)
    elif not agreed and plan is not None:
        plan.ended_at, plan.ended_by_id, plan.missing_due = now, actor.user.id, None
        db.flush()
        record(db, actor, "observation.plan.end", now=now, object_type="case", object_id=case.id,
               case_id=case.id)
        return None
    return _plan_view(plan, actor.user.agency.code) if plan is not None else None


def _previous_days(db: Session, envelope: Envelope, plan: ObservationPlan, day: date,
                   policy: Policy) -> list[tuple[date, int]]:
    """The total of each of the `total_rise_days` local days before ``day`` (its last
    observation's): found by index, and only those few observations decrypted."""
    zone = ZoneInfo(policy.timezone)
    until = datetime.combine(day, time(0), zone)
    since = until - timedelta(days=policy.observations.total_rise_days)
    last: dict[date, tuple[uuid.UUID, datetime]] = {}
    for observation_id, at in db.execute(_TIMES_IN_PERIOD, {"plan_id": plan.id, "since": since,
                                                            "until": until}):
        last[policy.local_date(at)] = (observation_id, at)
    if not last:
        return []
    blobs = dict(db.execute(_CONTENTS, {"ids": [i for i, _ in last.values()]}).all())
    return [(observed_on, rules.total_of(envelope.decrypt_json(
        db, blobs[observation_id], _binding(observation_id, plan.case_id))["scores"]))
        for observed_on, (observation_id, _) in sorted(last.items())]


def record_observation(db: Session, actor: Actor, case_id: uuid.UUID, observation: ObservationIn, *,
                       envelope: Envelope, policy: Policy, now: datetime) -> ObservationView:
    """Record an observation for the caller's agency (409 unless it has agreed daily observation of
    the case; 422 keyed by field), evaluate the thresholds against it and the previous days, raise
    an alert for each one crossed and e-mail the agency's named leads. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.OBSERVATION_RECORD)
    settings = policy.observations
    problems = rules.observation_problems(observation, settings, now=now)
    if problems:
        raise ValidationFailed(problems)
    plan = _active_plan(db, case.id, actor.user.agency_id)
    if plan is None:
        raise Conflict("Your agency has not agreed daily observation of this case: agree it on the "
                       "case's page first")
    scores = {name: cast(int, score) for name, score in observation.scores.items()}
    day = policy.local_date(observation.observed_at)
    previous = rules.previous_daily_totals(_previous_days(db, envelope, plan, day, policy), day, settings)
    crossed = rules.score_thresholds(scores, settings) + \
        rules.rise_threshold(rules.total_of(scores), previous, settings)
    row = Observation(id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id, plan_id=plan.id,
                      observed_by_id=actor.user.id, observed_at=observation.observed_at, recorded_at=now)
    row.content_ciphertext = envelope.encrypt_json(db, {"scores": scores, "note": observation.note.strip()},
                                                   _binding(row.id, case.id), case_uuid=case.id, now=now)
    db.add(row)
    if plan.last_observed_at is None or observation.observed_at > plan.last_observed_at:
        plan.last_observed_at = observation.observed_at
        plan.missing_due = rules.missing_due(observation.observed_at, settings)
    escalate_at = rules.add_working_hours(now, settings.acknowledge_working_hours, policy)
    alerts = [Alert(id=uuid.uuid4(), case_id=case.id, agency_id=actor.user.agency_id, observation_id=row.id,
                    threshold=threshold, raised_at=now, escalate_at=escalate_at, status=AlertStatus.OPEN)
              for threshold in crossed]
    db.flush()
    if alerts:
        db.add_all(alerts)
        db.flush()
        _notify(db, case, actor.user.agency_id, [a.threshold for a in alerts], policy=policy, now=now)
    record(db, actor, "observation.record", now=now, object_type="observation", object_id=row.id,
           case_id=case.id, details={"alerts": [{"id": str(a.id), "threshold": a.threshold} for a in alerts]})
    return ObservationView(row.id, case.id, actor.user.agency.code, actor.user.name, row.observed_at, scores,
                           observation.note.strip(), tuple(RaisedAlert(a.id, a.threshold) for a in alerts))


def _notify(db: Session, case: Case, agency_id: int, thresholds: Sequence[str], *, policy: Policy,
            now: datetime) -> None:
    """The named leads: which thresholds were crossed on which case, and a link."""
    crossed = "\n".join(f"- {rules.describe_threshold(t)}" for t in thresholds)
    subject = f"Observation alert on case {case.ref}"
    body = (f"A daily observation on case {case.ref} crossed these thresholds:\n{crossed}\n\n"
            "Acknowledge the alert and record the action taken. Sign in to the safeguarding hub:")
    enqueue_all(db, [Message("alert.raised", email, subject, body, case.id, "/alerts")
                     for email in lead_addresses(db, agency_id, today=policy.local_date(now))], now=now)


def case_observations(db: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
                      now: datetime, days: int = CHART_DAYS, limit: int | None = None,
                      offset: int = 0) -> list[ObservationView]:
    """The case's observations of the last ``days`` days by any member agency, oldest first (the
    chart and its table), or a page of them. Audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.OBSERVATION_READ)
    since = now - timedelta(days=days)
    rows = db.execute(select(Observation, Agency.code, User.name)
                      .join(Agency, Agency.id == Observation.agency_id)
                      .join(User, User.id == Observation.observed_by_id)
                      .where(Observation.case_id == case.id, Observation.observed_at >= since)
                      .order_by(Observation.observed_at, Observation.id).limit(limit).offset(offset)).all()
    record(db, actor, "observation.list", now=now, object_type="case", object_id=case.id, case_id=case.id,
           details={"count": len(rows), "days": days})
    found = []
    for row, code, name in rows:
        content = envelope.decrypt_json(db, row.content_ciphertext, _binding(row.id, case.id))
        found.append(ObservationView(row.id, case.id, code, name, row.observed_at,
                                     {k: int(v) for k, v in content["scores"].items()}, content["note"]))
    return found


def chart_days(observations: Sequence[ObservationView], *, policy: Policy, today: date,
               days: int = CHART_DAYS) -> list[tuple[date, dict[str, int] | None]]:
    """Each of the last ``days`` local days with that day's last observation's scores (None for
    a day without one): the figures the chart and its table both show."""
    last: dict[date, dict[str, int]] = {}
    for observation in observations:
        last[policy.local_date(observation.observed_at)] = observation.scores
    first = today - timedelta(days=days - 1)
    return [(first + timedelta(days=n), last.get(first + timedelta(days=n))) for n in range(days)]
