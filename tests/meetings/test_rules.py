"""The statutory clocks of convening (DOMAIN.md §2-3) and what a meeting needs, as pure functions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hub.config import Policy
from meetings import rules
from meetings.rules import InviteeIn, MeetingIn

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
CASE = uuid.uuid4()
NAIVE = (NOW + timedelta(days=3)).replace(tzinfo=None)  # a time without its offset


def _meeting(**changes) -> MeetingIn:
    start = NOW + timedelta(days=2, hours=1)
    base = MeetingIn(kind="strategy", title="Strategy meeting", start=start, end=start + timedelta(hours=1),
                     location="Room 3, Civic Centre", case_ids=(CASE,),
                     invitees=(InviteeIn("dc.smith@police.example", "DC Smith", "POL-NS"),),
                     decided_at=NOW - timedelta(hours=1))
    return replace(base, **changes)


def test_an_adult_strategy_meeting_is_due_within_five_working_days_of_the_decision():
    clock = rules.clock("strategy", ["adult"], Policy())
    assert clock is not None
    assert clock.working_days == 5
    assert "s42" in clock.words
    assert rules.target_date(clock, NOW, Policy()) == date(2026, 11, 9)


def test_bank_holidays_are_not_working_days():
    # Decided on Wednesday 23 December 2026: Christmas Day (Friday) and Boxing Day's substitute
    # (Monday 28th) and New Year's Day (Friday) do not count.
    decided = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    clock = rules.clock("strategy", ["adult"], Policy())
    assert rules.target_date(clock, decided, Policy()) == date(2027, 1, 4)


def test_the_decision_is_read_as_a_london_date():
    # 23:30 UTC on Saturday 31 October 2026 is still Saturday in London (GMT), so the clock starts
    # on the Monday after; 23:30 UTC on 31 May is Monday 1 June in London (BST).
    clock = rules.clock("strategy", ["adult"], Policy())
    assert rules.target_date(clock, datetime(2026, 10, 31, 23, 30, tzinfo=UTC), Policy()) == date(2026, 11, 6)
    assert rules.target_date(clock, datetime(2026, 5, 31, 23, 30, tzinfo=UTC), Policy()) == date(2026, 6, 8)


def test_a_child_makes_it_a_strategy_discussion_within_one_working_day_and_the_conference_follows():
    clock = rules.clock("strategy", ["child"], Policy())
    assert clock is not None
    assert clock.working_days == 1
    assert rules.target_date(clock, NOW, Policy()) == date(2026, 11, 3)
    # The initial child protection conference: 15 working days from the strategy discussion.
    assert rules.conference_due(datetime(2026, 11, 3, 10, tzinfo=UTC), Policy()) == date(2026, 11, 24)


def test_marac_and_mappa_have_no_decision_clock():
    assert rules.clock("marac", ["marac"], Policy()) is None
    assert rules.clock("mappa", ["mappa"], Policy()) is None
    assert rules.target_date(None, NOW, Policy()) is None
    assert rules.is_late(NOW, None, Policy()) is False


def test_a_meeting_after_its_target_date_is_late_and_on_it_is_not():
    target = date(2026, 11, 9)
    assert rules.is_late(datetime(2026, 11, 9, 16, tzinfo=UTC), target, Policy()) is False
    assert rules.is_late(datetime(2026, 11, 10, 9, tzinfo=UTC), target, Policy()) is True


def test_the_policy_sets_every_clock():
    policy = replace(Policy(), adult_strategy_meeting_working_days=2,
                     child_strategy_discussion_working_days=3, child_protection_conference_working_days=10)
    assert rules.target_date(rules.clock("strategy", ["adult"], policy), NOW, policy) == date(2026, 11, 4)
    assert rules.target_date(rules.clock("strategy", ["child"], policy), NOW, policy) == date(2026, 11, 5)
    assert rules.conference_due(NOW, policy) == date(2026, 11, 16)


def test_a_good_meeting_has_no_problems():
    assert rules.meeting_problems(_meeting(), now=NOW) == {}
    series = _meeting(kind="marac", rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=26", decided_at=None)
    assert rules.meeting_problems(series, now=NOW) == {}
    monthly = _meeting(kind="mappa", rrule="FREQ=MONTHLY;UNTIL=20271231T100000Z", decided_at=None)
    assert rules.meeting_problems(monthly, now=NOW) == {}


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"kind": "conference"}, "kind", "Choose strategy, marac or mappa"),
    ({"title": "  "}, "title", "Enter a title"),
    ({"title": "x" * 201}, "title", "200 characters"),
    ({"location": ""}, "location", "Enter where"),
    ({"location": "Room 1\r\nBcc: x@example.org"}, "location", "one line"),
    ({"end": NOW + timedelta(days=2)}, "end", "must end after it starts"),
    ({"end": NOW + timedelta(days=3)}, "end", "at most 12 hours"),
    ({"start": NOW - timedelta(days=1), "end": NOW - timedelta(hours=23)}, "start", "in the past"),
    ({"start": NAIVE, "end": NAIVE + timedelta(hours=1)}, "start", "offset from UTC"),
    ({"decided_at": NOW + timedelta(hours=1)}, "decided_at", "cannot be in the future"),
    ({"decided_at": NOW - timedelta(days=400)}, "decided_at", "within the last year"),
    ({"start": NOW + timedelta(days=800), "end": NOW + timedelta(days=800, hours=1)}, "start",
     "two years ahead"),
    ({"case_ids": ()}, "case_ids", "at least one case"),
    ({"case_ids": (CASE, CASE), "kind": "marac"}, "case_ids", "each case once"),
    ({"case_ids": (CASE, uuid.uuid4())}, "case_ids", "about one case"),
    ({"invitees": (InviteeIn("not an address", "Someone", "POL-NS"),)}, "invitees", "e-mail address"),
    ({"invitees": (InviteeIn("a@b.example\n", "Someone", "POL-NS"),)}, "invitees", "e-mail address"),
    ({"invitees": (InviteeIn("a@b.example", "", "POL-NS"),)}, "invitees", "a name"),
    ({"invitees": (InviteeIn("a@b.example", "A", "X"), InviteeIn("A@b.example", "B", "X"))}, "invitees",
     "each person once"),
    ({"rrule": "FREQ=WEEKLY;COUNT=4"}, "rrule", "one meeting, not a series"),
    ({"late_reason": "x" * 2001}, "late_reason", "2,000 characters"),
])
def test_each_problem_is_named_by_its_field(changes, field, words):
    problems = rules.meeting_problems(_meeting(**changes), now=NOW)
    assert field in problems, problems
    assert words in problems[field]


@pytest.mark.parametrize(("rule", "words"), [
    ("FREQ=WEEKLY;INTERVAL=2", "A series ends"),
    ("FREQ=DAILY;COUNT=5", "weekly, fortnightly"),
    ("FREQ=WEEKLY;INTERVAL=0;COUNT=5", "interval"),
    ("FREQ=WEEKLY;COUNT=5;UNTIL=20270101T000000Z", "either COUNT"),
    ("FREQ=WEEKLY;COUNT=999", "from 1 to 260"),
    ("FREQ=MONTHLY;UNTIL=20400101T000000Z", "within five years"),
    ("FREQ=MONTHLY;UNTIL=20200101T000000Z", "after its first meeting"),
    ("not a rule", "FREQ=WEEKLY;INTERVAL=2;COUNT=26"),
    ("FREQ=WEEKLY;COUNT=2\r\nBEGIN:VEVENT", "FREQ=WEEKLY;INTERVAL=2;COUNT=26"),
])
def test_a_series_rule_is_weekly_or_monthly_and_ends(rule, words):
    problem = rules.rrule_problem(rule, NOW + timedelta(days=2))
    assert problem is not None
    assert words in problem


def test_the_marac_criteria_figures_come_from_policy():
    referral = rules.ReferralIn(dash_score=12, professional_judgement="", incidents_12_months=2,
                                children=False, victim_aware=True)
    assert rules.referral_criteria(referral, repeat=False, policy=Policy()) == []
    lower = Policy(marac_dash_threshold=12, marac_escalation_incidents=2)
    assert rules.referral_criteria(referral, repeat=False, policy=lower) == [
        "visible_high_risk", "potential_escalation"]


def test_minutes_are_due_by_the_policys_working_days():
    wednesday = datetime(2027, 3, 3, 15, tzinfo=UTC)
    assert rules.minutes_due(wednesday, Policy()).isoformat() == "2027-03-08"
    assert rules.minutes_due(wednesday, Policy(minutes_issue_working_days=5)).isoformat() == "2027-03-10"
