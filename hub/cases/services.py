"""The only door to case state: create, read (decrypting and auditing), and membership."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Insert, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from hub.access import Permission, current_membership, has_permission, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.agencies.services import AGENCY_CODE
from hub.audit.services import record
from hub.cases import admission, rules
from hub.cases.models import (
    Case,
    CaseFlag,
    CaseKind,
    CaseMembership,
    CaseReferenceCounter,
    RepeatReferralLink,
)
from hub.config import Policy
from hub.crypto.blind_index import identity_index
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class Subject:
    name: str
    date_of_birth: date


def subject_binding(case_id: uuid.UUID, version: int) -> Binding:
    """Where a case's encrypted subject lives (its AEAD associated data)."""
    return Binding("cases", "subject", str(case_id), str(case_id), version)


def _subject_binding(case: Case) -> Binding:
    return subject_binding(case.id, case.subject_version)


def _agencies_by_code(session: Session, codes: list[str], field: str) -> dict[str, Agency]:
    # A code that cannot exist (e.g. one with a NUL byte from a URL) is never sent to the database.
    plausible = [c for c in codes if AGENCY_CODE.fullmatch(c)]
    found = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(plausible)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed({field: f"Unknown agency code: {', '.join(sorted(set(unknown)))}"})
    return found


_cases, _memberships, _agencies = Case.__table__, CaseMembership.__table__, Agency.__table__
_counters = cast(Table, CaseReferenceCounter.__table__)


def _per_dialect(build: Callable[[Any], Insert]) -> dict[str, Insert]:
    """One prepared ``INSERT ... ON CONFLICT DO NOTHING`` for each database the hub runs on."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


# Two creators of the first case of a kind in a year must not both insert the counter (a unique
# violation, answered 500): whoever comes second finds the row made and skips; the UPDATE then
# takes the row lock and returns the next number (PostgreSQL re-reads the row after the wait).
_NEW_COUNTER = _per_dialect(lambda insert: insert(_counters).values(
    kind=bindparam("kind"), year=bindparam("year"), last_number=0,
).on_conflict_do_nothing(index_elements=[_counters.c.kind, _counters.c.year]))
_TAKE_NUMBER = (
    update(_counters)
    .where(_counters.c.kind == bindparam("b_kind"), _counters.c.year == bindparam("b_year"))
    .values(last_number=_counters.c.last_number + 1)
    .returning(_counters.c.last_number)
)
# An agency admitted twice at once: the second finds the current membership and gets nothing
# back (409), instead of a unique violation on uq_case_memberships_current (500).
_NEW_MEMBERSHIP = _per_dialect(lambda insert: insert(_memberships).values(
    case_id=bindparam("case_id"), agency_id=bindparam("agency_id"), is_lead=False,
    added_at=bindparam("added_at"), added_by_id=bindparam("added_by_id"),
).on_conflict_do_nothing(
    index_elements=[_memberships.c.case_id, _memberships.c.agency_id],
    index_where=_memberships.c.removed_at.is_(None),
).returning(_memberships.c.id))


def _dialect(session: Session) -> str:
    return session.connection().dialect.name


def _next_reference(session: Session, kind: str, year: int) -> str:
    """The next running number of a kind and year: consecutive, and never the same twice, however
    many cases are opened at once (on PostgreSQL too, where writers do not queue at BEGIN)."""
    session.execute(_NEW_COUNTER[_dialect(session)], {"kind": kind, "year": year})
    number = session.execute(_TAKE_NUMBER, {"b_kind": kind, "b_year": year}).scalar_one()
    return rules.case_reference(kind, year, number)


_LAST_MARAC_REFERRAL = (
    select(Case.id, Case.created_at)
    .where(Case.kind == CaseKind.MARAC, Case.subject_index == bindparam("index"))
    .order_by(Case.created_at.desc())
    .limit(1)
)


def create_case(
    session: Session,
    actor: Actor,
    *,
    kind: CaseKind,
    subject: Subject,
    agency_codes: list[str],
    envelope: Envelope,
    policy: Policy,
    now: datetime,
) -> Case:
    """Open a case led by the creator's agency; MARAC referrals are checked for repeats (SafeLives).

    A repeat is linked to the earlier referral whoever refers it; the caller is told ("repeat" in
    the flags) only if its agency is a current member of that earlier case (DESIGN.md section 4).
    """
    assert actor.user is not None
    problems = {field: problem for field, problem in (
        ("subject.name", rules.subject_name_problem(subject.name)),
        ("subject.date_of_birth", rules.valid_date_of_birth(subject.date_of_birth, now.date())),
    ) if problem}
    if problems:
        raise ValidationFailed(problems)
    codes = list(dict.fromkeys(agency_codes))
    agencies = _agencies_by_code(session, codes, "agencies")

    dob = subject.date_of_birth.isoformat()
    index = identity_index(envelope.keyring.blind_index_key, subject.name, dob)
    earlier: uuid.UUID | None = None
    if kind is CaseKind.MARAC:
        last = session.execute(_LAST_MARAC_REFERRAL, {"index": index}).first()
        if last is not None and rules.is_repeat_referral(last.created_at, now,
                                                         policy.marac_repeat_months):
            earlier = last.id
    # What the caller may be told; every member of the new case sees the stored flags.
    flags: list[str] = []
    if earlier is not None and current_membership(session, earlier, actor.user.agency_id):
        flags.append(CaseFlag.REPEAT)

    case = Case(
        id=uuid.uuid4(),
        ref=_next_reference(session, kind, now.year),
        kind=kind,
        lead_agency_id=actor.user.agency_id,
        subject_version=1,
        subject_index=index,
        flags=[],
        created_at=now,
        created_by_id=actor.user.id,
    )
    plaintext = json.dumps({"name": subject.name, "date_of_birth": dob}).encode()
    case.subject_ciphertext = envelope.encrypt(
        session, plaintext, _subject_binding(case), case_uuid=case.id, now=now
    )
    session.add(case)
    session.flush()
    members = [actor.user.agency] + [a for c, a in agencies.items() if c != actor.user.agency.code]
    # Every partner named at the start joins as any later member does: on a lawful ground that
    # the admission checks find (membership is sharing), or the whole case is refused.
    grounds = {agency.id: admission.admit(session, case, agency, policy=policy, now=now)
               for agency in members[1:]}
    admitted: dict[str, Any] = {}
    for agency in members:
        membership = CaseMembership(
            case_id=case.id,
            agency_id=agency.id,
            is_lead=agency.id == actor.user.agency_id,
            added_at=now,
            added_by_id=actor.user.id,
        )
        session.add(membership)
        if agency.id in grounds:
            session.flush()
            admitted[agency.code] = admission.record_grounds(session, grounds[agency.id], membership.id)
    if earlier is not None:
        session.add(RepeatReferralLink(case_id=case.id, earlier_case_id=earlier, found_at=now))
    # The audit trail of the new case is read by its members' leads: it says what the caller
    # was told, no more.
    record(
        session, actor, "case.create", now=now, object_type="case", object_id=case.id,
        case_id=case.id, details={"kind": str(kind), "ref": case.ref, "flags": flags,
                                  "agencies": [a.code for a in members],
                                  **({"grounds": admitted} if any(admitted.values()) else {})},
    )
    session.flush()
    return case


# The agency (bound as ``agency_id``) is a current member of the case. EXISTS rather than a join:
# SQLite then walks ix_cases_newest from the newest case and stops once a page is full, where the
# join sorted every case of the agency (100 ms for 10,000); PostgreSQL plans the semi-join either
# way from its statistics. Both are written on the tables, so that a statement made only of them
# runs as plain Core (the dashboard's lines skip the ORM's loading machinery); ORM statements use
# them as they are.
_AGENCY_IS_MEMBER = (
    select(_memberships.c.id)
    .where(_memberships.c.case_id == _cases.c.id,
           _memberships.c.agency_id == bindparam("agency_id"),
           _memberships.c.removed_at.is_(None))
    .exists()
)
_NEWEST_FIRST = (_cases.c.created_at.desc(), _cases.c.ref.desc())
_MY_CASES = (
    select(Case)
    .where(_AGENCY_IS_MEMBER)
    .order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
    .options(selectinload(Case.memberships))
)


def list_cases(session: Session, user: User, *, limit: int = 200, offset: int = 0) -> list[Case]:
    """Cases the user's agency is currently a member of, newest first (need to know), with
    their memberships (one extra query for the whole page).

    Roles without the case-list permission (administrators, auditors) get none (invariant 2).
    """
    if not has_permission(user, Permission.CASE_LIST):
        return []
    params = {"agency_id": user.agency_id, "limit": limit, "offset": offset}
    return list(session.scalars(_MY_CASES, params))


class CaseLine(NamedTuple):
    """One line of a case list: what a list shows, nothing encrypted, no ORM object."""

    id: uuid.UUID
    ref: str
    kind: str
    lead_agency: str
    created_at: datetime


_CASE_LINES = (
    select(_cases.c.id, _cases.c.ref, _cases.c.kind, _agencies.c.name, _cases.c.created_at)
    .join(_agencies, _agencies.c.id == _cases.c.lead_agency_id)
    .where(_AGENCY_IS_MEMBER)
    .order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit"))
)


def case_lines(session: Session, user: User, *, limit: int = 50) -> list[CaseLine]:
    """The newest ``limit`` cases of ``list_cases``, as plain lines (the dashboard's list).

    Only the columns a list shows are read: no subject ciphertext, no identity map to fill.
    """
    if not has_permission(user, Permission.CASE_LIST):
        return []
    rows = session.execute(_CASE_LINES, {"agency_id": user.agency_id, "limit": limit})
    return [CaseLine._make(row) for row in rows]


# The cases (bound as ``case_ids``) that repeat an earlier MARAC referral of which the agency
# (bound as ``agency_id``) is a current member.
_REPEATS_SEEN_BY_AGENCY = (
    select(RepeatReferralLink.case_id)
    .join(CaseMembership, CaseMembership.case_id == RepeatReferralLink.earlier_case_id)
    .where(RepeatReferralLink.case_id.in_(bindparam("case_ids", expanding=True)),
           CaseMembership.agency_id == bindparam("agency_id"),
           CaseMembership.removed_at.is_(None))
)


def case_flags(session: Session, user: User, cases: list[Case]) -> dict[uuid.UUID, list[str]]:
    """Each case's flags as the user's agency may see them: "repeat" only for a current member of
    the earlier referral (DESIGN.md section 4). One query for a page, none without MARAC cases."""
    marac = [c.id for c in cases if c.kind == CaseKind.MARAC]
    repeats = set(session.scalars(_REPEATS_SEEN_BY_AGENCY,
                                  {"case_ids": marac, "agency_id": user.agency_id})) if marac else set()
    return {c.id: [*c.flags, *([str(CaseFlag.REPEAT)] if c.id in repeats else [])] for c in cases}


def decrypt_subject(
    session: Session, envelope: Envelope, ciphertext: bytes, case_id: uuid.UUID, version: int
) -> Subject:
    """Decrypt one version of a case's subject; a failed tag raises DecryptionError."""
    raw = json.loads(envelope.decrypt(session, ciphertext, subject_binding(case_id, version)))
    return Subject(name=raw["name"], date_of_birth=date.fromisoformat(raw["date_of_birth"]))


def read_subject(session: Session, case: Case, envelope: Envelope) -> Subject:
    return decrypt_subject(session, envelope, case.subject_ciphertext, case.id, case.subject_version)


def open_case(
    session: Session, actor: Actor, case_id: uuid.UUID, *, envelope: Envelope, now: datetime
) -> tuple[Case, Subject]:
    """Read one case with its decrypted subject; the read is audited (DPA 2018 s62 consultation)."""
    assert actor.user is not None
    case = visible_case(session, actor.user, case_id, Permission.CASE_READ, members=True)
    subject = read_subject(session, case, envelope)
    record(session, actor, "case.read", now=now, object_type="case", object_id=case.id,
           case_id=case.id)
    return case, subject


def add_member(
    session: Session, actor: Actor, case_id: uuid.UUID, agency_code: str, *, policy: Policy,
    now: datetime,
) -> CaseMembership:
    """Admit an agency to a case (lead agency only) on the ground the admission checks find
    (membership is sharing; 409 without one); history is kept, never overwritten."""
    assert actor.user is not None
    case = visible_case(session, actor.user, case_id, Permission.CASE_MEMBERS_MANAGE)
    agency = _agencies_by_code(session, [agency_code], "agency")[agency_code]
    if current_membership(session, case.id, agency.id) is not None:
        raise Conflict(f"{agency.code} is already a member of this case")
    grounds = admission.admit(session, case, agency, policy=policy, now=now)
    membership_id = session.execute(_NEW_MEMBERSHIP[_dialect(session)], {
        "case_id": case.id, "agency_id": agency.id, "added_at": now, "added_by_id": actor.user.id,
    }).scalar()
    if membership_id is None:
        raise Conflict(f"{agency.code} is already a member of this case")
    ground = admission.record_grounds(session, grounds, membership_id)
    record(session, actor, "case.member.add", now=now, object_type="case", object_id=case.id,
           case_id=case.id, details={"agency": agency.code, **ground})
    session.flush()
    membership = session.get(CaseMembership, membership_id)
    assert membership is not None
    return membership


def remove_member(
    session: Session, actor: Actor, case_id: uuid.UUID, agency_code: str, *, now: datetime
) -> None:
    """End an agency's membership (lead agency only); the lead agency cannot remove itself."""
    assert actor.user is not None
    case = visible_case(session, actor.user, case_id, Permission.CASE_MEMBERS_MANAGE)
    agency = _agencies_by_code(session, [agency_code], "agency")[agency_code]
    if agency.id == case.lead_agency_id:
        raise Conflict("The lead agency cannot be removed from its own case")
    result = session.execute(
        update(CaseMembership)
        .where(
            CaseMembership.case_id == case.id,
            CaseMembership.agency_id == agency.id,
            CaseMembership.removed_at.is_(None),
        )
        .values(removed_at=now, removed_by_id=actor.user.id)
    )
    if not getattr(result, "rowcount", 0):
        raise ValidationFailed({"agency": f"{agency.code} is not a member of this case"})
    record(session, actor, "case.member.remove", now=now, object_type="case", object_id=case.id,
           case_id=case.id, details={"agency": agency.code})
    session.flush()
    session.expire(case)
