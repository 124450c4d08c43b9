"""What the concerns package's pages need besides the services the API shares: who a concern
from a case's page is about, the checks a concern's answers face before its check-your-answers
page (those of raising it, with nothing written), the confirmation of a concern just raised and
of an observation just recorded, and the people a lead may name as a deputy.

None of these shows anything written about a person (a case reference, a deadline, a threshold's
name), so none is audited; the services that record and read content audit as they do for the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Alert, Concern, Observation
from concerns.rules import ConcernIn
from concerns.services.concerns import ConcernLine, concern_person
from hub.access import Permission, check, visible_case
from hub.actor import Actor
from hub.agencies.models import Role, User
from hub.cases.models import Case, CaseKind
from hub.cases.services import read_subject
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.errors import NotFound


@dataclass(frozen=True)
class ConcernPerson:
    """Who a concern is about, as far as its form needs to know: the case (if any) and whether
    the person is a child (None while that is not known)."""

    case_id: uuid.UUID | None
    case_ref: str | None
    child: bool | None


def _case_person(db: Session, user: User, case_id: uuid.UUID, *, envelope: Envelope,
                 today: date) -> ConcernPerson:
    case = visible_case(db, user, case_id, Permission.CASE_READ)
    subject = read_subject(db, case, envelope)
    child = rules.is_child(subject.date_of_birth, today) or case.kind == CaseKind.CHILD
    return ConcernPerson(case.id, case.ref, child)


def person_of_case(db: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope,
                   today: date) -> ConcernPerson:
    """A concern raised from a case's page: the case, if the caller's agency is a member of it
    (404 otherwise, as raising the concern would be), and whether its person is a child (their
    age today, or a child's case) so that the form offers Working Together's categories."""
    assert actor.user is not None
    check(actor.user, Permission.CONCERN_RAISE)
    return _case_person(db, actor.user, case_id, envelope=envelope, today=today)


def check_concern(db: Session, actor: Actor, concern: ConcernIn, *, envelope: Envelope, policy: Policy,
                  now: datetime) -> ConcernPerson:
    """The problems raising ``concern`` would meet (422 keyed by field, 404 for a case the agency
    is not a member of), found before the check-your-answers page and writing nothing: the same
    checks as raising it (services.concerns.concern_person). Which case a person named rather than
    chosen is linked to is not shown until the concern is raised."""
    assert actor.user is not None
    check(actor.user, Permission.CONCERN_RAISE)
    case, _subject, child = concern_person(db, actor.user, concern, envelope=envelope,
                                           today=policy.local_date(now))
    if concern.case_id is not None and case is not None:
        return ConcernPerson(case.id, case.ref, child)
    return ConcernPerson(None, None, child)


def raised_line(db: Session, actor: Actor, concern_id: uuid.UUID) -> ConcernLine:
    """A concern the caller raised, for the confirmation that follows: its deadline and the
    agency's case it was linked to. 404 for anyone but the person who raised it."""
    assert actor.user is not None
    check(actor.user, Permission.CONCERN_READ)
    found = db.execute(select(Concern, Case.ref).outerjoin(Case, Case.id == Concern.case_id)
                       .where(Concern.id == concern_id, Concern.raised_by_id == actor.user.id,
                              Concern.agency_id == actor.user.agency_id)).first()
    if found is None:
        raise NotFound("No such concern, or not one you raised")
    row, ref = found
    return ConcernLine(row.id, row.status, row.raised_at, row.triage_due, tuple(row.categories),
                       row.immediate_risk, row.case_id, ref, actor.user.name, row.outcome)


def thresholds_crossed(db: Session, actor: Actor, case_id: uuid.UUID, observation_id: uuid.UUID) -> list[str]:
    """The thresholds an observation the caller recorded crossed (the names of its alerts, never
    a score or the note), for the confirmation that follows; 404 for anyone else."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.OBSERVATION_RECORD)
    recorded = db.scalar(select(Observation.id).where(
        Observation.id == observation_id, Observation.case_id == case.id,
        Observation.agency_id == actor.user.agency_id, Observation.observed_by_id == actor.user.id))
    if recorded is None:
        raise NotFound("No such observation, or not one you recorded")
    return list(db.scalars(select(Alert.threshold).where(Alert.observation_id == recorded)
                           .order_by(Alert.threshold)))


def deputy_candidates(db: Session, agency_id: int) -> list[tuple[uuid.UUID, str]]:
    """The active people of the agency a lead may name as a deputy (anyone but its leads), by name."""
    people = db.scalars(select(User).where(User.agency_id == agency_id, User.active.is_(True))
                        .order_by(User.name)).all()
    return [(person.id, person.name) for person in people if not person.has_role(Role.LEAD)]
