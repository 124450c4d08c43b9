"""The partnership report (DOMAIN.md §11 "Evidence for commissioners"): every package's measures
for a period, per agency and overall, small numbers suppressed with secondary suppression
(learning.suppression), rates worked out from what is shown only. Aggregates: no person, case or
text. Read by leads, managers, IG and auditors; every reading audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import wiring
from hub.access import Permission, check
from hub.actor import Actor
from hub.agencies.models import Agency
from hub.audit.services import record
from hub.config import Policy
from hub.errors import ValidationFailed
from hub.figures import Figure, Period
from learning.rules import add_months, period_problems
from learning.suppression import Shown, suppress, suppress_part

# SafeLives: a MARAC's repeat rate is expected between 28% and 40%.
MARAC_REPEAT_EXPECTED = (28, 40)
# SafeLives: about 40 MARAC cases a year per 10,000 adult women.
MARAC_VOLUME_EXPECTED = 40


@dataclass(frozen=True)
class Rate:
    """A percentage worked out from two shown counts (None where either is hidden)."""

    overall: float | None
    by_agency: dict[str, float | None]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    group: str
    shown: Shown | Rate
    part_of: str | None = None


@dataclass(frozen=True)
class PartnershipReport:
    start: date
    end: date
    agencies: tuple[tuple[str, str], ...]  # (code, name), by code
    measures: tuple[Measure, ...]
    suppress_below: int

    def measure(self, key: str) -> Measure:
        return next(m for m in self.measures if m.key == key)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(measure, label, agency or "overall", value; blank where suppressed) for the CSV."""
        lines = []
        for measure in self.measures:
            lines.append((measure.key, measure.label, "overall", _cell(measure.shown.overall)))
            lines += [(measure.key, measure.label, code, _cell(value))
                      for code, value in measure.shown.by_agency.items()]
        return lines


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def all_figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    """Every installed package's measures (hub.wiring ``figures``), in the packages' order."""
    found: list[Figure] = []
    for package in wiring.packages():
        for reference in package.figures:
            found += wiring.load(reference)(db, period, policy)
    return found


def partnership_report(db: Session, actor: Actor, *, start: date | None, end: date | None, policy: Policy,
                       now: datetime) -> PartnershipReport:
    """The report for the local days ``start`` to ``end`` inclusive (422 keyed by ``from`` and
    ``to`` when the period ends before it starts or spans more than the policy's years)."""
    assert actor.user is not None
    check(actor.user, Permission.PARTNERSHIP_REPORT)
    if problems := period_problems(start, end, policy=policy):
        raise ValidationFailed(problems)
    assert start is not None
    assert end is not None
    agencies = tuple((code, name) for code, name in db.execute(
        select(Agency.code, Agency.name).order_by(Agency.code)).all())
    ids = dict(db.execute(select(Agency.id, Agency.code)).all())
    figures = all_figures(db, Period(start, end, policy.timezone), policy)
    measures = shown_measures(figures, ids, [code for code, _ in agencies],
                              below=policy.report_suppress_below)
    if policy.marac_adult_women and any(m.key == "marac_referrals" for m in measures):
        referrals = next(m for m in measures if m.key == "marac_referrals").shown.overall
        days = (end - start).days + 1
        measures.append(Measure(
            "marac_cases_per_10000_adult_women",
            f"MARAC cases a year per 10,000 adult women (SafeLives: {MARAC_VOLUME_EXPECTED})", "Meetings",
            Rate(None if referrals is None else
                 round(referrals * 10_000 / policy.marac_adult_women * 365 / days, 1), {})))
    record(db, actor, "report.partnership.read", now=now,
           details={"from": start.isoformat(), "to": end.isoformat()})
    return PartnershipReport(start, end, agencies, tuple(measures), policy.report_suppress_below)


def shown_measures(figures: list[Figure], ids: dict[int, str], codes: list[str], *,
                   below: int) -> list[Measure]:
    """Each figure as shown: suppressed, and a part hidden wherever its whole is hidden as shown
    (hiding more never reveals more); then the MARAC repeat rate from the shown counts."""
    by_key: dict[str, dict[str, int]] = {}
    shown: dict[str, Shown] = {}
    measures: list[Measure] = []
    for figure in figures:
        counts = {code: 0 for code in codes}
        for agency_id, count in figure.counts.items():
            counts[ids[agency_id]] += count
        by_key[figure.key] = counts
        if figure.part_of is not None and figure.part_of in by_key:
            _, part = suppress_part(counts, by_key[figure.part_of], below=below)
            whole = shown[figure.part_of]
            part = Shown(part.overall if whole.overall is not None else None,
                         {code: None if whole.by_agency[code] is None else value
                          for code, value in part.by_agency.items()})
        else:
            part = suppress(counts, below=below)
        shown[figure.key] = part
        measures.append(Measure(figure.key, figure.label, figure.group, part, figure.part_of))
    if "marac_repeat_referrals" in shown:
        repeats, referrals = shown["marac_repeat_referrals"], shown["marac_referrals"]
        measures.append(Measure(
            "marac_repeat_rate", f"MARAC repeat rate, % (SafeLives expects {MARAC_REPEAT_EXPECTED[0]}-"
                                 f"{MARAC_REPEAT_EXPECTED[1]}%)", "Meetings",
            Rate(_rate(repeats.overall, referrals.overall),
                 {code: _rate(repeats.by_agency[code], referrals.by_agency[code]) for code in codes})))
    return measures


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return round(100 * part / whole, 1)


# The measures the report draws month by month (every measure is in the tables).
TREND_KEYS = ("concerns_raised", "concerns_triaged_on_time", "strategy_meetings_on_time",
              "marac_referrals", "marac_repeat_rate", "actions_done_on_time", "decisions_without_consent",
              "alerts_acknowledged_on_time", "reviews_near_miss")


def months_of(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months the period touches, each clipped to the period."""
    found = []
    first = start.replace(day=1)
    while first <= end:
        following = add_months(first, 1)
        found.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return found


def monthly(db: Session, report: PartnershipReport, *,
            policy: Policy) -> dict[str, list[tuple[date, float | None]]]:
    """Each trend measure's overall figure in each month of the report's period, suppressed as
    the report is (a month's figure alone reveals nothing smaller than the threshold). For the
    page, whose caller the report has let in and audited."""
    ids = dict(db.execute(select(Agency.id, Agency.code)).all())
    codes = [code for code, _ in report.agencies]
    series: dict[str, list[tuple[date, float | None]]] = {key: [] for key in TREND_KEYS}
    for first, last in months_of(report.start, report.end):
        figures = all_figures(db, Period(first, last, policy.timezone), policy)
        measures = shown_measures(figures, ids, codes, below=report.suppress_below)
        for measure in measures:
            if measure.key in series:
                series[measure.key].append((first, measure.shown.overall))
    return {key: values for key, values in series.items() if values}
