"""Property tests over the enumerations: the validators never raise, only answer problems keyed by
a field; and a decision they accept satisfies every rule, checked here independently of them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from consent import rules
from consent.rules import (
    AdviceSought,
    Art6Basis,
    Art9Condition,
    CapacityOutcome,
    ConfidentialityOverride,
    ConsentGivenBy,
    ConsentIn,
    ConsentMethod,
    ConsentRecordStatus,
    ConsentStatus,
    ConsentType,
    ConsentView,
    DeciderContext,
    DecisionIn,
    Direction,
    LegalPower,
    NoConsentReason,
    Outcome,
    Purpose,
    Regime,
    Sch1Condition,
    Sch8Condition,
    SubjectCategory,
)
from tests.consent.builders import (
    CASE,
    CHARITY,
    CONSENT_ID,
    NHS_TRUST,
    NOW,
    OTHER_CASE,
    active_consent,
    consented_decision,
    valid_decision,
)

PROPERTIES = settings(max_examples=400, deadline=None)
DECISION_FIELDS = {field.name for field in dataclasses.fields(DecisionIn)}
CONSENT_FIELDS = {field.name for field in dataclasses.fields(ConsentIn)}

texts = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    ["", " ", "\n", "police", "all agencies", "Northshire Police", "Northshire Women's Aid", "Injuries"]))
names = st.one_of(st.sampled_from(["", " ", "police", "Health", "Northshire Police", "Northshire Women's Aid",
                                   "NORTHSHIRE  police", "POL-NS"]), st.text(max_size=20))
# Hypothesis takes naive bounds and adds the offset itself; the last strategy draws times without one.
EARLIEST, LATEST = datetime(2000, 1, 1), datetime(2040, 1, 1)  # noqa: DTZ001
OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]
moments = st.one_of(
    st.none(),
    st.sampled_from([NOW, NOW - timedelta(days=1), NOW + timedelta(seconds=1), NOW.replace(tzinfo=None)]),
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.sampled_from(OFFSETS)),
    st.datetimes(min_value=EARLIEST, max_value=LATEST),
)
some_moment = moments.filter(lambda value: value is not None)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


DECISION_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "case_id": st.sampled_from([CASE, OTHER_CASE]),
    "subject_category": st.sampled_from(SubjectCategory),
    "direction": st.sampled_from(Direction),
    "purpose": st.sampled_from(Purpose),
    "regime": st.sampled_from(Regime),
    "outcome": st.sampled_from(Outcome),
    "consent_status": st.sampled_from(ConsentStatus),
    "special_category": st.booleans(),
    "confidential": st.booleans(),
    "subject_informed": st.booleans(),
    "requesting_org": texts,
    "art6_basis": optional(st.sampled_from(Art6Basis)),
    "art9_condition": optional(st.sampled_from(Art9Condition)),
    "sch1_condition": optional(st.sampled_from(Sch1Condition)),
    "sch8_condition": optional(st.sampled_from(Sch8Condition)),
    "legal_power": optional(st.sampled_from(LegalPower)),
    "confidentiality_override": optional(st.sampled_from(ConfidentialityOverride)),
    "consent_id": optional(st.just(CONSENT_ID)),
    "no_consent_reason": optional(st.sampled_from(NoConsentReason)),
    "public_interest_rationale": texts,
    "not_informed_reason": texts,
    "necessity": texts,
    "proportionality": texts,
    "rationale": texts,
    "recipients": st.lists(names, max_size=3).map(tuple),
    "items_shared": st.lists(names, max_size=3).map(tuple),
    "advice_sought": st.frozensets(st.sampled_from(AdviceSought)),
    "decided_at": moments,
    "decision_maker": texts,
    "decision_maker_role": texts,
    "supersedes": optional(st.uuids()),
}
assert set(DECISION_VALUES) == DECISION_FIELDS

consent_views = optional(st.one_of(
    st.just(active_consent()),
    st.builds(ConsentView, status=st.sampled_from(ConsentRecordStatus), valid_from=some_moment,
              valid_until=moments, purposes=st.frozensets(st.sampled_from(Purpose)),
              agencies=st.lists(names, max_size=3).map(tuple), withdrawn_at=moments),
))
deciders = st.sampled_from([NHS_TRUST, CHARITY])


@st.composite
def decisions(draw: st.DrawFn) -> DecisionIn:
    """Mostly near a valid decision (a few fields changed), so accepted decisions are common too."""
    base = draw(st.sampled_from([valid_decision(), consented_decision()]))
    changed = draw(st.one_of(st.sets(st.sampled_from(sorted(DECISION_FIELDS)), max_size=4),
                             st.just(DECISION_FIELDS)))
    return dataclasses.replace(base, **{name: draw(DECISION_VALUES[name]) for name in changed})


def satisfies_every_rule(d: DecisionIn, consent: ConsentView | None, decider: DeciderContext) -> bool:
    """DOMAIN.md §6 rules 1-9, restated from the text rather than from the rule functions."""
    def given_text(text: str | None) -> bool:
        return text is not None and text.strip() != ""

    shared = d.outcome != Outcome.DO_NOT_SHARE
    checks = [
        given_text(d.rationale) and given_text(d.decision_maker),
        d.decided_at is not None and d.decided_at.tzinfo is not None and d.decided_at <= NOW,
        not (shared and d.regime == Regime.UK_GDPR and d.art6_basis is None),
        not (shared and d.regime == Regime.UK_GDPR and d.special_category and d.art9_condition is None),
        not (shared and d.regime == Regime.UK_GDPR and d.special_category
             and d.art9_condition == Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST and d.sch1_condition is None),
        not (d.art6_basis == Art6Basis.LEGITIMATE_INTERESTS and decider.public_authority_in_functions),
        not (shared and d.confidential
             and d.consent_status in {ConsentStatus.REFUSED, ConsentStatus.NOT_SOUGHT,
                                      ConsentStatus.WITHDRAWN}
             and (d.no_consent_reason is None or not given_text(d.public_interest_rationale))),
        d.sch1_condition != Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK or (
            d.subject_category in {SubjectCategory.CHILD, SubjectCategory.ADULT_AT_RISK}
            and d.no_consent_reason in {NoConsentReason.CANNOT_BE_GIVEN,
                                        NoConsentReason.CANNOT_REASONABLY_BE_OBTAINED,
                                        NoConsentReason.WOULD_PREJUDICE_PROTECTION}),
        d.subject_informed or given_text(d.not_informed_reason),
        not shared or (bool(d.recipients) and bool(d.items_shared)
                       and all(rules.names_an_organisation(r) for r in d.recipients)
                       and all(given_text(item) for item in d.items_shared)),
        not (shared and d.regime == Regime.DPA_PART3 and d.sch8_condition is None),
    ]
    if shared and (d.art6_basis == Art6Basis.CONSENT or d.art9_condition == Art9Condition.EXPLICIT_CONSENT):
        covered = {" ".join(a.casefold().split()) for a in consent.agencies} if consent else set()
        checks.append(
            consent is not None and d.consent_status == ConsentStatus.OBTAINED and d.consent_id is not None
            and rules.consent_is_active(consent, NOW) and rules.consent_is_active(consent, d.decided_at)
            and d.purpose in consent.purposes
            and all(" ".join(r.casefold().split()) in covered for r in d.recipients))
    return all(checks)


@PROPERTIES
@given(decision=decisions(), consent=consent_views, decider=deciders)
def test_validation_never_raises_and_names_only_fields(decision, consent, decider):
    found = rules.validate_decision(decision, consent=consent, decider=decider, now=NOW)
    assert isinstance(found, dict)
    assert set(found) <= DECISION_FIELDS
    assert all(isinstance(message, str) and message.strip() for message in found.values())
    if not found:
        assert satisfies_every_rule(decision, consent, decider)


@PROPERTIES
@given(decision=decisions(), earlier=optional(st.builds(rules.EarlierDecision, case_id=st.sampled_from(
    [CASE, OTHER_CASE]), superseded=st.booleans())))
def test_supersession_never_raises_and_names_only_supersedes(decision, earlier):
    found = rules.supersession_problems(decision, earlier)
    assert set(found) <= {"supersedes"}
    accepted = decision.supersedes is None or (earlier is not None and earlier.case_id == decision.case_id
                                               and not earlier.superseded)
    assert (found == {}) == accepted


consent_records = st.builds(
    ConsentIn,
    given_by=optional(st.sampled_from(ConsentGivenBy)),
    purposes=st.lists(st.sampled_from(Purpose), max_size=3).map(tuple),
    agencies=st.lists(names, max_size=3).map(tuple),
    obtained_at=moments,
    gillick_competent=optional(st.booleans()),
    capacity_assessed=st.booleans(),
    capacity_outcome=optional(st.sampled_from(CapacityOutcome)),
    best_interests=texts,
    consent_type=optional(st.sampled_from(ConsentType)),
    data_categories=st.lists(names, max_size=2).map(tuple),
    exclusions=st.lists(names, max_size=2).map(tuple),
    information_given=texts,
    method=optional(st.sampled_from(ConsentMethod)),
    obtained_by=texts,
    valid_from=moments,
    valid_until=moments,
    desired_outcomes=texts,
    advocate_present=optional(st.booleans()),
)


@PROPERTIES
@given(consent=consent_records,
       born=optional(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 1, 1))))
def test_consent_validation_never_raises_and_names_only_fields(consent, born):
    found = rules.validate_consent(consent, subject_born=born, now=NOW)
    assert set(found) <= CONSENT_FIELDS
    assert all(isinstance(message, str) and message.strip() for message in found.values())
    if not found:
        assert consent.given_by is not None
        assert consent.purposes
        assert consent.agencies
        assert consent.obtained_at is not None
        assert consent.obtained_at <= NOW
        if consent.capacity_outcome == CapacityOutcome.LACKS_CAPACITY:
            assert consent.given_by != ConsentGivenBy.SELF
            assert (consent.best_interests or "").strip()
        start = consent.valid_from or consent.obtained_at
        assert consent.valid_until is None or consent.valid_until > start


@PROPERTIES
@given(consent=st.builds(ConsentView, status=st.sampled_from(ConsentRecordStatus), valid_from=some_moment,
                         valid_until=moments, purposes=st.frozensets(st.sampled_from(Purpose)),
                         agencies=st.lists(names, max_size=2).map(tuple), withdrawn_at=moments),
       at=some_moment)
def test_only_an_active_unwithdrawn_consent_is_ever_in_force(consent, at):
    if rules.consent_is_active(consent, at):
        assert consent.status == ConsentRecordStatus.ACTIVE
        assert consent.withdrawn_at is None
