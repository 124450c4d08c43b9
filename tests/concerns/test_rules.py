"""The rules of concerns, triage and daily observations: one table per rule, each row breaking
exactly that rule; the default thresholds one by one; changing the policy changes the outcome;
and, over any sequence of observations, an alert exactly when a threshold is crossed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concerns import rules
from concerns.rules import ConcernIn, ObservationIn, S42Answer, TriageIn
from hub.config import ConfigError, ObservationPolicy, Policy

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DEFAULTS = ObservationPolicy()


def _concern(**changes) -> ConcernIn:
    good = ConcernIn(case_id=None, subject_name="Margaret Ellery", subject_date_of_birth=date(1941, 3, 9),
                     categories=("physical",), account="Bruising", opinion="", immediate_risk=False,
                     immediate_action="", views="", desired_outcomes="", person_aware=True,
                     consent_status="obtained")
    return replace(good, **changes)


@pytest.mark.parametrize(("changes", "field"), [
    ({"subject_name": ""}, "subject.name"),
    ({"subject_name": "x" * 201}, "subject.name"),
    ({"subject_date_of_birth": None}, "subject.date_of_birth"),
    ({"subject_date_of_birth": date(2027, 1, 1)}, "subject.date_of_birth"),
    ({"case_id": uuid.uuid4()}, "case_id"),  # a case and a name both
])
def test_person_problems(changes, field):
    assert set(rules.person_problems(_concern(**changes), TODAY)) == {field}


@pytest.mark.parametrize(("categories", "child", "problem"), [
    ((), False, "at least one"),
    (("emotional",), False, "Care Act"),
    (("financial_material",), True, "Working Together"),
    (("neglect", "neglect"), True, "once"),
])
def test_category_problems(categories, child, problem):
    assert problem in rules.category_problems(categories, child=child)["categories"]


def test_every_listed_category_is_accepted_for_its_age():
    assert rules.category_problems(rules.ADULT_CATEGORIES, child=False) == {}
    assert rules.category_problems(rules.CHILD_CATEGORIES, child=True) == {}


@pytest.mark.parametrize(("changes", "field"), [
    ({"account": "  "}, "account"),
    ({"opinion": "x" * 5001}, "opinion"),
    ({"views": "a\x00b"}, "views"),
    ({"immediate_risk": True}, "immediate_action"),
    ({"consent_status": "implied"}, "consent_status"),
])
def test_concern_problems_each_break_one_rule(changes, field):
    assert set(rules.concern_problems(_concern(**changes), child=False, today=TODAY)) == {field}


def test_a_good_concern_has_no_problems():
    assert rules.concern_problems(_concern(), child=False, today=TODAY) == {}


def test_a_child_is_under_eighteen_and_a_leap_day_birthday_falls_on_the_first_of_march():
    assert rules.is_child(date(2008, 12, 3), TODAY)
    assert not rules.is_child(date(2008, 12, 2), TODAY)
    assert rules.is_child(date(2008, 2, 29), date(2026, 2, 28))
    assert not rules.is_child(date(2008, 2, 29), date(2026, 3, 1))


@pytest.mark.parametrize(("raised", "due"), [
    # Wednesday morning: by 17:00 on Thursday.
    (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), datetime(2026, 12, 3, 17, 0, tzinfo=UTC)),
    # Christmas Eve (Thursday): Christmas Day and the Boxing Day holiday (Monday 28th) are not
    # working days, so by 17:00 on Tuesday 29th.
    (datetime(2026, 12, 24, 16, 0, tzinfo=UTC), datetime(2026, 12, 29, 17, 0, tzinfo=UTC)),
    # A Friday in summer, in British Summer Time: by 17:00 BST on Monday.
    (datetime(2026, 7, 3, 12, 0, tzinfo=UTC), datetime(2026, 7, 6, 16, 0, tzinfo=UTC)),
])
def test_triage_is_due_by_the_end_of_the_next_working_day(raised, due):
    assert rules.triage_due(raised, Policy()) == due


def test_changing_the_policy_changes_the_triage_deadline():
    raised = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert rules.triage_due(raised, Policy(concern_triage_working_days=3, working_day_end_hour=18)) == \
        datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


def _s42(**answers) -> dict[str, S42Answer]:
    found = {q: S42Answer(True, "seen") for q in rules.S42_QUESTIONS}
    return {**found, **answers}


@pytest.mark.parametrize(("triage", "child", "field"), [
    (TriageIn("no_further_action", ""), False, "rationale"),
    (TriageIn("nothing", "because"), False, "outcome"),
    (TriageIn("s42_enquiry", "met", None), False, "s42.care_and_support_needs"),
    (TriageIn("s42_enquiry", "met", _s42(experiencing_or_at_risk=S42Answer(True, " "))), False,
     "s42.experiencing_or_at_risk.evidence"),
    (TriageIn("s42_enquiry", "met", _s42(unable_to_protect=S42Answer(False, "copes"))), False, "outcome"),
    (TriageIn("s42_enquiry", "met", _s42()), True, "outcome"),  # a child
    (TriageIn("marac_referral", "risk"), False, "dash_score"),
    (TriageIn("marac_referral", "risk", dash_score=-1), False, "dash_score"),
    (TriageIn("child_referral", "risk"), False, "outcome"),  # an adult
    (TriageIn("mappa_referral", "risk"), False, "referred_to"),
    (TriageIn("other_agency", "housing", referred_to="x" * 201), False, "referred_to"),
])
def test_triage_problems_each_break_one_rule(triage, child, field):
    assert field in rules.triage_problems(triage, child=child)


@pytest.mark.parametrize("triage", [
    TriageIn("no_further_action", "Unfounded: the bruise was from a fall, seen by the GP"),
    TriageIn("s42_enquiry", "All three met", _s42()),
    TriageIn("marac_referral", "High risk", dash_score=14),
    TriageIn("other_agency", "Housing matter", referred_to="Northshire Housing"),
])
def test_good_triage_has_no_problems(triage):
    assert rules.triage_problems(triage, child=False) == {}


# --- observations -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "field"), [
    ({}, "scores"),
    ({"happiness": 1}, "scores.happiness"),
    ({"mood": 4}, "scores.mood"),
    ({"mood": -1}, "scores.mood"),
    ({"mood": "2"}, "scores.mood"),
    ({"mood": True}, "scores.mood"),
])
def test_observation_scores_are_the_policys_indicators_on_its_scale(scores, field):
    found = rules.observation_problems(ObservationIn(scores, "", NOW), DEFAULTS, now=NOW)
    assert set(found) == {field}


@pytest.mark.parametrize(("observed_at", "note"), [
    (NOW + timedelta(hours=1), ""), (NOW - timedelta(days=8), ""), (NOW, "x" * 1001),
    (NOW.replace(tzinfo=None), "")])
def test_observation_time_and_note(observed_at, note):
    assert rules.observation_problems(ObservationIn({"mood": 1}, note, observed_at), DEFAULTS, now=NOW)


# One row per default threshold (DOMAIN.md §11): the scores that cross it, and those just short.
@pytest.mark.parametrize(("scores", "crossed"), [
    ({"mood": 3}, ["mood_at_3"]),
    ({"mood": 2}, []),
    ({"missed_medication": 3}, ["missed_medication_at_3"]),
    ({"self_harm_thoughts": 2}, ["self_harm_thoughts_at_2"]),
    ({"self_harm_thoughts": 3}, ["self_harm_thoughts_at_2"]),  # one alert, at its own level
    ({"self_harm_thoughts": 1}, []),
    ({"mood": 3, "sleep": 3}, ["mood_at_3", "sleep_at_3"]),
])
def test_default_score_thresholds(scores, crossed):
    assert rules.score_thresholds(scores, DEFAULTS) == crossed


@pytest.mark.parametrize(("total", "previous", "crossed"), [
    (9, [4, 4, 4], ["total_rise_5"]),
    (8, [4, 4, 4], []),
    (8, [3], ["total_rise_5"]),  # only one earlier day observed: against that day
    (20, [], []),  # nothing to compare with
])
def test_default_rise_threshold(total, previous, crossed):
    assert rules.rise_threshold(total, previous, DEFAULTS) == crossed


def test_default_missing_threshold_is_three_days_after_the_last_observation():
    assert rules.missing_due(NOW, DEFAULTS) == NOW + timedelta(days=3)
    assert rules.missing_threshold(DEFAULTS) == "missing_3_days"


def test_changing_the_policy_changes_which_thresholds_are_crossed():
    stricter = ObservationPolicy(any_indicator_at=2, indicator_at={"self_harm_thoughts": 1}, total_rise=3,
                                 missing_days=1)
    assert rules.score_thresholds({"mood": 2, "self_harm_thoughts": 1}, stricter) == [
        "mood_at_2", "self_harm_thoughts_at_1"]
    assert rules.rise_threshold(7, [4, 4, 4], stricter) == ["total_rise_3"]
    assert rules.missing_due(NOW, stricter) == NOW + timedelta(days=1)
    switched_off = ObservationPolicy(any_indicator_at=0, indicator_at={}, total_rise=0, missing_days=0)
    assert rules.score_thresholds({"mood": 3}, switched_off) == []
    assert rules.rise_threshold(27, [0], switched_off) == []
    assert rules.missing_due(NOW, switched_off) is None


def test_the_previous_days_totals_are_each_days_last_within_the_window():
    history = [(date(2026, 11, 27), 9), (date(2026, 11, 29), 2), (date(2026, 11, 29), 4),
               (date(2026, 11, 30), 5), (date(2026, 12, 1), 6), (date(2026, 12, 2), 30)]
    assert rules.previous_daily_totals(history, date(2026, 12, 2), DEFAULTS) == [4, 5, 6]


@pytest.mark.parametrize(("table", "problem"), [
    ({"indicators": []}, "indicators"),
    ({"indicators": ["Mood"]}, "indicators"),
    ({"indicators": ["mood", "mood"]}, "indicators"),
    ({"indicator_at": {"joy": 2}}, "not in indicators"),
    ({"indicator_at": {"mood": 4}}, "on the scale"),
    ({"any_indicator_at": 5}, "on the scale"),
    ({"scale_max": 0}, "scale_max"),
    ({"missing_days": -1}, "missing_days"),
    ({"colour": "red"}, "unknown"),
])
def test_the_observation_policy_refuses_what_it_cannot_mean(table, problem):
    with pytest.raises(ConfigError, match=problem):
        Policy.from_mapping({"observations": table})


@pytest.mark.parametrize(("start", "hours", "due"), [
    # 10:00 on a Wednesday: 14:00 the same day.
    (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), 4, datetime(2026, 12, 2, 14, 0, tzinfo=UTC)),
    # 16:00 on a Friday: one hour on Friday, three on Monday.
    (datetime(2026, 12, 4, 16, 0, tzinfo=UTC), 4, datetime(2026, 12, 7, 12, 0, tzinfo=UTC)),
    # Saturday night: from 09:00 on Monday.
    (datetime(2026, 12, 5, 22, 0, tzinfo=UTC), 4, datetime(2026, 12, 7, 13, 0, tzinfo=UTC)),
    # Christmas Eve at 15:00: two hours then, two on Tuesday 29th.
    (datetime(2026, 12, 24, 15, 0, tzinfo=UTC), 4, datetime(2026, 12, 29, 11, 0, tzinfo=UTC)),
])
def test_an_alert_is_escalated_after_four_working_hours(start, hours, due):
    assert rules.add_working_hours(start, hours, Policy()) == due


def test_the_threshold_names_read_as_words_and_never_carry_a_score_or_note():
    assert rules.describe_threshold("self_harm_thoughts_at_2") == "Self harm thoughts scored 2 or more"
    assert rules.describe_threshold("missing_3_days") == "No observation for 3 days"
    assert rules.describe_threshold("total_rise_5") == "Total score up by 5 or more on the previous days"


# --- over any sequence of observations --------------------------------------------------------------

_scores = st.dictionaries(st.sampled_from(DEFAULTS.indicators), st.integers(0, DEFAULTS.scale_max),
                          min_size=1)
_policies = st.builds(ObservationPolicy, any_indicator_at=st.integers(0, 3),
                      indicator_at=st.dictionaries(st.sampled_from(DEFAULTS.indicators), st.integers(0, 3),
                                                   max_size=3),
                      total_rise=st.integers(0, 10), total_rise_days=st.integers(1, 5))


@settings(max_examples=300, deadline=None)
@given(days=st.lists(st.tuples(st.integers(0, 2), _scores), min_size=1, max_size=12), policy=_policies)
def test_over_any_sequence_an_alert_is_raised_exactly_when_a_threshold_is_crossed(days, policy):
    """Each observation, with its day (0-2 days after the last), evaluated as the service does;
    the alerts equal those computed from first principles, and nothing ever raises."""
    history: list[tuple[date, int]] = []
    day = date(2026, 11, 1)
    for gap, scores in days:
        day += timedelta(days=gap)
        previous = rules.previous_daily_totals(history, day, policy)
        crossed = rules.score_thresholds(scores, policy) + \
            rules.rise_threshold(rules.total_of(scores), previous, policy)
        expected = []
        for name in policy.indicators:
            levels = [lv for lv in (policy.any_indicator_at, policy.indicator_at.get(name, 0)) if lv > 0]
            if name in scores and levels and scores[name] >= min(levels):
                expected.append(f"{name}_at_{min(levels)}")
        window = {d: t for d, t in history if day - timedelta(days=policy.total_rise_days) <= d < day}
        if policy.total_rise and window and \
                sum(scores.values()) - sum(window.values()) / len(window) >= policy.total_rise:
            expected.append(f"total_rise_{policy.total_rise}")
        assert crossed == expected
        history.append((day, rules.total_of(scores)))


# --- acknowledging an alert, naming a deputy, recording supervision --------------------------------

@pytest.mark.parametrize(("action_taken", "note", "fields"), [
    ("raise_concern", "", set()),
    ("no_action_with_reason", "Seen by the crisis team at 14:00", set()),
    ("no_action_with_reason", "  ", {"note"}),
    ("shrug", "", {"action_taken"}),
    ("raise_concern", "x" * 2001, {"note"}),
    ("raise_concern", "nul\x00", {"note"}),
])
def test_acknowledgement_problems(action_taken, note, fields):
    assert set(rules.acknowledgement_problems(action_taken, note)) == fields


@pytest.mark.parametrize(("starts", "ends", "fields"), [
    (TODAY, TODAY, set()),
    (TODAY, TODAY + timedelta(days=366), set()),
    (None, TODAY, {"starts"}),
    (TODAY, None, {"ends"}),
    (TODAY - timedelta(days=1), TODAY, {"starts"}),
    (TODAY + timedelta(days=2), TODAY + timedelta(days=1), {"ends"}),
    (TODAY, TODAY + timedelta(days=367), {"ends"}),
])
def test_deputy_date_problems(starts, ends, fields):
    assert set(rules.deputy_date_problems(starts, ends, today=TODAY)) == fields


def _session(**changes) -> rules.SessionIn:
    good = rules.SessionIn(uuid.uuid4(), TODAY - timedelta(days=1), (rules.DiscussionIn(
        uuid.uuid4(), "Risk rising; plan reviewed", (rules.ActionIn("Review the crisis plan", TODAY),)),))
    return replace(good, **changes)


_ONE = rules.DiscussionIn(uuid.uuid4(), "")
YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize(("changes", "fields"), [
    ({}, set()),
    ({"held_on": None}, {"held_on"}),
    ({"held_on": TODAY + timedelta(days=1)}, {"held_on"}),
    ({"held_on": TODAY - timedelta(days=367)}, {"held_on"}),
    ({"discussions": ()}, {"discussions"}),
    ({"discussions": (_ONE,) * 61}, {"discussions"}),
    ({"discussions": (rules.DiscussionIn(uuid.uuid4(), "x" * 2001),)}, {"discussions.0.note"}),
    ({"discussions": (_ONE, rules.DiscussionIn(uuid.uuid4(), "", (rules.ActionIn(" ", TODAY),)))},
     {"discussions.1.actions.0.title"}),
    ({"discussions": (rules.DiscussionIn(uuid.uuid4(), "", (rules.ActionIn("t" * 501, TODAY),)),)},
     {"discussions.0.actions.0.title"}),
    ({"discussions": (rules.DiscussionIn(uuid.uuid4(), "", (rules.ActionIn("Visit", None),)),)},
     {"discussions.0.actions.0.due"}),
    ({"discussions": (rules.DiscussionIn(uuid.uuid4(), "", (rules.ActionIn("Visit", YESTERDAY),)),)},
     {"discussions.0.actions.0.due"}),
])
def test_session_problems(changes, fields):
    assert set(rules.session_problems(_session(**changes), today=TODAY)) == fields
