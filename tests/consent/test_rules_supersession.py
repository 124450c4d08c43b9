"""Rule 10: a recorded decision is never edited; a correction supersedes one of the same case."""

from __future__ import annotations

import uuid

import pytest

from consent import rules
from consent.rules import EarlierDecision
from tests.consent.builders import CASE, OTHER_CASE, valid_decision

EARLIER = uuid.UUID("5e1d9a3c-8b2f-4c6d-9e0a-1b2c3d4e5f60")
CORRECTION = valid_decision(supersedes=EARLIER)
NOT_FOUND = "Choose a decision of this case to correct"


def test_a_first_decision_supersedes_nothing():
    assert rules.supersession_problems(valid_decision(), None) == {}


def test_a_correction_may_supersede_the_latest_decision_of_its_case():
    assert rules.supersession_problems(CORRECTION, EarlierDecision(case_id=CASE, superseded=False)) == {}


@pytest.mark.parametrize(("earlier", "message"), [
    pytest.param(None, NOT_FOUND, id="no-such-decision"),
    pytest.param(EarlierDecision(case_id=OTHER_CASE, superseded=False), NOT_FOUND,
                 id="a-decision-of-another-case-looks-like-none"),
    pytest.param(EarlierDecision(case_id=CASE, superseded=True),
                 "That decision has already been corrected: correct the latest one instead",
                 id="already-superseded"),
])
def test_a_correction_must_name_a_current_decision_of_the_same_case(earlier, message):
    assert rules.supersession_problems(CORRECTION, earlier) == {"supersedes": message}
