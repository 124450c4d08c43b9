"""The disclosure report: decisions by outcome, basis, purpose and agency over a period, the
share made without consent and how many of those were reviewed. Figures only (no personal
data, no case reference); every view audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.models import DisclosureDecision, DisclosureReview
from hub.access import Permission, check
from hub.actor import Actor
from hub.agencies.models import Agency
from hub.audit.services import record
from hub.config import Policy
from hub.errors import ValidationFailed

MAX_DAYS = 5 * 366


@dataclass(frozen=True)
class DisclosureReport:
    start: date
    end: date
    total: int
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_basis: dict[str, int] = field(default_factory=dict)
    by_purpose: dict[str, int] = field(default_factory=dict)
    by_agency: dict[str, int] = field(default_factory=dict)
    without_consent: int = 0
    without_consent_reviewed: int = 0

    @property
    def without_consent_share(self) -> float | None:
        return self.without_consent / self.total if self.total else None

    def rows(self) -> list[tuple[str, str, int]]:
        """(measure, value, count) for the CSV export and the page's tables."""
        lines: list[tuple[str, str, int]] = [("decisions", "all", self.total)]
        for measure, counts in (("outcome", self.by_outcome), ("art6_basis", self.by_basis),
                                ("purpose", self.by_purpose), ("agency", self.by_agency)):
            lines += [(measure, key, count) for key, count in counts.items()]
        lines += [("without_consent", "all", self.without_consent),
                  ("without_consent", "reviewed", self.without_consent_reviewed)]
        return lines


def period_problems(start: date | None, end: date | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if start is None:
        problems["from"] = "Give the first day of the period"
    if end is None:
        problems["to"] = "Give the last day of the period"
    if start and end:
        if end < start:
            problems["to"] = "The period must end on or after its first day"
        elif (end - start).days > MAX_DAYS:
            problems["to"] = "The period can be at most five years"
    return problems


def disclosure_report(db: Session, actor: Actor, *, start: date | None, end: date | None,
                      policy: Policy, now: datetime) -> DisclosureReport:
    """Every decision decided from the first local day to the last, inclusive."""
    assert actor.user is not None
    check(actor.user, Permission.DISCLOSURE_REPORT)
    problems = period_problems(start, end)
    if problems:
        raise ValidationFailed(problems)
    assert start is not None
    assert end is not None
    zone = ZoneInfo(policy.timezone)
    lower = datetime.combine(start, time.min, zone)
    upper = datetime.combine(end + timedelta(days=1), time.min, zone)
    # One scan of the period's decisions, grouped by every dimension at once (a few thousand
    # groups at most), then summed per measure: one pass over the index range, not six.
    groups = db.execute(
        select(DisclosureDecision.outcome, DisclosureDecision.art6_basis, DisclosureDecision.purpose,
               Agency.code, DisclosureDecision.needs_review, DisclosureReview.id.is_not(None),
               func.count())
        .join(Agency, Agency.id == DisclosureDecision.agency_id)
        .outerjoin(DisclosureReview, DisclosureReview.decision_id == DisclosureDecision.id)
        .where(DisclosureDecision.decided_at >= lower, DisclosureDecision.decided_at < upper)
        .group_by(DisclosureDecision.outcome, DisclosureDecision.art6_basis, DisclosureDecision.purpose,
                  Agency.code, DisclosureDecision.needs_review, DisclosureReview.id.is_not(None))
    ).all()
    by_outcome: Counter[str] = Counter()
    by_basis: Counter[str] = Counter()
    by_purpose: Counter[str] = Counter()
    by_agency: Counter[str] = Counter()
    without = reviewed = 0
    for outcome, basis, purpose, agency, needs_review, was_reviewed, count in groups:
        by_outcome[outcome] += count
        by_basis[basis or "none"] += count
        by_purpose[purpose] += count
        by_agency[agency] += count
        if needs_review:
            without += count
            reviewed += count if was_reviewed else 0
    report = DisclosureReport(
        start=start, end=end, total=sum(by_outcome.values()), by_outcome=dict(sorted(by_outcome.items())),
        by_basis=dict(sorted(by_basis.items())), by_purpose=dict(sorted(by_purpose.items())),
        by_agency=dict(sorted(by_agency.items())), without_consent=without,
        without_consent_reviewed=reviewed,
    )
    record(db, actor, "report.disclosures.read", now=now,
           details={"from": start.isoformat(), "to": end.isoformat()})
    return report
