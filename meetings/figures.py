"""The meetings package's measures for the partnership report (DOMAIN.md §11): strategy meetings
held in the period and how many within their statutory target, by convening agency; MARAC
referrals and how many repeated a referral of the same person within the repeat window, by
referring agency (SafeLives expects 28-40%). Figures only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.cases.models import RepeatReferralLink
from hub.config import Policy
from hub.figures import Figure, Period
from meetings.models import MaracReferral, Meeting
from meetings.rules import CANCELLED, MeetingKind

GROUP = "Meetings"


def figures(db: Session, period: Period, policy: Policy) -> list[Figure]:
    del policy  # no timescale of its own: the period says when
    held = db.execute(
        select(Meeting.organiser_agency_id, Meeting.starts_at, Meeting.target_date)
        .where(Meeting.kind == MeetingKind.STRATEGY, Meeting.status != CANCELLED,
               Meeting.starts_at >= period.lower, Meeting.starts_at < period.upper)).all()
    meetings: dict[int, int] = {}
    on_time: dict[int, int] = {}
    for agency_id, start, target in held:
        meetings[agency_id] = meetings.get(agency_id, 0) + 1
        if target is not None and period.local(start) <= target:
            on_time[agency_id] = on_time.get(agency_id, 0) + 1
    repeat = RepeatReferralLink.case_id.is_not(None)
    referrals = db.execute(
        select(MaracReferral.referring_agency_id, repeat, func.count())
        .outerjoin(RepeatReferralLink, RepeatReferralLink.case_id == MaracReferral.case_id)
        .where(MaracReferral.referred_at >= period.lower, MaracReferral.referred_at < period.upper)
        .group_by(MaracReferral.referring_agency_id, repeat)).all()
    referred: dict[int, int] = {}
    repeats: dict[int, int] = {}
    for agency_id, is_repeat, count in referrals:
        referred[agency_id] = referred.get(agency_id, 0) + count
        if is_repeat:
            repeats[agency_id] = repeats.get(agency_id, 0) + count
    return [
        Figure("strategy_meetings", "Strategy meetings held", GROUP, meetings),
        Figure("strategy_meetings_on_time", "Strategy meetings held within their target", GROUP, on_time,
               part_of="strategy_meetings"),
        Figure("marac_referrals", "MARAC referrals", GROUP, referred),
        Figure("marac_repeat_referrals", "MARAC repeat referrals (within 12 months)", GROUP, repeats,
               part_of="marac_referrals"),
    ]
