"""The demo's meetings: Margaret's strategy meeting and the discussion held before it, the
fortnightly MARAC and Lee's MAPPA level-2 review (due, alerted and convened), their invitations
queued (the demo has no mail server), and the officer invited to all."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub import demo
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.mail.models import OutboxMessage
from meetings.models import MappaReviewAlert
from meetings.services.carried import carried_over
from meetings.services.mappa import get_mappa
from meetings.services.meetings import my_meetings


def test_the_demo_convenes_strategy_marac_and_mappa_meetings(session, envelope):
    policy = Policy()
    assert demo.seed(session, envelope, policy) is True
    officer = agency_services.find_user_by_email(session, "dc.ahmed@police.northshire.example")
    now = demo.utcnow()
    today = policy.local_date(now)
    found = my_meetings(session, Actor(officer, "test"), start=today - timedelta(days=3), end=None,
                        envelope=envelope, policy=policy, now=now)
    # The MARAC series' first two meetings fall in the month, each a meeting of its own.
    assert sorted(m.kind for m in found) == ["mappa", "marac", "marac", "strategy", "strategy"]
    held, strategy = sorted((m for m in found if m.kind == "strategy"), key=lambda m: m.start)
    assert held.start < now
    assert held.minutes_issued_at is None
    assert strategy.target_date is not None
    assert strategy.late is False
    marac, following = sorted((m for m in found if m.kind == "marac"), key=lambda m: m.start)
    assert marac.rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=26"
    assert (following.series_id, following.uid, following.rrule) == (marac.id, marac.uid, None)
    assert following.start - marac.start == timedelta(days=14)
    assert (following.cases, following.capacity, following.title) == ((), 16, marac.title)
    assert following.invitees == marac.invitees
    invitations = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "meeting.invitation"))
    assert invitations == 8
    assert [ref for _id, ref in marac.cases] == [session.scalar(
        select(Case.ref).where(Case.kind == CaseKind.MARAC))]  # Jordan's referral, listed
    assert marac.capacity == 16
    lee = session.scalar(select(Case).where(Case.kind == CaseKind.MAPPA))
    probation = agency_services.find_user_by_email(session, "duty@prb-ns.northshire.example")
    mappa = get_mappa(session, Actor(probation, "test"), lee.id, now=now)
    assert mappa is not None
    assert (mappa.category, mappa.level) == (2, 2)
    assert mappa.review_due is not None
    assert session.scalar(select(func.count()).select_from(MappaReviewAlert)) == 1
    # Last fortnight's MARAC has the police's action on Casey's case carried over, to be marked.
    lead = agency_services.find_user_by_email(session, "lead.price@asc.northshire.example")
    fortnight = my_meetings(session, Actor(lead, "test"), start=today - timedelta(days=20),
                            end=today - timedelta(days=1), envelope=envelope, policy=policy, now=now)
    past = next(m for m in fortnight if m.kind == "marac")
    [carried] = carried_over(session, Actor(lead, "test"), past.id, envelope=envelope, policy=policy, now=now)
    assert (carried.title, carried.agency_code) == (demo.CARRIED_OVER_ACTION, "POL-NS")
    assert carried.due < past.start.date()
