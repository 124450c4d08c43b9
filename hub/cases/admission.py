"""Admission checks: what must hold before an agency joins a case (DESIGN.md §4, membership is
sharing). Packages register checks in their wiring (``admission``); the case services run every
one before a membership row is written, and each check's ground is recorded against that row."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from hub import wiring
from hub.agencies.models import Agency
from hub.cases.models import Case
from hub.config import Policy


@dataclass(frozen=True)
class Admission:
    """What a check found: plain details for the audit row, and what to record once the
    membership row exists (``record(db, membership_id)``)."""

    details: Mapping[str, Any] = field(default_factory=dict)
    record: Callable[[Session, int], None] | None = None


class AdmissionCheck(Protocol):
    def __call__(self, db: Session, case: Case, agency: Agency, *, policy: Policy,
                 now: datetime) -> Admission: ...


@functools.cache
def admission_checks() -> tuple[AdmissionCheck, ...]:
    """Every package's checks, in package order (loaded once)."""
    return tuple(wiring.load(reference) for package in wiring.packages()
                 for reference in package.admission)


def admit(db: Session, case: Case, agency: Agency, *, policy: Policy, now: datetime) -> list[Admission]:
    """Run every check (each raises Conflict to refuse); nothing has been written yet."""
    return [check(db, case, agency, policy=policy, now=now) for check in admission_checks()]


def record_grounds(db: Session, admissions: list[Admission], membership_id: int) -> dict[str, Any]:
    """Record each ground against the new membership; the merged details for the audit row."""
    details: dict[str, Any] = {}
    for admission in admissions:
        if admission.record is not None:
            admission.record(db, membership_id)
        details.update(admission.details)
    return details
