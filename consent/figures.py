"""The consent package's measures for the partnership report (DOMAIN.md §11): disclosure
decisions made in the period, those made without consent, and how many of those the deciding
agency's information governance reviewed, by deciding agency. Figures only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.models import DisclosureDecision, DisclosureReview
from hub.config import Policy
from hub.figures import Figure, Period

GROUP = "Lawful disclosure"


def figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    del policy  # no timescale of its own: the period says when
    reviewed = DisclosureReview.id.is_not(None)
    rows = db.execute(
        select(DisclosureDecision.agency_id, DisclosureDecision.needs_review, reviewed, func.count())
        .outerjoin(DisclosureReview, DisclosureReview.decision_id == DisclosureDecision.id)
        .where(DisclosureDecision.decided_at >= period.lower, DisclosureDecision.decided_at < period.upper)
        .group_by(DisclosureDecision.agency_id, DisclosureDecision.needs_review, reviewed)).all()
    made: dict[int, int] = {}
    without: dict[int, int] = {}
    was_reviewed: dict[int, int] = {}
    for agency_id, needs_review, review_given, count in rows:
        made[agency_id] = made.get(agency_id, 0) + count
        if needs_review:
            without[agency_id] = without.get(agency_id, 0) + count
            if review_given:
                was_reviewed[agency_id] = was_reviewed.get(agency_id, 0) + count
    return [
        Figure("decisions", "Disclosure decisions recorded", GROUP, made),
        Figure("decisions_without_consent", "Decisions made without consent", GROUP, without,
               part_of="decisions"),
        Figure("decisions_without_consent_reviewed", "Of those, reviewed by information governance", GROUP,
               was_reviewed, part_of="decisions_without_consent"),
    ]
