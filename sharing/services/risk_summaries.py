"""Writing and reading a case's risk summary and crisis plan, version by version.

Any current member agency may write the next version and read every version; every read of
content is audited. A version is never changed: the next one replaces it as the latest, and any
two can be compared field by field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from hub.access import Permission, visible_case
from hub.actor import Actor
from hub.agencies.models import Agency, User
from hub.audit.services import record
from hub.cases.models import Case, CaseMembership
from hub.crypto.blind_index import text_index
from hub.crypto.envelope import Binding, Envelope
from hub.errors import Conflict, NotFound, ValidationFailed
from sharing.models import RiskSummary, RiskSummaryText
from sharing.rules import (
    STAGE_LABELS,
    TEXT_FIELDS,
    RiskSummaryIn,
    generic_warnings,
    review_overdue,
    summary_problems,
)

TABLE = "risk_summaries"


@dataclass(frozen=True)
class VersionInfo:
    """A version without its content (lists, and the heading of a version's page)."""

    id: uuid.UUID
    case_id: uuid.UUID
    version: int
    level: str
    agency_code: str
    agency_name: str
    author: str
    recorded_at: datetime
    next_review: date | None

    def review_overdue(self, today: date) -> bool:
        return review_overdue(self.next_review, today)


@dataclass(frozen=True)
class Version:
    info: VersionInfo
    summary: RiskSummaryIn


@dataclass(frozen=True)
class Recorded:
    info: VersionInfo
    warnings: dict[str, str]


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _binding(row_id: uuid.UUID, case_id: uuid.UUID) -> Binding:
    return Binding(TABLE, "content", str(row_id), str(case_id), 1)


def _indexes(envelope: Envelope, summary: RiskSummaryIn) -> dict[str, str]:
    key = envelope.keyring.blind_index_key
    found = {name: text_index(key, text) for name, text in summary.texts().items()}
    return {name: index for name, index in found.items() if index is not None}


_COPIED = (
    select(RiskSummaryText.field, RiskSummaryText.text_index)
    .where(RiskSummaryText.case_id != bindparam("case_id"),
           RiskSummaryText.text_index.in_(bindparam("indexes", expanding=True)))
    .distinct()
)


def warnings_for(db: Session, envelope: Envelope, case_id: uuid.UUID,
                 summary: RiskSummaryIn) -> dict[str, str]:
    """The generic-content warnings of a plan for this case: empty fields, and fields whose words
    (folded as names are) are the same field's in another case's plan, found by blind index
    without reading any plan."""
    indexes = _indexes(envelope, summary)
    copied: frozenset[str] = frozenset()
    if indexes:
        found = db.execute(_COPIED, {"case_id": case_id, "indexes": sorted(set(indexes.values()))})
        copied = frozenset(name for name, index in found if indexes.get(name) == index)
    return generic_warnings(summary, copied)


def check_summary(db: Session, actor: Actor, case_id: uuid.UUID, summary: RiskSummaryIn, *,
                  envelope: Envelope, today: date) -> dict[str, str]:
    """Before saving (the form's check page): the errors raise, the warnings are returned."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.RISK_SUMMARY_WRITE)
    errors = summary_problems(summary, today=today)
    if errors:
        raise ValidationFailed(errors)
    return warnings_for(db, envelope, case.id, summary)


def record_summary(db: Session, actor: Actor, case_id: uuid.UUID, summary: RiskSummaryIn, *,
                   envelope: Envelope, now: datetime, today: date,
                   based_on: int | None = None) -> Recorded:
    """Save the next version (422 keyed by field, nothing written; 409 when someone saved a
    version after ``based_on``, or at the same moment). The content is encrypted; audited."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.RISK_SUMMARY_WRITE)
    errors = summary_problems(summary, today=today)
    if errors:
        raise ValidationFailed(errors)
    latest = db.scalar(select(func.max(RiskSummary.version)).where(RiskSummary.case_id == case.id)) or 0
    if based_on is not None and based_on != latest:
        raise Conflict(f"Version {latest} has been saved since you opened version {based_on}: "
                       "open the latest version and add your changes to it")
    warnings = warnings_for(db, envelope, case.id, summary)
    row = RiskSummary(id=uuid.uuid4(), case_id=case.id, version=latest + 1,
                      agency_id=actor.user.agency_id, author_id=actor.user.id,
                      level=summary.level, next_review=summary.next_review, recorded_at=now)
    db.flush()
    try:
        # Row, data key and indexes together: a version saved by someone else at the same
        # moment takes the number, and this one leaves the session as if never written.
        with db.begin_nested():
            row.content_ciphertext = envelope.encrypt_json(db, summary.content(), _binding(row.id, case.id),
                                                           case_uuid=case.id, now=now)
            db.add(row)
            db.flush()
            db.add_all(RiskSummaryText(summary_id=row.id, field=name, case_id=case.id, text_index=index)
                       for name, index in _indexes(envelope, summary).items())
            db.flush()
    except IntegrityError:
        raise Conflict("Someone has just saved a new version of this plan: open the latest "
                       "version and add your changes to it") from None
    record(db, actor, "risk_summary.record", now=now, object_type="risk_summary", object_id=row.id,
           case_id=case.id, details={"version": row.version, "level": row.level,
                                     "warnings": sorted(warnings)})
    agency = actor.user.agency
    return Recorded(VersionInfo(row.id, case.id, row.version, row.level, agency.code, agency.name,
                                actor.user.name, row.recorded_at, row.next_review), warnings)


_Author = aliased(User)
_VERSIONS = (
    select(RiskSummary.id, RiskSummary.case_id, RiskSummary.version, RiskSummary.level, Agency.code,
           Agency.name, _Author.name, RiskSummary.recorded_at, RiskSummary.next_review)
    .join(Agency, Agency.id == RiskSummary.agency_id)
    .join(_Author, _Author.id == RiskSummary.author_id)
)


def list_versions(db: Session, actor: Actor, case_id: uuid.UUID, *, now: datetime,
                  limit: int = 50, offset: int = 0) -> list[VersionInfo]:
    """Every version, newest first, without content (the list is audited, as every read is)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.RISK_SUMMARY_READ)
    rows = db.execute(_VERSIONS.where(RiskSummary.case_id == case.id)
                      .order_by(RiskSummary.version.desc()).limit(limit).offset(offset)).all()
    record(db, actor, "risk_summary.list", now=now, object_type="case", object_id=case.id,
           case_id=case.id, details={"count": len(rows)})
    return [VersionInfo(*row) for row in rows]


def read_version(db: Session, actor: Actor, case_id: uuid.UUID, version: int | None, *,
                 envelope: Envelope, now: datetime) -> Version:
    """One version with its content decrypted, the latest when ``version`` is None (audited);
    404 when the case has no such version."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.RISK_SUMMARY_READ)
    found = _open(db, envelope, case.id, version)
    record(db, actor, "risk_summary.read", now=now, object_type="risk_summary",
           object_id=found.info.id, case_id=case.id, details={"version": found.info.version})
    return found


def compare_versions(db: Session, actor: Actor, case_id: uuid.UUID, older: int, newer: int, *,
                     envelope: Envelope, now: datetime) -> tuple[Version, Version, list[FieldChange]]:
    """What changed between two versions, field by field, in the form's order (audited as a
    read of both)."""
    assert actor.user is not None
    case = visible_case(db, actor.user, case_id, Permission.RISK_SUMMARY_READ)
    if older == newer:
        raise ValidationFailed({"to": "Choose two different versions to compare"})
    before, after = _open(db, envelope, case.id, older), _open(db, envelope, case.id, newer)
    record(db, actor, "risk_summary.compare", now=now, object_type="case", object_id=case.id,
           case_id=case.id, details={"from": older, "to": newer})
    return before, after, changes(before.summary, after.summary)


def changes(before: RiskSummaryIn, after: RiskSummaryIn) -> list[FieldChange]:
    rows = [FieldChange("level", "Overall level of risk", before.level, after.level)]
    rows += [FieldChange(name, label, before.texts()[name], after.texts()[name])
             for name, label in TEXT_FIELDS.items()]
    rows.append(FieldChange("contacts", "Who to contact", _contacts_text(before), _contacts_text(after)))
    rows += [
        FieldChange("agreed_with_person", "Agreed with the person", _yes_no(before.agreed_with_person),
                    _yes_no(after.agreed_with_person)),
        FieldChange("next_review", "Next review", _date(before.next_review), _date(after.next_review)),
        FieldChange("reviewer", "Reviewer", before.reviewer, after.reviewer),
    ]
    return rows


def _contacts_text(summary: RiskSummaryIn) -> str:
    return "\n".join(f"{STAGE_LABELS.get(c.stage, c.stage)}: {c.name}, {c.role}, {c.route}"
                     + (f" ({c.hours})" if c.hours else "") for c in summary.contacts)


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: "Not answered"}[value]


def _date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


MAX_VERSION = 2**31 - 1  # the column's range: a larger number names no version (and no driver error)


# Built once: a read of the latest plan is the commonest request of the package.
_OF_CASE = _VERSIONS.where(RiskSummary.case_id == bindparam("case_id"))
_LATEST = _OF_CASE.order_by(RiskSummary.version.desc()).limit(1)
_LATEST_WITH_CONTENT = _LATEST.add_columns(RiskSummary.content_ciphertext)
_ONE_WITH_CONTENT = (_OF_CASE.add_columns(RiskSummary.content_ciphertext)
                     .where(RiskSummary.version == bindparam("version")))


def _open(db: Session, envelope: Envelope, case_id: uuid.UUID, version: int | None) -> Version:
    if version is not None and not 1 <= version <= MAX_VERSION:
        raise NotFound("This case has no such version of its risk summary")
    row = db.execute(_LATEST_WITH_CONTENT if version is None else _ONE_WITH_CONTENT,
                     {"case_id": case_id, "version": version}).first()
    if row is None:
        raise NotFound("This case has no such version of its risk summary"
                       if version is not None else "This case has no risk summary yet")
    info = VersionInfo(*row[:-1])
    content = envelope.decrypt_json(db, row[-1], _binding(info.id, case_id))
    return Version(info, RiskSummaryIn.from_content(info.level, info.next_review, content))


def latest_info(db: Session, case_id: uuid.UUID) -> VersionInfo | None:
    """The latest version's heading, no content and no audit (the case page's panel): the
    caller has already been let see the case."""
    row = db.execute(_LATEST, {"case_id": case_id}).first()
    return VersionInfo(*row) if row is not None else None


_Newer = aliased(RiskSummary)
# From the plans past their review date (an index range, usually a handful of rows) to the
# agency's membership of each case, probed by index: never the other way round, which walked
# every case of an agency with 10,000 of them (15 ms a dashboard on SQLite).
_OVERDUE = (
    select(Case.id, Case.ref, RiskSummary.version, RiskSummary.next_review)
    .join(Case, Case.id == RiskSummary.case_id)
    .where(RiskSummary.next_review < bindparam("today"),
           ~select(_Newer.id).where(_Newer.case_id == RiskSummary.case_id,
                                    _Newer.version > RiskSummary.version).exists(),
           select(CaseMembership.id).where(CaseMembership.case_id == RiskSummary.case_id,
                                           CaseMembership.agency_id == bindparam("agency_id"),
                                           CaseMembership.removed_at.is_(None)).exists())
    .order_by(RiskSummary.next_review)
    .limit(bindparam("limit"))
)


@dataclass(frozen=True)
class OverduePlan:
    case_id: uuid.UUID
    case_ref: str
    version: int
    next_review: date


def overdue_plans(db: Session, user: User, *, today: date, limit: int = 20) -> list[OverduePlan]:
    """The latest plans of the user's agency's cases whose next review date has passed."""
    rows = db.execute(_OVERDUE, {"agency_id": user.agency_id, "today": today, "limit": limit}).all()
    return [OverduePlan(case_id, ref, version, due) for case_id, ref, version, due in rows
            if due is not None]
