"""The pure checks on a risk summary (sharing.rules) and the blind index of free text."""

from __future__ import annotations

from datetime import date

from hub.crypto.blind_index import text_index
from sharing.rules import Contact, RiskSummaryIn, generic_warnings, review_overdue, summary_problems

TODAY = date(2026, 12, 1)
KEY = b"k" * 32


def test_only_the_level_is_required_and_every_problem_is_reported_at_once():
    assert summary_problems(RiskSummaryIn(level="standard"), today=TODAY) == {}
    problems = summary_problems(RiskSummaryIn(
        level="severe", next_review=date(2026, 11, 30), wishes="x" * 10_001,
        contacts=(Contact(stage=0, name="", role="Nurse", route="01632 960001"),
                  Contact(stage=2, name="", role="", route="", hours=""))), today=TODAY)
    assert set(problems) == {"level", "next_review", "wishes", "contacts.0.stage", "contacts.0.name"}


def test_a_review_date_of_today_is_accepted_and_is_overdue_from_tomorrow():
    assert summary_problems(RiskSummaryIn(level="high", next_review=TODAY), today=TODAY) == {}
    assert not review_overdue(TODAY, TODAY)
    assert review_overdue(TODAY, date(2026, 12, 2))
    assert not review_overdue(None, date(2099, 1, 1))


def test_generic_fields_are_named_with_why():
    warnings = generic_warnings(RiskSummaryIn(level="high", risk_to="Herself",
                                              early_warning_signs="Stops eating"),
                                frozenset({"early_warning_signs"}))
    assert "another case" in warnings["early_warning_signs"]
    assert "empty" in warnings["wishes"]
    assert "risk_to" not in warnings
    assert {"contacts", "agreed_with_person", "next_review"} <= set(warnings)


def test_text_index_folds_case_spacing_and_punctuation_but_not_words():
    same = ("Stops answering the door.", "  stops ANSWERING the door ", "Stops answering—the door")
    assert len({text_index(KEY, text) for text in same}) == 1
    assert text_index(KEY, "Stops answering the phone") != text_index(KEY, same[0])
    assert text_index(KEY, " ... ") is None
    assert text_index(b"j" * 32, same[0]) != text_index(KEY, same[0])  # keyed
