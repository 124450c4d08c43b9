"""The reminders job (`hub jobs run reminders`): before a meeting to those invited, before a MARAC
to its agencies for their research, and to the chair when the minutes fall due; once each, at the
series' local time on both sides of the clock change, with no personal data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.jobs import JobContext, registered_jobs
from hub.mail.models import OutboxMessage
from meetings.models import Meeting, MeetingReminder
from meetings.rules import InviteeIn, MeetingIn, MinutesIn
from meetings.services import meetings as services
from meetings.services import minutes as minutes_services
from meetings.tasks import reminders
from tests.support.factories.consent import ConsentFactory

NAME = "Jo Reminderperson"
# Monday 1 March 2027; British Summer Time begins on Sunday 28 March.
CONVENED = datetime(2027, 3, 1, 9, tzinfo=UTC)


def _world(make, kind=CaseKind.ADULT):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    lead, officer = make.user(council, "lead"), make.user(police)
    case = make.case(lead, members=(police,), name=NAME, kind=kind)
    return case, lead, officer, police


def _convene(session, envelope, lead, case, officer, police, *, start, kind="strategy", rrule=None):
    return services.convene(session, Actor(lead, "test"), MeetingIn(
        kind=kind, title=f"Meeting about {NAME}", start=start, end=start + timedelta(hours=1),
        location="Room 5", case_ids=(case.id,),
        invitees=(InviteeIn(officer.email, "DC Officer", police.code),), rrule=rrule),
        envelope=envelope, policy=Policy(), now=CONVENED, uid_domain="hub.test",
        mailing=services.Mailing("hub@hub.test", "http://hub.test"))


def _sent(session, kind):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                           .order_by(OutboxMessage.id)).all()


def test_those_invited_are_reminded_the_working_day_before_once(make, session, envelope, settings):
    case, lead, officer, police = _world(make)
    wednesday = datetime(2027, 3, 10, 10, tzinfo=UTC)
    _convene(session, envelope, lead, case, officer, police, start=wednesday)
    assert reminders(session, JobContext(datetime(2027, 3, 8, 9, tzinfo=UTC), settings)) == 0  # Monday
    tuesday = datetime(2027, 3, 9, 9, tzinfo=UTC)
    assert reminders(session, JobContext(tuesday, settings)) == 1
    assert reminders(session, JobContext(tuesday, settings)) == 0
    assert reminders(session, JobContext(tuesday + timedelta(hours=5), settings)) == 0
    [mail] = _sent(session, "meeting.reminder")
    assert mail.recipient == officer.email
    assert case.ref in mail.subject
    assert "Wednesday 10 March 2027 at 10:00" in mail.body
    assert NAME not in mail.subject + mail.body


def test_a_fortnightly_marac_asks_for_research_at_ten_oclock_london_time_across_the_clock_change(
        make, session, envelope, settings):
    case, lead, officer, police = _world(make, CaseKind.MARAC)
    first = datetime(2027, 3, 18, 10, tzinfo=UTC)  # 10:00 GMT
    series = _convene(session, envelope, lead, case, officer, police, start=first, kind="marac",
                      rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=6")
    # Tuesday 30 March (after Easter Monday): the next meeting, Thursday 1 April, is three working
    # days on, so its research is due; the meeting's own reminder is not yet. The first meeting's
    # minutes are overdue, and its chair is reminded of them: each meeting of the series has its own.
    tuesday = datetime(2027, 3, 30, 8, tzinfo=UTC)
    assert reminders(session, JobContext(tuesday, settings)) == 2
    minutes, claimed = session.scalars(select(MeetingReminder).order_by(MeetingReminder.occurs_at)).all()
    assert (minutes.kind, minutes.meeting_id, minutes.occurs_at) == ("minutes", series.id, first)
    assert claimed.kind == "research"
    assert claimed.occurs_at == datetime(2027, 4, 1, 9, tzinfo=UTC)  # 10:00 BST
    second = session.get(Meeting, claimed.meeting_id)
    assert second is not None
    assert (second.series_id, second.recurrence_id) == (series.id, claimed.occurs_at)
    [mail] = _sent(session, "meeting.research")
    assert "Thursday 1 April 2027 at 10:00" in mail.body
    assert "chooses not to share" in mail.body
    wednesday = datetime(2027, 3, 31, 8, tzinfo=UTC)
    assert reminders(session, JobContext(wednesday, settings)) == 1  # the meeting, the day before
    [reminder] = _sent(session, "meeting.reminder")
    assert "Thursday 1 April 2027 at 10:00" in reminder.body


def test_the_chair_is_reminded_of_the_minutes_until_they_are_issued(make, session, envelope, settings):
    case, lead, officer, police = _world(make)
    held = datetime(2027, 3, 3, 10, tzinfo=UTC)  # Wednesday
    view = _convene(session, envelope, lead, case, officer, police, start=held)
    other = _convene(session, envelope, lead, case, officer, police, start=held + timedelta(hours=3))
    written = held + timedelta(hours=5)
    minutes_services.write_minutes(session, Actor(lead, "test"), other.id, MinutesIn("Minuted"),
                                   envelope=envelope, now=written, today=written.date())
    minutes_services.issue_minutes(session, Actor(lead, "test"), other.id, envelope=envelope, policy=Policy(),
                                   now=written)
    thursday, friday = datetime(2027, 3, 4, 9, tzinfo=UTC), datetime(2027, 3, 5, 9, tzinfo=UTC)
    reminders(session, JobContext(thursday, settings))
    assert _sent(session, "meeting.minutes_due") == []
    assert reminders(session, JobContext(friday, settings)) == 1  # the working day before Monday
    [mail] = _sent(session, "meeting.minutes_due")
    assert mail.recipient == lead.email
    assert mail.link_path == f"/meetings/{view.id}/minutes"
    assert reminders(session, JobContext(friday + timedelta(days=3), settings)) == 0


def test_the_job_is_registered_by_its_contract_name():
    assert "reminders" in registered_jobs()


def test_the_reminders_lead_times_come_from_policy(make, session, envelope, settings):
    case, lead, officer, police = _world(make)
    wednesday = datetime(2027, 3, 10, 10, tzinfo=UTC)
    _convene(session, envelope, lead, case, officer, police, start=wednesday)
    monday = datetime(2027, 3, 8, 9, tzinfo=UTC)
    assert reminders(session, JobContext(monday, settings)) == 0  # one working day by default
    earlier = replace(settings, policy=replace(settings.policy, meeting_reminder_working_days=2))
    assert reminders(session, JobContext(monday, earlier)) == 1


def test_the_minutes_reminder_follows_the_policys_working_days(make, session, envelope, settings):
    case, lead, officer, police = _world(make)
    _convene(session, envelope, lead, case, officer, police, start=datetime(2027, 3, 3, 10, tzinfo=UTC))
    friday = datetime(2027, 3, 5, 9, tzinfo=UTC)
    later = replace(settings, policy=replace(settings.policy, minutes_issue_working_days=5))
    reminders(session, JobContext(friday, later))
    assert _sent(session, "meeting.minutes_due") == []  # due Wednesday 10 March: reminded Tuesday
    reminders(session, JobContext(datetime(2027, 3, 9, 9, tzinfo=UTC), later))
    assert len(_sent(session, "meeting.minutes_due")) == 1


def test_the_research_reminder_follows_the_policys_working_days(make, session, envelope, settings):
    """A MARAC on Thursday 18 March 2027: its research is asked for three working days before
    (Monday 15th) by default; with `marac_research_working_days` 5, on Thursday 11th."""
    case, lead, officer, police = _world(make, CaseKind.MARAC)
    _convene(session, envelope, lead, case, officer, police, start=datetime(2027, 3, 18, 10, tzinfo=UTC),
             kind="marac")
    thursday = datetime(2027, 3, 11, 9, tzinfo=UTC)
    reminders(session, JobContext(thursday, settings))
    assert _sent(session, "meeting.research") == []
    sooner = replace(settings, policy=replace(settings.policy, marac_research_working_days=5))
    reminders(session, JobContext(thursday, sooner))
    [mail] = _sent(session, "meeting.research")
    assert mail.recipient == officer.email
