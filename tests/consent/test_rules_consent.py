"""Consent records (DOMAIN.md §6 "A consent record holds"): what a record needs to be whole, and
when consent is in force; a withdrawn or expired consent is never again a basis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from consent import rules
from consent.rules import CapacityOutcome, ConsentGivenBy, ConsentRecordStatus, Purpose
from tests.consent.builders import ADULT_BORN, CHILD_BORN, NOW, active_consent, valid_consent_record

DAY = timedelta(days=1)
OBTAINED = NOW - timedelta(hours=3)
# Fifteen when consent was given on 1 November, sixteen by NOW.
TURNED_16_SINCE = date(2010, 11, 10)


def validate(consent, born=ADULT_BORN):
    return rules.validate_consent(consent, subject_born=born, now=NOW)


def test_an_adults_own_consent_is_whole():
    assert validate(valid_consent_record()) == {}


@pytest.mark.parametrize(("consent", "born", "field"), [
    pytest.param(valid_consent_record(given_by=None), ADULT_BORN, "given_by", id="who-gave-it-missing"),
    pytest.param(valid_consent_record(), CHILD_BORN, "gillick_competent",
                 id="child-alone-gillick-unanswered"),
    pytest.param(valid_consent_record(gillick_competent=False), CHILD_BORN, "given_by",
                 id="child-alone-not-gillick-competent"),
    pytest.param(valid_consent_record(obtained_at=NOW - 22 * DAY), TURNED_16_SINCE, "gillick_competent",
                 id="under-16-on-the-day-consent-was-given"),
    pytest.param(valid_consent_record(capacity_assessed=True), ADULT_BORN, "capacity_outcome",
                 id="capacity-assessed-without-outcome"),
    pytest.param(valid_consent_record(capacity_assessed=True, capacity_outcome=CapacityOutcome.LACKS_CAPACITY,
                                      given_by=ConsentGivenBy.ATTORNEY), ADULT_BORN, "best_interests",
                 id="lacks-capacity-without-best-interests"),
    pytest.param(valid_consent_record(capacity_assessed=True, capacity_outcome=CapacityOutcome.LACKS_CAPACITY,
                                      best_interests="Agreed at the best-interests meeting on 20 November"),
                 ADULT_BORN, "given_by", id="lacks-capacity-but-consented-themselves"),
    pytest.param(valid_consent_record(obtained_at=None), ADULT_BORN, "obtained_at", id="no-time-obtained"),
    pytest.param(valid_consent_record(obtained_at=NOW + DAY), ADULT_BORN, "obtained_at",
                 id="obtained-in-future"),
    pytest.param(valid_consent_record(obtained_at=OBTAINED.replace(tzinfo=None)), ADULT_BORN, "obtained_at",
                 id="obtained-without-time-zone"),
    pytest.param(valid_consent_record(valid_from=OBTAINED - DAY), ADULT_BORN, "valid_from",
                 id="applies-from-before-it-was-given"),
    pytest.param(valid_consent_record(valid_from=(OBTAINED + DAY).replace(tzinfo=None)), ADULT_BORN,
                 "valid_from", id="start-without-time-zone"),
    pytest.param(valid_consent_record(valid_until=OBTAINED - DAY), ADULT_BORN, "valid_until",
                 id="ends-before-it-was-given"),
    pytest.param(valid_consent_record(valid_until=OBTAINED), ADULT_BORN, "valid_until",
                 id="ends-as-it-starts"),
    pytest.param(valid_consent_record(valid_from=NOW + 10 * DAY, valid_until=NOW + 5 * DAY), ADULT_BORN,
                 "valid_until", id="ends-before-its-later-start"),
    pytest.param(valid_consent_record(valid_until=(NOW + DAY).replace(tzinfo=None)), ADULT_BORN,
                 "valid_until", id="end-without-time-zone"),
    pytest.param(valid_consent_record(purposes=()), ADULT_BORN, "purposes", id="no-purpose"),
    pytest.param(valid_consent_record(agencies=()), ADULT_BORN, "agencies", id="no-agency"),
    pytest.param(valid_consent_record(agencies=("police",)), ADULT_BORN, "agencies", id="a-kind-of-agency"),
    pytest.param(valid_consent_record(agencies=("Northshire Police", "Health")), ADULT_BORN, "agencies",
                 id="one-kind-among-names"),
    pytest.param(valid_consent_record(agencies=("All partner agencies",)), ADULT_BORN, "agencies",
                 id="a-blanket"),
])
def test_each_broken_consent_rule_names_exactly_its_field(consent, born, field):
    found = validate(consent, born)
    assert set(found) == {field}
    assert found[field].strip()


@pytest.mark.parametrize(("consent", "born"), [
    pytest.param(valid_consent_record(given_by=ConsentGivenBy.PARENTAL_RESPONSIBILITY), CHILD_BORN,
                 id="a-parent-consenting-for-a-child-needs-no-gillick-answer"),
    pytest.param(valid_consent_record(gillick_competent=True), CHILD_BORN, id="a-gillick-competent-child"),
    pytest.param(valid_consent_record(), date(2010, 11, 20), id="sixteen-on-the-day"),
    pytest.param(valid_consent_record(), None, id="date-of-birth-not-known"),
    pytest.param(valid_consent_record(capacity_assessed=True, capacity_outcome=CapacityOutcome.HAS_CAPACITY),
                 ADULT_BORN, id="has-capacity-needs-no-best-interests"),
    pytest.param(valid_consent_record(capacity_assessed=True, capacity_outcome=CapacityOutcome.LACKS_CAPACITY,
                                      given_by=ConsentGivenBy.DEPUTY, best_interests="Meeting, 20 Nov"),
                 ADULT_BORN, id="a-deputy-in-best-interests"),
    pytest.param(valid_consent_record(valid_until=None), ADULT_BORN, id="until-withdrawn"),
    pytest.param(valid_consent_record(valid_from=NOW + DAY, valid_until=NOW + 2 * DAY), ADULT_BORN,
                 id="starting-later"),
    pytest.param(valid_consent_record(agencies=("POL-NS", "the Northshire Women's Aid")), ADULT_BORN,
                 id="agency-codes-and-names"),
])
def test_where_a_consent_rule_does_not_apply_nothing_is_asked(consent, born):
    assert validate(consent, born) == {}


def test_every_broken_consent_rule_is_reported_at_once():
    consent = valid_consent_record(given_by=None, capacity_assessed=True, obtained_at=None, purposes=(),
                                   agencies=("health",))
    assert set(validate(consent)) == {"given_by", "capacity_outcome", "obtained_at", "purposes", "agencies"}


def test_active_consent_is_in_force():
    assert rules.consent_is_active(active_consent(), NOW)
    assert rules.consent_is_active(active_consent(valid_from=NOW), NOW)
    assert rules.consent_is_active(active_consent(valid_until=None), NOW + 3650 * DAY)


@pytest.mark.parametrize("consent", [
    pytest.param(active_consent(status=ConsentRecordStatus.WITHDRAWN, withdrawn_at=NOW - DAY),
                 id="withdrawn"),
    pytest.param(active_consent(withdrawn_at=NOW - DAY), id="withdrawal-time-set"),
    pytest.param(active_consent(status=ConsentRecordStatus.EXPIRED), id="expired-status"),
    pytest.param(active_consent(valid_until=NOW - DAY), id="past-its-end"),
    pytest.param(active_consent(valid_until=NOW), id="its-end-is-now"),
    pytest.param(active_consent(valid_from=NOW + DAY), id="not-yet-valid"),
    pytest.param(active_consent(status=ConsentRecordStatus.SUPERSEDED), id="superseded"),
])
def test_consent_not_in_force_is_not_active(consent):
    assert not rules.consent_is_active(consent, NOW)


@pytest.mark.parametrize("consent", [
    pytest.param(active_consent(status=ConsentRecordStatus.WITHDRAWN, withdrawn_at=NOW), id="withdrawn"),
    pytest.param(active_consent(status=ConsentRecordStatus.EXPIRED), id="expired"),
])
def test_withdrawn_or_expired_consent_is_never_again_a_basis(consent):
    for moment in (NOW - 10 * DAY, NOW, NOW + 10 * DAY):
        assert not rules.consent_is_active(consent, moment)


def test_stored_times_without_an_offset_are_read_as_utc():
    naive_now = NOW.replace(tzinfo=None)
    consent = active_consent(valid_from=naive_now - DAY, valid_until=naive_now)
    assert rules.consent_is_active(consent, NOW - timedelta(seconds=1))
    assert not rules.consent_is_active(consent, NOW)


@pytest.mark.parametrize("name", ["Northshire Police", "POL-NS", "NHS Northshire Mental Health Trust",
                                  "Dr A Patel, Riverside Surgery", "Northshire Women's Aid"])
def test_named_organisations_and_people_are_organisations(name):
    assert rules.names_an_organisation(name)


@pytest.mark.parametrize("name", ["", "  ", "police", "The Police", "Health", "social_services", "GP",
                                  "all agencies", "Any partner", "every professional", "nhs-mental-health",
                                  "council adults", "everyone"])
def test_kinds_of_agency_and_blankets_are_not_organisations(name):
    assert not rules.names_an_organisation(name)


def test_consent_purposes_share_the_decision_vocabulary():
    assert Purpose("marac") in active_consent().purposes
