"""DOMAIN.md §6 rules 1-9 of a disclosure decision: each table breaks exactly one rule of a valid
decision and expects exactly one field to be named, by that rule and by the whole validation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

import pytest

from consent import rules
from consent.rules import (
    Art6Basis,
    Art9Condition,
    ConsentRecordStatus,
    ConsentStatus,
    ConsentView,
    DeciderContext,
    DecisionIn,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    Sch8Condition,
    SubjectCategory,
)
from tests.consent.builders import (
    CHARITY,
    NHS_TRUST,
    NOW,
    active_consent,
    apply_rule,
    consented_decision,
    valid_decision,
)

RULES = [
    rules.rationale_decision_maker_and_time_are_recorded,
    rules.sharing_needs_an_art6_basis,
    rules.special_category_needs_art9_and_sch1_for_9_2_g,
    rules.no_legitimate_interests_for_public_authorities,
    rules.confidential_without_consent_needs_public_interest_reasons,
    rules.para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason,
    rules.subject_not_told_needs_a_reason,
    rules.consent_basis_needs_an_active_covering_consent,
    rules.sharing_needs_recipients_and_items,
    rules.part_3_needs_a_schedule_8_condition,
]
DAY = timedelta(days=1)


class Broken(NamedTuple):
    decision: DecisionIn
    field: str
    consent: ConsentView | None
    decider: DeciderContext


def broken(field: str, decision: DecisionIn, consent: ConsentView | None = None, *, name: str,
           decider: DeciderContext = NHS_TRUST) -> Any:
    return pytest.param(Broken(decision, field, consent, decider), id=name)


def check_only(rule: Any, case: Broken) -> None:
    """The rule names the field, and the whole validation names that field and nothing else."""
    found = apply_rule(rule, case.decision, consent=case.consent, decider=case.decider)
    assert set(found) == {case.field}
    assert found[case.field].strip()
    everything = rules.validate_decision(case.decision, consent=case.consent, decider=case.decider, now=NOW)
    assert set(everything) == {case.field}


def validate(decision: DecisionIn, consent: ConsentView | None = None,
             decider: DeciderContext = NHS_TRUST) -> dict[str, str]:
    return rules.validate_decision(decision, consent=consent, decider=decider, now=NOW)


# The no-consent path under another Schedule 1 condition, so that rule 5 does not speak too.
WITHOUT_PARA_18 = {"sch1_condition": Sch1Condition.PREVENTING_OR_DETECTING_UNLAWFUL_ACTS}


@pytest.mark.parametrize("rule", RULES)
def test_the_valid_decisions_satisfy_every_rule(rule):
    assert apply_rule(rule, valid_decision()) == {}
    assert apply_rule(rule, consented_decision(), consent=active_consent()) == {}


def test_the_valid_decisions_pass_validation():
    assert validate(valid_decision()) == {}
    assert validate(consented_decision(), active_consent()) == {}


@pytest.mark.parametrize("case", [
    broken("rationale", valid_decision(rationale="  "), name="blank-rationale"),
    broken("rationale", valid_decision(rationale=None), name="no-rationale"),
    broken("decision_maker", valid_decision(decision_maker=""), name="no-decision-maker"),
    broken("decision_maker", valid_decision(outcome=Outcome.DO_NOT_SHARE, decision_maker=None),
           name="no-decision-maker-for-not-sharing"),
    broken("decided_at", valid_decision(decided_at=None), name="no-decision-time"),
    broken("decided_at", valid_decision(decided_at=NOW + timedelta(minutes=1)), name="time-in-future"),
    broken("decided_at", valid_decision(decided_at=NOW.replace(tzinfo=None)), name="time-without-zone"),
])
def test_rule_1_rationale_decision_maker_and_time_are_always_recorded(case):
    check_only(rules.rationale_decision_maker_and_time_are_recorded, case)


def test_rule_1_names_all_three_at_once():
    found = rules.rationale_decision_maker_and_time_are_recorded(
        valid_decision(rationale="", decision_maker=" ", decided_at=None), now=NOW)
    assert set(found) == {"rationale", "decision_maker", "decided_at"}


@pytest.mark.parametrize("case", [
    broken("art6_basis", valid_decision(art6_basis=None), name="share-without-art6"),
    broken("art6_basis", valid_decision(art6_basis=None, outcome=Outcome.SHARE_ANONYMISED),
           name="anonymised-share-without-art6"),
    broken("art6_basis", valid_decision(art6_basis=None, outcome=Outcome.REFER_TO_ORIGINATING_AGENCY),
           name="referral-without-art6"),
])
def test_rule_2_sharing_needs_an_art6_basis(case):
    check_only(rules.sharing_needs_an_art6_basis, case)


@pytest.mark.parametrize("case", [
    broken("art9_condition", valid_decision(art9_condition=None), name="no-art9"),
    broken("art9_condition", valid_decision(art9_condition=None, sch1_condition=None),
           name="no-art9-nor-sch1"),
    broken("sch1_condition", valid_decision(sch1_condition=None), name="9_2_g-without-sch1"),
])
def test_rule_2_special_category_needs_art9_and_sch1_for_9_2_g(case):
    check_only(rules.special_category_needs_art9_and_sch1_for_9_2_g, case)


@pytest.mark.parametrize("case", [
    broken("art6_basis", valid_decision(art6_basis=Art6Basis.LEGITIMATE_INTERESTS),
           name="trust-on-legitimate-interests"),
    broken("art6_basis", valid_decision(art6_basis=Art6Basis.LEGITIMATE_INTERESTS,
                                        outcome=Outcome.DO_NOT_SHARE), name="even-when-not-sharing"),
])
def test_rule_3_no_legitimate_interests_for_public_authorities(case):
    check_only(rules.no_legitimate_interests_for_public_authorities, case)


@pytest.mark.parametrize("case", [
    broken("no_consent_reason", valid_decision(**WITHOUT_PARA_18, no_consent_reason=None),
           name="not-sought-without-reason"),
    broken("no_consent_reason", valid_decision(**WITHOUT_PARA_18, consent_status=ConsentStatus.REFUSED,
                                               no_consent_reason=None), name="refused-without-reason"),
    broken("no_consent_reason", valid_decision(**WITHOUT_PARA_18, consent_status=ConsentStatus.WITHDRAWN,
                                               no_consent_reason=None), name="withdrawn-without-reason"),
    broken("public_interest_rationale", valid_decision(public_interest_rationale=" "),
           name="no-public-interest-rationale"),
    broken("public_interest_rationale",
           valid_decision(consent_status=ConsentStatus.REFUSED, public_interest_rationale=None),
           name="refused-without-public-interest"),
    broken("decision_maker", valid_decision(decision_maker=None), name="no-named-decision-maker"),
])
def test_rule_4_confidential_without_consent_needs_public_interest_reasons(case):
    check_only(rules.confidential_without_consent_needs_public_interest_reasons, case)


def test_rule_4_says_which_reason_is_missing():
    found = rules.confidential_without_consent_needs_public_interest_reasons(
        valid_decision(**WITHOUT_PARA_18, consent_status=ConsentStatus.REFUSED, no_consent_reason=None))
    assert found == {"no_consent_reason": "Give the reason for sharing although consent was refused"}


@pytest.mark.parametrize("case", [
    *[broken("subject_category", valid_decision(subject_category=category), name=category)
      for category in SubjectCategory if category not in rules.PARA_18_SUBJECTS],
    *[broken("no_consent_reason", valid_decision(no_consent_reason=reason), name=reason)
      for reason in NoConsentReason if reason not in rules.PARA_18_REASONS],
    broken("no_consent_reason", valid_decision(no_consent_reason=None, confidential=False), name="no-reason"),
    broken("subject_category", valid_decision(outcome=Outcome.DO_NOT_SHARE,
                                              subject_category=SubjectCategory.ADULT),
           name="named-on-a-decision-not-to-share"),
])
def test_rule_5_para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason(case):
    check_only(rules.para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason, case)


@pytest.mark.parametrize("case", [
    broken("not_informed_reason", valid_decision(not_informed_reason=None), name="no-reason"),
    broken("not_informed_reason", valid_decision(not_informed_reason="\n\t"), name="blank-reason"),
    broken("not_informed_reason", valid_decision(not_informed_reason="", outcome=Outcome.DO_NOT_SHARE),
           name="decision-not-to-share"),
])
def test_rule_6_subject_not_told_needs_a_reason(case):
    check_only(rules.subject_not_told_needs_a_reason, case)


ACTIVE = active_consent()
WITHDRAWN = active_consent(status=ConsentRecordStatus.WITHDRAWN, withdrawn_at=NOW - timedelta(minutes=5))
ON_CONSENT = consented_decision()
BACKDATED = consented_decision(decided_at=NOW - 2 * DAY)


@pytest.mark.parametrize("case", [
    broken("consent_status", consented_decision(
        consent_status=ConsentStatus.REFUSED, no_consent_reason=NoConsentReason.WOULD_INCREASE_RISK_OF_HARM,
        public_interest_rationale="Serious harm"), ACTIVE, name="consent-basis-but-consent-refused"),
    broken("consent_id", consented_decision(consent_id=None), ACTIVE, name="no-consent-record-named"),
    broken("consent_id", ON_CONSENT, None, name="consent-record-not-of-this-case"),
    broken("consent_id", ON_CONSENT, WITHDRAWN, name="withdrawn"),
    broken("consent_id", ON_CONSENT, active_consent(withdrawn_at=NOW - DAY),
           name="withdrawn-status-not-updated"),
    broken("consent_id", BACKDATED, WITHDRAWN, name="withdrawn-after-a-backdated-decision"),
    broken("consent_id", ON_CONSENT, active_consent(status=ConsentRecordStatus.EXPIRED),
           name="expired-status"),
    broken("consent_id", ON_CONSENT, active_consent(valid_until=NOW - DAY), name="past-its-end"),
    broken("consent_id", ON_CONSENT, active_consent(valid_until=NOW), name="ends-at-this-instant"),
    broken("consent_id", BACKDATED, active_consent(valid_until=NOW - DAY), name="expired-since-the-decision"),
    broken("consent_id", ON_CONSENT, active_consent(valid_from=NOW + DAY), name="not-yet-valid"),
    broken("consent_id", ON_CONSENT, active_consent(valid_from=NOW - timedelta(minutes=30)),
           name="not-valid-at-the-decision"),
    broken("consent_id", ON_CONSENT, active_consent(status=ConsentRecordStatus.SUPERSEDED),
           name="superseded"),
    broken("consent_id", consented_decision(purpose=Purpose.PREVENT_DETECT_CRIME), ACTIVE,
           name="purpose-not-covered"),
    broken("consent_id", consented_decision(recipients=("Northshire Police", "Northshire Homes")), ACTIVE,
           name="recipient-not-covered"),
    broken("consent_id", consented_decision(art6_basis=Art6Basis.PUBLIC_TASK), WITHDRAWN,
           name="explicit-consent-art9-condition-also-needs-it"),
])
def test_rule_7_consent_basis_needs_an_active_covering_consent(case):
    check_only(rules.consent_basis_needs_an_active_covering_consent, case)


def test_rule_7_names_the_recipient_consent_does_not_cover():
    found = rules.consent_basis_needs_an_active_covering_consent(
        consented_decision(recipients=("Northshire Police", " Northshire Homes ")), consent=ACTIVE, now=NOW)
    assert found == {"consent_id": "This consent does not cover sharing with Northshire Homes: "
                                   "remove them or choose another basis"}


def test_rule_7_once_consent_is_withdrawn_nothing_more_is_shared_on_it():
    found = rules.consent_basis_needs_an_active_covering_consent(ON_CONSENT, consent=WITHDRAWN, now=NOW)
    assert "withdrawn" in found["consent_id"]
    assert validate(consented_decision(outcome=Outcome.DO_NOT_SHARE, recipients=(), items_shared=()),
                    WITHDRAWN) == {}


@pytest.mark.parametrize("case", [
    broken("recipients", valid_decision(recipients=()), name="no-recipients"),
    broken("recipients", valid_decision(recipients=("police",)), name="a-kind-of-agency"),
    broken("recipients", valid_decision(recipients=("Northshire Police", "all agencies")), name="a-blanket"),
    broken("recipients", valid_decision(recipients=("Northshire Police", " ")), name="blank-name"),
    broken("items_shared", valid_decision(items_shared=()), name="no-items"),
    broken("items_shared", valid_decision(items_shared=("Injuries seen", "")), name="blank-item"),
    broken("recipients", valid_decision(outcome=Outcome.DEFERRED_ADVICE_SOUGHT, recipients=()),
           name="deferred-advice-sought"),
    broken("items_shared", valid_decision(outcome=Outcome.REFER_TO_ORIGINATING_AGENCY, items_shared=()),
           name="referred-to-originating-agency"),
])
def test_rule_8_sharing_needs_recipients_and_items(case):
    check_only(rules.sharing_needs_recipients_and_items, case)


@pytest.mark.parametrize("case", [
    broken("sch8_condition", valid_decision(regime=Regime.DPA_PART3), name="part-3-share"),
    broken("sch8_condition", valid_decision(regime=Regime.DPA_PART3, art6_basis=None, art9_condition=None,
                                            sch1_condition=None), name="part-3-share-without-gdpr-fields"),
])
def test_rule_9_part_3_needs_a_schedule_8_condition(case):
    check_only(rules.part_3_needs_a_schedule_8_condition, case)


NOT_SHARED = dict(outcome=Outcome.DO_NOT_SHARE, art6_basis=None, art9_condition=None, sch1_condition=None,
                  recipients=(), items_shared=(), no_consent_reason=None, public_interest_rationale=None)
NO_GDPR_CONDITIONS = dict(art6_basis=None, art9_condition=None, sch1_condition=None)


@pytest.mark.parametrize(("decision", "consent", "decider"), [
    pytest.param(valid_decision(**NOT_SHARED), None, NHS_TRUST,
                 id="not-sharing-needs-no-basis-or-recipients"),
    pytest.param(valid_decision(**NOT_SHARED, regime=Regime.DPA_PART3), None, NHS_TRUST,
                 id="part-3-not-sharing-needs-no-schedule-8"),
    pytest.param(valid_decision(regime=Regime.DPA_PART3, sch8_condition=Sch8Condition.SAFEGUARDING,
                                **NO_GDPR_CONDITIONS), None, NHS_TRUST, id="part-3-needs-no-art6-or-art9"),
    pytest.param(valid_decision(art6_basis=Art6Basis.LEGITIMATE_INTERESTS), None, CHARITY,
                 id="a-charity-may-use-legitimate-interests"),
    pytest.param(valid_decision(special_category=False, art9_condition=None, sch1_condition=None), None,
                 NHS_TRUST, id="ordinary-data-needs-no-art9"),
    pytest.param(valid_decision(art9_condition=Art9Condition.HEALTH_AND_SOCIAL_CARE, sch1_condition=None),
                 None, NHS_TRUST, id="only-9_2_g-needs-schedule-1"),
    pytest.param(valid_decision(confidential=False, public_interest_rationale=None, **WITHOUT_PARA_18,
                                no_consent_reason=None), None, NHS_TRUST,
                 id="not-confidential-needs-no-public-interest-case"),
    pytest.param(valid_decision(consent_status=ConsentStatus.LACKS_CAPACITY, public_interest_rationale=None,
                                no_consent_reason=NoConsentReason.CANNOT_BE_GIVEN), None, NHS_TRUST,
                 id="lacking-capacity-is-a-best-interests-decision-not-rule-4"),
    pytest.param(valid_decision(subject_category=SubjectCategory.CHILD, purpose=Purpose.SAFEGUARD_CHILD),
                 None, NHS_TRUST, id="para-18-for-a-child"),
    *[pytest.param(valid_decision(no_consent_reason=reason), None, NHS_TRUST, id=f"para-18-{reason}")
      for reason in rules.PARA_18_REASONS],
    pytest.param(valid_decision(subject_category=SubjectCategory.ADULT,
                                sch1_condition=Sch1Condition.STATUTORY_PURPOSES), None, NHS_TRUST,
                 id="other-schedule-1-conditions-for-any-subject"),
    pytest.param(valid_decision(subject_informed=True, not_informed_reason=None), None, NHS_TRUST,
                 id="a-person-told-needs-no-reason"),
    pytest.param(valid_decision(decided_at=NOW), None, NHS_TRUST, id="decided-this-instant"),
    pytest.param(consented_decision(recipients=("northshire   POLICE",)), ACTIVE, NHS_TRUST,
                 id="recipients-match-consent-whatever-the-case-and-spacing"),
    pytest.param(ON_CONSENT, active_consent(valid_until=None), NHS_TRUST, id="consent-without-end-date"),
    pytest.param(consented_decision(decided_at=NOW - 30 * DAY), ACTIVE, NHS_TRUST,
                 id="consent-starting-at-the-decision"),
    pytest.param(consented_decision(**NOT_SHARED), None, NHS_TRUST,
                 id="consent-basis-not-sharing-needs-no-record"),
])
def test_where_a_rule_does_not_apply_nothing_is_asked(decision, consent, decider):
    assert validate(decision, consent, decider) == {}


def test_every_broken_rule_is_reported_at_once_keyed_by_field():
    decision = valid_decision(
        rationale="",                                              # rule 1
        art9_condition=None,                                       # rule 2
        art6_basis=Art6Basis.LEGITIMATE_INTERESTS,                 # rule 3
        public_interest_rationale=None,                            # rule 4
        subject_category=SubjectCategory.THIRD_PARTY,              # rule 5
        not_informed_reason=None,                                  # rule 6
        items_shared=(),                                           # rule 8
    )
    assert set(validate(decision)) == {
        "rationale", "art9_condition", "art6_basis", "public_interest_rationale", "subject_category",
        "not_informed_reason", "items_shared"}
    part_3 = consented_decision(regime=Regime.DPA_PART3, consent_id=None, recipients=())
    assert set(validate(part_3)) == {"sch8_condition", "consent_id", "recipients"}


def test_the_first_message_for_a_field_wins():
    assert validate(valid_decision(decision_maker=None)) == {
        "decision_maker": "Give the name of the person who made the decision"}
