"""Themes and trends across reviews (DOMAIN.md §9): how often each contributory factor and each
thematic tag was found, month by month, in the reviews an agency is involved in, so that a lead
or manager sees what keeps recurring. Counts only, of reviews the caller's agency may see; the
reading is audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from hub.access import Permission, check
from hub.actor import Actor
from hub.audit.services import record
from hub.config import Policy
from hub.errors import ValidationFailed
from learning.models import Review, ReviewAgency
from learning.rules import factor_label, period_problems
from learning.services.report import months_of


@dataclass(frozen=True)
class Theme:
    kind: str  # "factor" (from the policy's taxonomy) or "tag"
    name: str
    label: str
    total: int
    by_month: tuple[int, ...]  # in the order of Themes.months


@dataclass(frozen=True)
class Themes:
    start: date
    end: date
    months: tuple[date, ...]  # each month's first day in the period
    reviews: int  # reviews reviewed in the period
    themes: tuple[Theme, ...]  # most frequent first


def themes(db: Session, actor: Actor, *, start: date | None, end: date | None, policy: Policy,
           now: datetime) -> Themes:
    """The factors and tags of the reviews the caller's agency is involved in whose incident
    happened in the period and that have been reviewed, by month (422 for a bad period)."""
    assert actor.user is not None
    check(actor.user, Permission.REVIEW_CONDUCT)
    if problems := period_problems(start, end, policy=policy):
        raise ValidationFailed(problems)
    assert start is not None
    assert end is not None
    months = tuple(first for first, _ in months_of(start, end))
    index = {(first.year, first.month): n for n, first in enumerate(months)}
    rows = db.execute(
        select(Review.occurred_on, cast(Review.factors, String), cast(Review.tags, String))
        .join(ReviewAgency, ReviewAgency.review_id == Review.id)
        .where(ReviewAgency.agency_id == actor.user.agency_id, Review.reviewed_at.is_not(None),
               Review.occurred_on >= start, Review.occurred_on <= end)).all()
    counts: dict[tuple[str, str], list[int]] = {}
    for occurred_on, factors, tags in rows:
        month = index[(occurred_on.year, occurred_on.month)]
        for kind, names in (("factor", json.loads(factors or "[]")), ("tag", json.loads(tags or "[]"))):
            for name in names:
                counts.setdefault((kind, name), [0] * len(months))[month] += 1
    found = sorted((Theme(kind, name, factor_label(name) if kind == "factor" else name, sum(by_month),
                          tuple(by_month)) for (kind, name), by_month in counts.items()),
                   key=lambda theme: (-theme.total, theme.kind, theme.label))
    record(db, actor, "review.themes", now=now, object_type="agency", object_id=actor.user.agency_id,
           details={"from": start.isoformat(), "to": end.isoformat(), "reviews": len(rows)})
    return Themes(start, end, months, len(rows), tuple(found))
