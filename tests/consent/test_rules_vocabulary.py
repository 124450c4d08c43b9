"""The enumerations carry exactly DOMAIN.md §6's and DESIGN.md §4's values, and the rules stand alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from consent import rules


@pytest.mark.parametrize(("enumeration", "values"), [
    (rules.SubjectCategory, "child adult_at_risk adult alleged_perpetrator third_party"),
    (rules.Direction, "proactive on_request"),
    (rules.Purpose, "safeguard_child safeguard_adult_at_risk prevent_detect_crime marac mappa "
                    "sab_s45_request s42_enquiry direct_care emergency_life_or_serious_harm court_order "
                    "legal_obligation_other"),
    (rules.Regime, "uk_gdpr dpa_part3"),
    (rules.Art6Basis, "consent contract legal_obligation vital_interests public_task legitimate_interests"),
    (rules.Art9Condition, "9_2_g 9_2_h 9_2_b 9_2_c 9_2_a"),
    (rules.Sch1Condition, "para_6 para_10 para_18"),
    (rules.Sch8Condition, "sch8_1 sch8_2 sch8_3 sch8_4"),
    (rules.ConsentStatus, "obtained refused not_sought withdrawn lacks_capacity"),
    (rules.NoConsentReason, "would_increase_risk_of_harm "
                            "would_prejudice_crime_prevention_detection_prosecution unjustified_delay "
                            "cannot_be_given cannot_reasonably_be_obtained would_prejudice_protection "
                            "lacks_capacity consent_not_lawful_basis emergency"),
    (rules.Outcome, "share_full share_partial_minimised share_anonymised do_not_share deferred_advice_sought "
                    "refer_to_originating_agency"),
    (rules.ConsentMethod, "written verbal electronic"),
    (rules.ConsentRecordStatus, "active withdrawn expired superseded"),
    (rules.ConfidentialityOverride, "consent public_interest statutory_duty court_order"),
    (rules.ConsentGivenBy, "self parental_responsibility attorney deputy other"),
    # The hub's own codes where DOMAIN.md gives prose (listed in consent.rules.vocabulary).
    (rules.LegalPower, "crime_and_disorder_act_1998_s115 care_act_2014_s42 care_act_2014_s45 "
                       "children_act_2004_s11 children_act_2004_s16 common_law court_order"),
    (rules.AdviceSought, "manager safeguarding_lead dpo caldicott_guardian legal"),
    (rules.ConsentType, "explicit implied"),
    (rules.CapacityOutcome, "has_capacity lacks_capacity"),
])
def test_enumeration_values_are_the_documented_codes(enumeration, values):
    assert [member.value for member in enumeration] == values.split()


def test_para_18_allows_exactly_its_three_reasons_and_two_kinds_of_subject():
    assert sorted(rules.PARA_18_REASONS) == ["cannot_be_given", "cannot_reasonably_be_obtained",
                                             "would_prejudice_protection"]
    assert sorted(rules.PARA_18_SUBJECTS) == ["adult_at_risk", "child"]


def test_the_rules_load_no_database_web_framework_or_platform_module():
    # Only the package's own wiring declaration (hub.wiring, plain dataclasses) comes with it.
    script = ("import sys, consent.rules; print(' '.join(sorted(m for m in sys.modules "
              "if m.split('.')[0] in {'flask', 'werkzeug', 'sqlalchemy', 'psycopg', 'hub'})))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["hub", "hub.wiring"]
