"""What the hub counts as text (hub/text.py)."""

from __future__ import annotations

import pytest

from hub.text import CONTROL_PROBLEM, has_control_characters, stored_text_problems, text_problem


@pytest.mark.parametrize(("text", "control"), [
    ("Line one\nline two\r\n\tindented", False), ("Siân O\u2019Brien-Kowalski", False),
    ("\x00", True), ("bell\x07", True), ("escape\x1b[2J", True), ("delete\x7f", True),
    ("form feed\x0c", True), ("vertical tab\x0b", True),
])
def test_tabs_and_line_breaks_are_text_other_control_characters_are_not(text: str, control: bool) -> None:
    assert has_control_characters(text) is control
    assert (text_problem(text, 100) == CONTROL_PROBLEM) is control


def test_a_stored_text_problem_names_each_field_once_whether_it_holds_a_value_or_a_list() -> None:
    problems = stored_text_problems({
        "role": ("Lead\x00", 200), "refs": (["ok", "x" * 11, "\x00"], 10), "fine": (["a", None], 5),
        "blank": (None, 5), "long": ("y" * 6, 5),
    })
    assert problems == {"role": CONTROL_PROBLEM, "refs": "Keep it to 10 characters",
                        "long": "Keep it to 5 characters"}
