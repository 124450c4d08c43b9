"""The rules of reviews (DOMAIN.md §9): a SAR decision needs every criterion of Care Act s44 and
its rationale, and cannot refuse a mandatory review; review dates are in order; a CSPR's clocks
run in working days (and months) from policy; a report period ends after it starts, within five
years."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.config import Policy
from learning.rules import (
    ClockState,
    Harm,
    LinksIn,
    SarDecision,
    SarReferral,
    add_months,
    cspr_clocks,
    cspr_problems,
    duration_days,
    links_problems,
    period_problems,
    review_dates_problems,
    sar_mandatory,
    sar_problems,
)

TODAY = date(2027, 3, 10)
MANDATORY = SarReferral(care_and_support_needs=True, joint_working_concern=True, harm=Harm.DIED,
                        known_or_suspected=True, decision=SarDecision.REVIEW,
                        rationale="Agencies did not share what they knew", decided_on=TODAY)


def test_a_sar_decision_with_every_answer_is_accepted():
    assert sar_problems(MANDATORY, today=TODAY) == {}
    assert sar_mandatory(MANDATORY)


def test_a_sar_decision_without_its_criteria_names_each_missing_answer():
    empty = SarReferral(None, None, None, None, None, " ", None)
    assert set(sar_problems(empty, today=TODAY)) == {
        "care_and_support_needs", "joint_working_concern", "harm", "known_or_suspected", "decision",
        "rationale", "decided_on"}


def test_a_mandatory_review_cannot_be_declined_but_a_discretionary_one_can():
    declined = replace(MANDATORY, decision=SarDecision.NO_REVIEW)
    assert "must arrange" in sar_problems(declined, today=TODAY)["decision"]
    for answer in ({"joint_working_concern": False}, {"harm": Harm.NONE}, {"known_or_suspected": False},
                   {"care_and_support_needs": False}):
        discretionary = replace(declined, **answer)
        assert not sar_mandatory(discretionary)
        assert sar_problems(discretionary, today=TODAY) == {}
    assert sar_problems(replace(MANDATORY, decided_on=date(2027, 3, 11)), today=TODAY) == {
        "decided_on": "The decision date must be today or in the past"}
    assert "control" in sar_problems(replace(MANDATORY, rationale="a\x00b"), today=TODAY)["rationale"]


@given(st.sampled_from([True, False, None]), st.sampled_from([True, False, None]),
       st.sampled_from([*Harm, None, "unknown"]), st.sampled_from([True, False, None]),
       st.sampled_from([*SarDecision, None, "maybe"]), st.text(max_size=20))
def test_an_accepted_sar_decision_answers_everything_and_respects_the_law(needs, joint, harm, known,
                                                                         decision, rationale):
    referral = SarReferral(needs, joint, harm, known, decision, rationale, TODAY)
    if not sar_problems(referral, today=TODAY):
        assert None not in (needs, joint, known)
        assert harm in set(Harm)
        assert decision in set(SarDecision)
        assert rationale.strip()
        assert not (sar_mandatory(referral) and decision == SarDecision.NO_REVIEW)


def test_review_dates_must_be_in_order_and_not_in_the_future():
    opened = date(2027, 1, 4)
    assert review_dates_problems(opened_on=opened, started_on=date(2027, 1, 5), ended_on=TODAY,
                                 today=TODAY) == {}
    assert set(review_dates_problems(opened_on=opened, started_on=date(2027, 2, 1),
                                     ended_on=date(2027, 1, 31), today=TODAY)) == {"ended_on"}
    assert set(review_dates_problems(opened_on=opened, started_on=None, ended_on=TODAY,
                                     today=TODAY)) == {"ended_on"}
    assert set(review_dates_problems(opened_on=opened, started_on=date(2027, 1, 1), ended_on=None,
                                     today=TODAY)) == {"started_on"}
    assert set(review_dates_problems(opened_on=opened, started_on=date(2027, 3, 11), ended_on=None,
                                     today=TODAY)) == {"started_on"}
    assert duration_days(date(2027, 1, 5), None, today=TODAY) == 64
    assert duration_days(date(2027, 1, 5), date(2027, 1, 6), today=TODAY) == 1
    assert duration_days(None, None, today=TODAY) is None


def test_a_cspr_runs_on_working_days_and_months_from_policy():
    # Learnt of on Tuesday 22 December 2026: Christmas, Boxing Day (Monday 28th) and New Year's
    # Day are not working days.
    aware = date(2026, 12, 22)
    clocks = {c.name: c for c in cspr_clocks(aware_on=aware, notified_on=date(2026, 12, 31),
                                              rapid_review_on=None, decided_on=date(2027, 8, 31),
                                              published_on=None, policy=Policy())}
    assert clocks["notification"].due == date(2026, 12, 31)
    assert clocks["notification"].state(TODAY) == ClockState.MET
    assert clocks["rapid_review"].due == date(2027, 1, 15)
    assert clocks["rapid_review"].state(date(2027, 1, 15)) == ClockState.DUE
    assert clocks["rapid_review"].state(date(2027, 1, 18)) == ClockState.OVERDUE
    assert clocks["publication"].due == date(2028, 2, 29)
    quicker = replace(Policy(), cspr_notification_working_days=2)
    [notification, _rapid] = cspr_clocks(aware_on=aware, notified_on=date(2026, 12, 31), rapid_review_on=None,
                                         decided_on=None, published_on=None, policy=quicker)
    assert (notification.due, notification.state(TODAY)) == (date(2026, 12, 24), ClockState.LATE)


def test_cspr_dates_out_of_order_are_refused_by_field():
    aware = date(2027, 1, 4)
    assert cspr_problems(aware_on=aware, notified_on=date(2027, 1, 5), rapid_review_on=date(2027, 1, 20),
                         decided_on=date(2027, 1, 20), published_on=date(2027, 3, 1), today=TODAY) == {}
    assert set(cspr_problems(aware_on=aware, notified_on=date(2027, 1, 3), rapid_review_on=None,
                             decided_on=None, published_on=date(2027, 2, 1), today=TODAY)) == {
        "notified_on", "published_on"}
    assert set(cspr_problems(aware_on=aware, notified_on=None, rapid_review_on=None,
                             decided_on=date(2027, 2, 2), published_on=date(2027, 2, 1), today=TODAY)) == {
        "published_on"}
    assert set(cspr_problems(aware_on=None, notified_on=None, rapid_review_on=None, decided_on=None,
                             published_on=None, today=TODAY)) == {"aware_on"}


def test_a_report_period_ends_after_it_starts_and_spans_at_most_five_years():
    policy = Policy()
    assert period_problems(date(2026, 4, 1), date(2027, 3, 31), policy=policy) == {}
    assert period_problems(date(2022, 4, 1), date(2027, 3, 31), policy=policy) == {}
    assert "5 years" in period_problems(date(2022, 4, 1), date(2027, 4, 1), policy=policy)["to"]
    assert "before it starts" in period_problems(date(2027, 4, 1), date(2027, 3, 31), policy=policy)["to"]
    assert set(period_problems(None, None, policy=policy)) == {"from", "to"}
    # The longest period is the policy's.
    one_year = replace(policy, report_max_years=1)
    assert "at most 1 year" in period_problems(date(2026, 4, 1), date(2027, 4, 1), policy=one_year)["to"]
    assert period_problems(date(2026, 4, 1), date(2027, 3, 31), policy=one_year) == {}


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 120))
def test_adding_months_keeps_the_day_or_takes_the_months_last(day, months):
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).month != later.month)


@pytest.mark.parametrize(("links", "fields"), [
    (LinksIn(), set()),
    (LinksIn(case_refs=tuple(f"ADULT-2027-{n:05d}" for n in range(20)),
             meetings=tuple(uuid.uuid4() for _ in range(50)), actions=tuple(uuid.uuid4() for _ in range(50))),
     set()),
    (LinksIn(case_refs=tuple(f"ADULT-2027-{n:05d}" for n in range(21))), {"case_refs"}),
    (LinksIn(meetings=tuple(uuid.uuid4() for _ in range(51))), {"meetings"}),
    (LinksIn(actions=tuple(uuid.uuid4() for _ in range(51))), {"actions"}),
])
def test_a_review_links_at_most_twenty_cases_and_fifty_meetings_and_actions(links, fields):
    assert set(links_problems(links)) == fields
