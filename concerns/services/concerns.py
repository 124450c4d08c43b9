"""Safeguarding concerns (DOMAIN.md §11): raised by any practitioner about a person, triaged by
the named safeguarding leads of the practitioner's agency by the end of the next working day.

Who a concern is about is a case the agency is a member of, or a name and date of birth; a name
is matched, through the keyed blind index, against the agency's own cases only, so raising a
concern never reveals another agency's case. A concern is seen by the named leads of its agency
and by the person who raised it; to anyone else it does not exist. Immediate risk e-mails the
named leads at once: a link, never who or what (invariant 6). Each triage outcome is one call
that makes what it implies, in the request's one transaction: an s42 enquiry opens (or links)
the adult case and proposes the strategy discussion against its clock; a MARAC referral opens the
MARAC case and records the referral with the DASH count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from concerns import rules
from concerns.models import Concern
from concerns.rules import ConcernIn, ConcernStatus, Outcome, TriageIn
from concerns.services.leads import is_named_lead, lead_addresses
from hub.access import Permission, check, current_membership, note_refused_case, visible_case
from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.services import record
from hub.cases.models import Case, CaseKind, CaseMembership
from hub.cases.services import Subject, create_case, read_subject
from hub.config import Policy
from hub.crypto.blind_index import identity_index
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.mail.outbox import Message, enqueue_all
from meetings.rules import ReferralIn, clock, target_date
from meetings.services.marac import record_referral


@dataclass(frozen=True)
class ConcernLine:
    """A concern in a list: what the queue shows, without anything written about the person."""

    id: uuid.UUID
    status: str
    raised_at: datetime
    triage_due: datetime
    categories: tuple[str, ...]
    immediate_risk: bool
    case_id: uuid.UUID | None
    case_ref: str | None
    raised_by: str
    outcome: str | None

    def overdue(self, now: datetime) -> bool:
        return self.status == ConcernStatus.AWAITING_TRIAGE and self.triage_due < now


@dataclass(frozen=True)
class ConcernView:
    line: ConcernLine
    subject: Subject
    child: bool
    person_aware: bool
    consent_status: str
    texts: dict[str, str]
    triaged_at: datetime | None = None
    triaged_by: str | None = None
    triage: dict[str, Any] | None = None
    dash_score: int | None = None
    outcome_case_id: uuid.UUID | None = None
    outcome_case_ref: str | None = None
    strategy_due: date | None = None


# A concern's texts are the agency's record of what it was told, kept apart from any case's data
# keys: bound to the concern alone (a case it later links to does not move them).
def _texts_binding(concern_id: uuid.UUID) -> Binding:
    return Binding("concerns", "texts", str(concern_id), None, 1)


def _subject_binding(concern_id: uuid.UUID) -> Binding:
    return Binding("concerns", "subject", str(concern_id), None, 1)


def _triage_binding(concern_id: uuid.UUID) -> Binding:
    return Binding("concerns", "triage", str(concern_id), None, 1)


# The agency's own open case of the person, by blind index (never another agency's).
_OWN_CASE_OF = (
    select(Case)
    .where(Case.subject_index == bindparam("index"),
           select(CaseMembership.id).where(CaseMembership.case_id == Case.id,
                                           CaseMembership.agency_id == bindparam("agency_id"),
                                           CaseMembership.removed_at.is_(None)).exists())
    .order_by(Case.created_at.desc())
)


def _own_case(db: Session, index: str, agency_id: int, kind: str | None = None) -> Case | None:
    query = _OWN_CASE_OF.where(Case.kind == kind) if kind else _OWN_CASE_OF
    return db.scalars(query.limit(1), {"index": index, "agency_id": agency_id}).first()


def concern_person(db: Session, user: User, concern: ConcernIn, *, envelope: Envelope,
                   today: date) -> tuple[Case | None, Subject, bool]:
    """Who a concern is about, or every problem of its answers at once (422 keyed by field; 404 for
    a case the agency is not a member of): the case named, or the person by name and date of birth
    with the agency's own case of them when there is one (by blind index, never another agency's),
    and whether they are a child (their age, or a child's case), which decides the categories."""
    problems = rules.person_problems(concern, today)
    case: Case | None = None
    subject: Subject | None = None
    if concern.case_id is not None and not problems:
        case = visible_case(db, user, concern.case_id, Permission.CASE_READ)
        subject = read_subject(db, case, envelope)
    elif not problems:
        assert concern.subject_date_of_birth is not None
        subject = Subject(concern.subject_name.strip(), concern.subject_date_of_birth)
        case = _own_case(db, identity_index(envelope.keyring.blind_index_key, subject.name,
                                            subject.date_of_birth.isoformat()), user.agency_id)
    child = None if subject is None else (
        rules.is_child(subject.date_of_birth, today) or (case is not None and case.kind == CaseKind.CHILD))
    problems = rules.concern_problems(concern, child=child, today=today)
    if problems:
        raise ValidationFailed(problems)
    assert subject is not None
    assert child is not None
    return case, subject, child


def raise_concern(db: Session, actor: Actor, concern: ConcernIn, *, envelope: Envelope, policy: Policy,
                  now: datetime) -> ConcernView:
    """Raise a concern for the caller's agency's named leads: about a case the agency is a member
    of (404 otherwise), or a person by name and date of birth (linked to the agency's own case of
    them, when there is one). 422 keyed by field; immediate risk e-mails the named leads. Audited."""
    assert actor.user is not None
    check(actor.user, Permission.CONCERN_RAISE)
    today = policy.local_date(now)
    case, subject, child = concern_person(db, actor.user, concern, envelope=envelope, today=today)
    row = Concern(id=uuid.uuid4(), agency_id=actor.user.agency_id, raised_by_id=actor.user.id,
                  raised_at=now, case_id=case.id if case else None, child=child,
                  categories=list(concern.categories), immediate_risk=concern.immediate_risk,
                  person_aware=concern.person_aware, consent_status=concern.consent_status,
                  status=ConcernStatus.AWAITING_TRIAGE, triage_due=rules.triage_due(now, policy))
    texts = {"account": concern.account.strip(), "opinion": concern.opinion.strip(),
             "immediate_action": concern.immediate_action.strip() if concern.immediate_risk else "",
             "views": concern.views.strip(), "desired_outcomes": concern.desired_outcomes.strip()}
    row.texts_ciphertext = envelope.encrypt_json(db, texts, _texts_binding(row.id), case_uuid=None,
                                                 now=now)
    if case is None:
        row.subject_ciphertext = envelope.encrypt_json(
            db, {"name": subject.name, "date_of_birth": subject.date_of_birth.isoformat()},
            _subject_binding(row.id), case_uuid=None, now=now)
    db.add(row)
    db.flush()
    if concern.immediate_risk:
        _notify_immediate_risk(db, row, today=today, now=now)
    record(db, actor, "concern.raise", now=now, object_type="concern", object_id=row.id,
           case_id=case.id if case else None,
           details={"immediate_risk": concern.immediate_risk, "categories": list(concern.categories),
                    "matched_case": case is not None and concern.case_id is None})
    return ConcernView(_line(row, case.ref if case else None, actor.user.name), subject, child,
                       row.person_aware, row.consent_status, texts)


def _notify_immediate_risk(db: Session, row: Concern, *, today: date, now: datetime) -> None:
    """Every named lead of the agency, at once: that a concern with immediate risk waits, and
    where; never who it is about or what was seen (invariant 6)."""
    subject = "Safeguarding concern with immediate risk"
    body = ("A safeguarding concern with immediate risk has been raised in your agency and waits "
            "for a named lead's decision.\n\nSign in to the safeguarding hub to read it:")
    enqueue_all(db, [Message("concern.immediate_risk", email, subject, body, row.case_id,
                             f"/concerns/{row.id}")
                     for email in lead_addresses(db, row.agency_id, today=today)], now=now)


def _line(row: Concern, case_ref: str | None, raised_by: str) -> ConcernLine:
    return ConcernLine(row.id, row.status, row.raised_at, row.triage_due, tuple(row.categories),
                       row.immediate_risk, row.case_id, case_ref, raised_by, row.outcome)


def _visible(db: Session, actor: Actor, concern_id: uuid.UUID, permission: Permission, *,
             today: date) -> tuple[Concern, bool]:
    """The concern, for a named lead of its agency or the person who raised it (and whether the
    caller is a named lead); 404 for anyone else."""
    assert actor.user is not None
    check(actor.user, permission)
    row = db.get(Concern, concern_id)
    lead = is_named_lead(db, actor.user, today=today)
    if row is None or row.agency_id != actor.user.agency_id or (
            not lead and row.raised_by_id != actor.user.id):
        if row is not None and row.case_id is not None:
            note_refused_case(db, row.case_id)  # probing leaves a trace naming the case, too
        raise NotFound("No such concern, or not one of your agency's")
    return row, lead


def get_concern(db: Session, actor: Actor, concern_id: uuid.UUID, *, envelope: Envelope, policy: Policy,
                now: datetime) -> ConcernView:
    """One concern in full (the read is audited)."""
    row, _ = _visible(db, actor, concern_id, Permission.CONCERN_READ, today=policy.local_date(now))
    record(db, actor, "concern.read", now=now, object_type="concern", object_id=row.id,
           case_id=row.case_id)
    return _view(db, envelope, row)


def _view(db: Session, envelope: Envelope, row: Concern) -> ConcernView:
    refs = dict(db.execute(select(Case.id, Case.ref).where(
        Case.id.in_({i for i in (row.case_id, row.outcome_case_id) if i is not None}))).all())
    names = dict(db.execute(select(User.id, User.name).where(
        User.id.in_({i for i in (row.raised_by_id, row.triaged_by_id) if i is not None}))).all())
    subject = _subject_of(db, envelope, row)
    texts = envelope.decrypt_json(db, row.texts_ciphertext, _texts_binding(row.id))
    triage = (envelope.decrypt_json(db, row.triage_ciphertext, _triage_binding(row.id))
              if row.triage_ciphertext is not None else None)
    return ConcernView(
        _line(row, refs.get(row.case_id) if row.case_id else None, names.get(row.raised_by_id, "")),
        subject, row.child, row.person_aware, row.consent_status, texts, row.triaged_at,
        names.get(row.triaged_by_id) if row.triaged_by_id else None, triage, row.dash_score,
        row.outcome_case_id, refs.get(row.outcome_case_id) if row.outcome_case_id else None,
        row.strategy_due)


def concerns_of(db: Session, actor: Actor, *, status: str | None, policy: Policy, now: datetime,
                limit: int = 50, offset: int = 0, audit_empty: bool = True) -> list[ConcernLine]:
    """The caller's agency's concerns for a named lead (awaiting triage: soonest deadline first;
    otherwise newest first), the ones they raised for anyone else. Audited."""
    assert actor.user is not None
    check(actor.user, Permission.CONCERN_READ)
    if status is not None and status not in set(ConcernStatus):
        raise ValidationFailed({"status": f"Choose one of {', '.join(ConcernStatus)}"})
    lead = is_named_lead(db, actor.user, today=policy.local_date(now))
    query = (select(Concern, Case.ref, User.name).outerjoin(Case, Case.id == Concern.case_id)
             .join(User, User.id == Concern.raised_by_id)
             .where(Concern.agency_id == actor.user.agency_id))
    if not lead:
        query = query.where(Concern.raised_by_id == actor.user.id)
    if status is not None:
        query = query.where(Concern.status == status)
    order = (Concern.triage_due, Concern.raised_at) if status == ConcernStatus.AWAITING_TRIAGE else \
        (Concern.raised_at.desc(),)
    rows = db.execute(query.order_by(*order).limit(limit).offset(offset)).all()
    if rows or audit_empty:
        record(db, actor, "concern.list", now=now, object_type="agency", object_id=actor.user.agency_id,
               details={"count": len(rows), "status": status})
    return [_line(row, ref, name) for row, ref, name in rows]


@dataclass(frozen=True)
class Awaiting:
    total: int
    overdue: int
    immediate_risk: int


# The agency's (bound as ``agency_id``) concerns awaiting triage, overdue by ``now`` and with
# immediate risk: built once for the named leads' dashboards.
_concerns = cast(Table, Concern.__table__)
_AWAITING = (select(func.count(), func.count().filter(_concerns.c.triage_due < bindparam("now")),
                    func.count().filter(_concerns.c.immediate_risk.is_(True)))
             .where(_concerns.c.agency_id == bindparam("agency_id"),
                    _concerns.c.status == str(ConcernStatus.AWAITING_TRIAGE)))


def awaiting_count(db: Session, actor: Actor, *, now: datetime) -> Awaiting:
    """How many of the agency's concerns await triage, how many of those are overdue and how many
    carry immediate risk (figures only, for a named lead's dashboard)."""
    assert actor.user is not None
    total, overdue, immediate = db.execute(_AWAITING, {"agency_id": actor.user.agency_id, "now": now}).one()
    return Awaiting(int(total), int(overdue), int(immediate))


# --- triage ----------------------------------------------------------------------------------------

def triage(db: Session, actor: Actor, concern_id: uuid.UUID, decision: TriageIn, *, envelope: Envelope,
           policy: Policy, now: datetime) -> ConcernView:
    """A named lead of the concern's agency records the outcome with its reasons (403 for anyone
    else who may see it, 409 once triaged, 422 keyed by field) and, in the same transaction, what
    the outcome makes: the adult case of an s42 enquiry (opened or linked) with the strategy
    discussion's target date, a child's case for a referral to children's services, the MARAC
    case and its referral with the DASH count. Audited."""
    assert actor.user is not None
    today = policy.local_date(now)
    row, lead = _visible(db, actor, concern_id, Permission.CONCERN_TRIAGE, today=today)
    if not lead:
        raise Forbidden("Only a named safeguarding lead of the agency triages its concerns")
    if row.status != ConcernStatus.AWAITING_TRIAGE:
        raise Conflict("This concern has been triaged already")
    problems = rules.triage_problems(decision, child=row.child)
    if problems:
        raise ValidationFailed(problems)
    outcome_case: Case | None = None
    if decision.outcome == Outcome.S42_ENQUIRY:
        outcome_case = _case_for(db, actor, row, CaseKind.ADULT, envelope=envelope, policy=policy, now=now)
    elif decision.outcome == Outcome.CHILD_REFERRAL:
        outcome_case = _case_for(db, actor, row, CaseKind.CHILD, envelope=envelope, policy=policy, now=now)
    elif decision.outcome == Outcome.MARAC_REFERRAL:
        outcome_case = _marac_case(db, actor, row, decision, envelope=envelope, policy=policy, now=now)
    if outcome_case is not None and outcome_case.kind in (CaseKind.ADULT, CaseKind.CHILD):
        row.strategy_due = target_date(clock("strategy", [outcome_case.kind], policy), now, policy)
    row.status = ConcernStatus.TRIAGED
    row.outcome = decision.outcome
    row.triaged_at, row.triaged_by_id = now, actor.user.id
    row.dash_score = decision.dash_score if decision.outcome == Outcome.MARAC_REFERRAL else None
    row.outcome_case_id = outcome_case.id if outcome_case else None
    if row.case_id is None and outcome_case is not None:
        row.case_id = outcome_case.id
    answers = {q: {"answer": a.answer, "evidence": a.evidence.strip()}
               for q, a in (decision.s42 or {}).items()} if decision.outcome == Outcome.S42_ENQUIRY else {}
    row.triage_ciphertext = envelope.encrypt_json(
        db, {"rationale": decision.rationale.strip(), "referred_to": decision.referred_to.strip(),
             "s42": answers}, _triage_binding(row.id), case_uuid=None, now=now)
    db.flush()
    record(db, actor, "concern.triage", now=now, object_type="concern", object_id=row.id,
           case_id=row.case_id, details={"outcome": decision.outcome, "on_time": now <= row.triage_due,
                                         **({"case": str(outcome_case.id)} if outcome_case else {})})
    return _view(db, envelope, row)


def _subject_of(db: Session, envelope: Envelope, row: Concern) -> Subject:
    if row.subject_ciphertext is not None:
        raw = envelope.decrypt_json(db, row.subject_ciphertext, _subject_binding(row.id))
        return Subject(raw["name"], date.fromisoformat(raw["date_of_birth"]))
    case = db.get(Case, row.case_id)
    assert case is not None
    return read_subject(db, case, envelope)


def _case_for(db: Session, actor: Actor, row: Concern, kind: CaseKind, *, envelope: Envelope,
              policy: Policy, now: datetime) -> Case:
    """The agency's open case of ``kind`` about the person (the concern's own, or one found by the
    blind index), else a new one led by the agency."""
    assert actor.user is not None
    if row.case_id is not None:
        linked = db.get(Case, row.case_id)
        if linked is not None and linked.kind == kind and \
                current_membership(db, linked.id, row.agency_id) is not None:
            return linked
    subject = _subject_of(db, envelope, row)
    index = identity_index(envelope.keyring.blind_index_key, subject.name, subject.date_of_birth.isoformat())
    found = _own_case(db, index, row.agency_id, kind)
    if found is not None and found.status == "open":
        return found
    return create_case(db, actor, kind=kind, subject=subject, agency_codes=[], envelope=envelope,
                       policy=policy, now=now)


def _marac_case(db: Session, actor: Actor, row: Concern, decision: TriageIn, *, envelope: Envelope,
                policy: Policy, now: datetime) -> Case:
    """A MARAC case for the person, referred by the agency with the DASH count; below the
    threshold, the lead's reasons are the professional judgement that refers it (SafeLives)."""
    subject = _subject_of(db, envelope, row)
    case = create_case(db, actor, kind=CaseKind.MARAC, subject=subject, agency_codes=[], envelope=envelope,
                       policy=policy, now=now)
    assert decision.dash_score is not None
    below = decision.dash_score < policy.marac_dash_threshold
    record_referral(db, actor, case.id, ReferralIn(
        dash_score=decision.dash_score,
        professional_judgement=decision.rationale.strip() if below else "",
        incidents_12_months=0, children=False, victim_aware=row.person_aware,
        not_aware_reason="" if row.person_aware else "Not told when the concern was raised"),
        envelope=envelope, policy=policy, now=now)
    return case


def concerns_raised_by_me(db: Session, actor: Actor, *, limit: int = 5) -> list[ConcernLine]:
    """The caller's own latest concerns, for the dashboard (no content; not audited: nothing
    about the person is shown)."""
    assert actor.user is not None
    rows = db.execute(select(Concern, Case.ref).outerjoin(Case, Case.id == Concern.case_id)
                      .where(Concern.raised_by_id == actor.user.id)
                      .order_by(Concern.raised_at.desc()).limit(limit)).all()
    return [_line(row, ref, actor.user.name) for row, ref in rows]

