"""Named safeguarding leads (DOMAIN.md §11): an agency's active `lead` role holders, and the
deputies a lead names for the days a lead is away. They triage the agency's concerns and receive
its alerts; they are who the immediate-risk e-mail goes to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Deputy
from hub.access import Permission, check
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.audit.services import record
from hub.errors import Forbidden, NotFound, ValidationFailed


@dataclass(frozen=True)
class LeadView:
    id: uuid.UUID
    name: str
    email: str
    deputy: bool
    starts: date | None = None
    ends: date | None = None


def _active_deputies(today: date) -> Select[User, Deputy]:
    return (select(User, Deputy).join(Deputy, Deputy.user_id == User.id)
            .where(User.active.is_(True), Deputy.starts <= today, Deputy.ends >= today))


def named_leads(db: Session, agency_id: int, *, today: date) -> list[LeadView]:
    """The agency's named safeguarding leads on ``today``: its active leads, then the deputies
    named for the day."""
    leads = db.scalars(select(User).where(User.agency_id == agency_id, User.active.is_(True))
                       .order_by(User.name)).all()
    found = [LeadView(u.id, u.name, u.email, False) for u in leads if u.has_role(Role.LEAD)]
    for user, deputy in db.execute(_active_deputies(today).where(Deputy.agency_id == agency_id)
                                   .order_by(User.name)):
        if user.id not in {lead.id for lead in found}:
            found.append(LeadView(user.id, user.name, user.email, True, deputy.starts, deputy.ends))
    return found


# Whether the person (bound as ``user_id``) is named a deputy of the agency (``agency_id``) for
# ``today``: built once, since every dashboard of a practitioner asks.
_deputies = cast(Table, Deputy.__table__)
_DEPUTY_TODAY = (select(_deputies.c.id)
                 .where(_deputies.c.user_id == bindparam("user_id"),
                        _deputies.c.agency_id == bindparam("agency_id"),
                        _deputies.c.starts <= bindparam("today"), _deputies.c.ends >= bindparam("today"))
                 .limit(1))


def is_named_lead(db: Session, user: User, *, today: date) -> bool:
    """A lead of the agency, or a deputy named for ``today``."""
    if user.has_role(Role.LEAD):
        return True
    return db.scalar(_DEPUTY_TODAY, {"user_id": user.id, "agency_id": user.agency_id,
                                     "today": today}) is not None


def lead_addresses(db: Session, agency_id: int, *, today: date) -> list[str]:
    return [lead.email for lead in named_leads(db, agency_id, today=today)]


def name_deputy(db: Session, actor: Actor, *, user_id: uuid.UUID, starts: date | None, ends: date | None,
                today: date, now: datetime) -> LeadView:
    """A lead names an active person of the agency as a deputy from ``starts`` to ``ends``
    (inclusive; up to a year, not in the past). Audited."""
    assert actor.user is not None
    check(actor.user, Permission.DEPUTY_MANAGE)
    if not actor.user.has_role(Role.LEAD):
        raise Forbidden("Only a named safeguarding lead names a deputy")
    problems: dict[str, str] = {}
    person = db.get(User, user_id)
    if person is None or not person.active or person.agency_id != actor.user.agency_id:
        problems["user_id"] = "Choose an active person of your agency"
    elif person.has_role(Role.LEAD):
        problems["user_id"] = "A lead is a named lead already"
    elif not person.has_role(Role.PRACTITIONER, Role.MANAGER):
        # IG, administrators and auditors hold no case work: they could not triage a concern.
        problems["user_id"] = "Choose a practitioner or manager: the deputy triages concerns"
    problems.update(rules.deputy_date_problems(starts, ends, today=today))
    if problems:
        raise ValidationFailed(problems)
    assert person is not None
    assert starts is not None
    assert ends is not None
    deputy = Deputy(id=uuid.uuid4(), agency_id=actor.user.agency_id, user_id=person.id, starts=starts,
                    ends=ends, named_by_id=actor.user.id, named_at=now)
    db.add(deputy)
    db.flush()
    record(db, actor, "deputy.name", now=now, object_type="deputy", object_id=deputy.id,
           details={"user": str(person.id), "starts": starts.isoformat(), "ends": ends.isoformat()})
    return LeadView(person.id, person.name, person.email, True, starts, ends)


def end_deputy(db: Session, actor: Actor, deputy_id: uuid.UUID, *, today: date, now: datetime) -> None:
    """A lead ends a deputy's days early (from yesterday), or withdraws days still to come."""
    assert actor.user is not None
    check(actor.user, Permission.DEPUTY_MANAGE)
    deputy = db.get(Deputy, deputy_id)
    if deputy is None or deputy.agency_id != actor.user.agency_id:
        raise NotFound("No such deputy of your agency")
    if not actor.user.has_role(Role.LEAD):
        raise Forbidden("Only a named safeguarding lead ends a deputy's days")
    if deputy.ends < today:
        return
    deputy.ends = max(deputy.starts - timedelta(days=1), today - timedelta(days=1))
    db.flush()
    record(db, actor, "deputy.end", now=now, object_type="deputy", object_id=deputy.id)


def deputies(db: Session, agency_id: int, *, today: date) -> list[tuple[uuid.UUID, LeadView]]:
    """The agency's deputies for today and days to come, soonest first."""
    rows = db.execute(select(User, Deputy).join(Deputy, Deputy.user_id == User.id)
                      .where(Deputy.agency_id == agency_id, Deputy.ends >= today,
                             Deputy.starts <= Deputy.ends)
                      .order_by(Deputy.starts, User.name)).all()
    return [(d.id, LeadView(u.id, u.name, u.email, True, d.starts, d.ends)) for u, d in rows]
