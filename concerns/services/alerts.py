"""Alerts raised by the observation thresholds (DOMAIN.md §11): seen and acknowledged, with the
action taken, by the observing agency's named leads; escalated to its managers when not
acknowledged within the policy's working hours. Two sweeps, both set-based (the rows due are
found by index, whatever the number of cases), idempotent and safe when two run at once (SKIP
LOCKED on PostgreSQL): raising "no observation for N days", and escalating.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Alert, ObservationPlan
from concerns.rules import AlertStatus
from concerns.services.leads import is_named_lead, lead_addresses
from hub.access import Permission, check, current_membership, note_refused_case
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.audit.services import Entry, record, record_all
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from hub.db import insert_rows
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all

_alerts = cast(Table, Alert.__table__)
_plans = cast(Table, ObservationPlan.__table__)


@dataclass(frozen=True)
class AlertView:
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    threshold: str
    raised_at: datetime
    escalate_at: datetime
    status: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    action_taken: str | None = None
    note: str = ""

    @property
    def description(self) -> str:
        return rules.describe_threshold(self.threshold)


def _binding(alert_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding("observation_alerts", "texts", str(alert_id), str(case_id), 1)


def may_see_alerts(db: Session, user: User, *, policy: Policy, now: datetime) -> bool:
    """The agency's named leads, and its managers (to whom unacknowledged alerts escalate)."""
    return user.has_role(Role.MANAGER) or is_named_lead(db, user, today=policy.local_date(now))


def _for_alert_readers(db: Session, actor: Actor, permission: Permission, *, policy: Policy,
                       now: datetime) -> User:
    assert actor.user is not None
    check(actor.user, permission)
    if not may_see_alerts(db, actor.user, policy=policy, now=now):
        raise Forbidden("Alerts go to the agency's named safeguarding leads and its managers")
    return actor.user


_LIST = (select(Alert, Case.ref).join(Case, Case.id == Alert.case_id)
         .where(Alert.agency_id == bindparam("agency_id")))


def agency_alerts(db: Session, actor: Actor, *, status: str | None, policy: Policy, now: datetime,
                  limit: int = 50, offset: int = 0, audit_empty: bool = True) -> list[AlertView]:
    """The agency's alerts, newest first (open and escalated ones first when no status is
    asked for). Audited, without content: an alert names only its threshold."""
    user = _for_alert_readers(db, actor, Permission.ALERT_READ, policy=policy, now=now)
    if status is not None and status not in set(AlertStatus):
        raise ValidationFailed({"status": f"Choose one of {', '.join(AlertStatus)}"})
    query = _LIST.where(Alert.status == status) if status else _LIST
    rows = db.execute(query.order_by(Alert.raised_at.desc(), Alert.id).limit(limit).offset(offset),
                      {"agency_id": user.agency_id}).all()
    if rows or audit_empty:
        record(db, actor, "alert.list", now=now, object_type="agency", object_id=user.agency_id,
               details={"count": len(rows), "status": status})
    return [_view(alert, ref) for alert, ref in rows]


# The agency's (bound as ``agency_id``) open and escalated alerts, built once for the dashboards.
_ALERT_COUNTS = (select(func.count().filter(_alerts.c.status == str(AlertStatus.OPEN)),
                        func.count().filter(_alerts.c.status == str(AlertStatus.ESCALATED)))
                 .where(_alerts.c.agency_id == bindparam("agency_id"),
                        _alerts.c.status != str(AlertStatus.ACKNOWLEDGED)))


def open_alert_count(db: Session, agency_id: int) -> tuple[int, int]:
    """How many of the agency's alerts are open, and how many escalated (figures only)."""
    open_, escalated = db.execute(_ALERT_COUNTS, {"agency_id": agency_id}).one()
    return int(open_), int(escalated)


def _view(alert: Alert, ref: str, *, by: str | None = None, note: str = "") -> AlertView:
    return AlertView(alert.id, alert.case_id, ref, alert.threshold, alert.raised_at, alert.escalate_at,
                     alert.status, alert.acknowledged_at, by, alert.action_taken, note)


def case_alerts(db: Session, case_id: uuid.UUID, agency_id: int, *, limit: int = 10) -> list[AlertView]:
    """The latest alerts of one agency on one case (its panel on the case page)."""
    rows = db.execute(_LIST.where(Alert.case_id == case_id).order_by(Alert.raised_at.desc()).limit(limit),
                      {"agency_id": agency_id}).all()
    return [_view(alert, ref) for alert, ref in rows]


def get_alert(db: Session, actor: Actor, alert_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
              now: datetime) -> AlertView:
    """One alert with its acknowledgement (audited); 404 outside the agency."""
    user = _for_alert_readers(db, actor, Permission.ALERT_READ, policy=policy, now=now)
    alert, ref = _of_agency(db, user, alert_id)
    record(db, actor, "alert.read", now=now, object_type="alert", object_id=alert.id, case_id=alert.case_id)
    return _full_view(db, envelope, alert, ref)


def _full_view(db: Session, envelope: Envelope, alert: Alert, ref: str) -> AlertView:
    by = db.scalar(select(User.name).where(User.id == alert.acknowledged_by_id)) \
        if alert.acknowledged_by_id else None
    note = ""
    if alert.texts_ciphertext is not None:
        note = envelope.decrypt_json(db, alert.texts_ciphertext, _binding(alert.id, alert.case_id))["note"]
    return _view(alert, ref, by=by, note=note)


def _of_agency(db: Session, user: User, alert_id: uuid.UUID) -> tuple[Alert, str]:
    found = db.execute(_LIST.where(Alert.id == alert_id), {"agency_id": user.agency_id}).first()
    if found is None or current_membership(db, found[0].case_id, user.agency_id) is None:
        case_id = db.scalar(select(Alert.case_id).where(Alert.id == alert_id))
        if case_id is not None:
            note_refused_case(db, case_id)  # probing leaves a trace naming the case, too
        raise NotFound("No such alert, or not one of your agency's")
    return found[0], found[1]


def acknowledge(db: Session, actor: Actor, alert_id: uuid.UUID, *, action_taken: str, note: str,
                envelope: Envelope, policy: Policy, now: datetime) -> AlertView:
    """A named lead (or a manager, once it is theirs) acknowledges an alert with the action taken;
    no action needs its reason. 409 once acknowledged; 422 keyed by field. Audited."""
    user = _for_alert_readers(db, actor, Permission.ALERT_ACKNOWLEDGE, policy=policy, now=now)
    alert, ref = _of_agency(db, user, alert_id)
    problems = rules.acknowledgement_problems(action_taken, note)
    if problems:
        raise ValidationFailed(problems)
    if alert.status == AlertStatus.ACKNOWLEDGED:
        raise Conflict("This alert has been acknowledged already")
    was = alert.status
    alert.status, alert.acknowledged_at, alert.acknowledged_by_id = AlertStatus.ACKNOWLEDGED, now, user.id
    alert.action_taken = action_taken
    alert.texts_ciphertext = envelope.encrypt_json(db, {"note": note.strip()},
                                                   _binding(alert.id, alert.case_id),
                                                   case_uuid=alert.case_id, now=now)
    db.flush()
    record(db, actor, "alert.acknowledge", now=now, object_type="alert", object_id=alert.id,
           case_id=alert.case_id, details={"action_taken": action_taken, "was": was,
                                           "on_time": now <= alert.escalate_at})
    return _view(alert, ref, by=user.name, note=note.strip())


# --- the sweeps --------------------------------------------------------------------------------------

def raise_missing(session: Session, *, policy: Policy, now: datetime) -> int:
    """An alert for every plan whose "no observation for N days" has come (one UPDATE that
    clears each plan's clock, RETURNING the plans; one INSERT of the alerts); each agency's named
    leads get one e-mail that counts them. Run again as of the same moment: nothing is due."""
    settings = policy.observations
    due = (select(_plans.c.id).where(_plans.c.missing_due <= bindparam("now"), _plans.c.ended_at.is_(None))
           .with_for_update(skip_locked=True))
    plans = session.execute(update(_plans).where(_plans.c.id.in_(due.scalar_subquery()))
                            .values(missing_due=None)
                            .returning(_plans.c.case_id, _plans.c.agency_id), {"now": now}).all()
    if not plans:
        return 0
    threshold = rules.missing_threshold(settings)
    escalate_at = rules.add_working_hours(now, settings.acknowledge_working_hours, policy)
    rows = [{"id": uuid.uuid4(), "case_id": case_id, "agency_id": agency_id, "observation_id": None,
             "threshold": threshold, "raised_at": now, "escalate_at": escalate_at,
             "status": AlertStatus.OPEN.value} for case_id, agency_id in plans]
    insert_rows(session, _alerts, rows)
    record_all(session, Actor.system(), "alert.raise", [
        Entry("alert", row["id"], row["case_id"], {"threshold": threshold}) for row in rows], now=now)
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row["agency_id"]] += 1
    today = policy.local_date(now)
    messages = []
    for agency_id, count in counts.items():
        subject = "Cases without a daily observation"
        body = (f"{count} case{'s' if count != 1 else ''} of your agency with daily observation agreed "
                f"{'have' if count != 1 else 'has'} had no observation for {settings.missing_days} days. "
                "Acknowledge each alert with the action taken. Sign in to the safeguarding hub:")
        messages += [Message("alert.missing", email, subject, body, None, "/alerts?status=open")
                     for email in lead_addresses(session, agency_id, today=today)]
    enqueue_all(session, messages, now=now)
    return len(rows)


def escalate(session: Session, *, policy: Policy, now: datetime) -> int:
    """Every open alert past its acknowledgement deadline to its agency's managers (one UPDATE,
    RETURNING the alerts); each agency's managers get one e-mail that counts them."""
    due = (select(_alerts.c.id).where(_alerts.c.status == AlertStatus.OPEN.value,
                                      _alerts.c.escalate_at <= bindparam("now"))
           .with_for_update(skip_locked=True))
    moved = session.execute(update(_alerts).where(_alerts.c.id.in_(due.scalar_subquery()))
                            .values(status=AlertStatus.ESCALATED.value, escalated_at=bindparam("now"))
                            .returning(_alerts.c.id, _alerts.c.case_id, _alerts.c.agency_id),
                            {"now": now}).all()
    if not moved:
        return 0
    record_all(session, Actor.system(), "alert.escalate", [
        Entry("alert", alert_id, case_id, None) for alert_id, case_id, _ in moved], now=now)
    counts: dict[int, int] = defaultdict(int)
    for _, _, agency_id in moved:
        counts[agency_id] += 1
    managers: dict[int, list[str]] = defaultdict(list)
    for email, agency_id, roles in session.execute(
            select(User.email, User.agency_id, User.roles)
            .where(User.agency_id.in_(counts), User.active.is_(True)).order_by(User.email)):
        if Role.MANAGER in roles:
            managers[agency_id].append(email)
    messages: list[Message] = []
    for agency_id, count in counts.items():
        subject = "Observation alerts not acknowledged in time"
        body = (f"{count} observation alert{'s' if count != 1 else ''} of your agency "
                f"{'were' if count != 1 else 'was'} not acknowledged by a named safeguarding lead within "
                f"{policy.observations.acknowledge_working_hours} working hours. Sign in to the "
                "safeguarding hub to act on them:")
        messages += [Message("alert.escalated", email, subject, body, None, "/alerts?status=escalated")
                     for email in managers[agency_id]]
    enqueue_all(session, messages, now=now)
    return len(moved)


def sweep(session: Session, *, policy: Policy, now: datetime) -> int:
    """The `observations` job: missing observations first, then escalation (an alert raised now
    is not yet due)."""
    return raise_missing(session, policy=policy, now=now) + escalate(session, policy=policy, now=now)

