"""Each of the ten rules of DOMAIN.md §6 through the API: a decision breaking exactly that rule is
422 naming its field and writes nothing; one keeping every rule is recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hub.db import utcnow
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.consent.api_support import consent_body, consented_body, decision_body, expired_consent

# (rule, what breaks it, the field named)
BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("1 rationale", {"rationale": None}, "rationale"),
    ("1 blank rationale", {"rationale": "   "}, "rationale"),
    ("1 time in the future", {"decided_at": (utcnow() + timedelta(days=1)).isoformat()}, "decided_at"),
    ("2 no Art 6 basis", {"art6_basis": None}, "art6_basis"),
    ("2 special category without Art 9", {"art9_condition": None, "sch1_condition": None},
     "art9_condition"),
    ("2 9(2)(g) without Sch 1", {"sch1_condition": None}, "sch1_condition"),
    ("3 legitimate interests for a public authority", {"art6_basis": "legitimate_interests"},
     "art6_basis"),
    ("4 no public-interest rationale", {"public_interest_rationale": None}, "public_interest_rationale"),
    ("4 no reason consent was not sought",
     {"no_consent_reason": None, "art9_condition": "9_2_h", "sch1_condition": None},
     "no_consent_reason"),
    ("5 para 18 for an adult not at risk", {"subject_category": "adult"}, "subject_category"),
    ("5 para 18 without a para 18 reason", {"no_consent_reason": "emergency"}, "no_consent_reason"),
    ("6 not told without a reason", {"not_informed_reason": None}, "not_informed_reason"),
    ("7 consent basis without consent obtained",
     {"art6_basis": "consent", "art9_condition": "9_2_h", "sch1_condition": None}, "consent_status"),
    ("8 no recipients", {"recipients": []}, "recipients"),
    ("8 a kind of agency, not an organisation", {"recipients": ["police"]}, "recipients"),
    ("8 no items", {"items_shared": []}, "items_shared"),
    ("9 Part 3 without Schedule 8", {"regime": "dpa_part3", "art6_basis": None, "art9_condition": None,
                                     "sch1_condition": None}, "sch8_condition"),
]


@pytest.fixture
def nurse_and_case(make):
    nurse = make.user(make.agency(kind="nhs_acute"))
    return nurse, make.case(nurse), make.headers(nurse)


def refused(client, session, url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    before = take_snapshot(session)
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert_nothing_written(session, before)
    return response.json["errors"]


def test_a_decision_keeping_every_rule_is_recorded(client, nurse_and_case):
    _nurse, case, headers = nurse_and_case
    response = client.post(f"/api/v1/cases/{case.id}/disclosures", json=decision_body(), headers=headers)
    assert response.status_code == 201, response.json


def test_a_decision_not_to_share_needs_only_rules_1_and_6(client, nurse_and_case):
    _nurse, case, headers = nurse_and_case
    body = decision_body(outcome="do_not_share", art6_basis=None, art9_condition=None,
                         sch1_condition=None, recipients=[], items_shared=[], no_consent_reason=None,
                         public_interest_rationale=None)
    response = client.post(f"/api/v1/cases/{case.id}/disclosures", json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["needs_review"] is False


@pytest.mark.parametrize(("change", "field"), [pytest.param(c, f, id=r) for r, c, f in BROKEN])
def test_a_decision_breaking_one_rule_is_refused_naming_its_field(client, session, nurse_and_case,
                                                                   change, field):
    _nurse, case, headers = nurse_and_case
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures", decision_body(**change),
                     headers)
    assert set(errors) == {field}, errors


def test_rule_3_lets_a_charity_rely_on_legitimate_interests(client, make):
    worker = make.user(make.agency(kind="idva"))
    case = make.case(worker)
    response = client.post(f"/api/v1/cases/{case.id}/disclosures",
                           json=decision_body(art6_basis="legitimate_interests"),
                           headers=make.headers(worker))
    assert response.status_code == 201, response.json


def test_rule_7_a_consent_in_force_covering_purpose_and_recipient_is_a_basis(client, consents,
                                                                              nurse_and_case):
    nurse, case, headers = nurse_and_case
    record = consents.consent(nurse, case)
    response = client.post(f"/api/v1/cases/{case.id}/disclosures", json=consented_body(str(record.id)),
                           headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["consent_id"] == str(record.id)


def test_rule_7_refuses_a_withdrawn_consent(client, session, consents, nurse_and_case):
    nurse, case, headers = nurse_and_case
    record = consents.consent(nurse, case)
    assert client.post(f"/api/v1/cases/{case.id}/consents/{record.id}/withdraw",
                       json={"channel": "verbal"}, headers=headers).status_code == 200
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures",
                     consented_body(str(record.id)), headers)
    assert set(errors) == {"consent_id"}


def test_rule_7_refuses_an_expired_consent(client, session, make, nurse_and_case):
    nurse, case, headers = nurse_and_case
    record = expired_consent(make, nurse, case)
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures",
                     consented_body(str(record.id)), headers)
    assert set(errors) == {"consent_id"}


@pytest.mark.parametrize("change", [
    {"purpose": "marac"},  # a purpose the consent does not cover
    {"recipients": ["Northshire Police"]},  # a recipient it does not name
    {"consent_id": None},  # no consent named
])
def test_rule_7_refuses_a_consent_that_does_not_cover_the_share(client, session, consents,
                                                                 nurse_and_case, change):
    nurse, case, headers = nurse_and_case
    record = consents.consent(nurse, case)
    body = {**consented_body(str(record.id)), **change}
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures",
                     {key: value for key, value in body.items() if value is not None}, headers)
    assert set(errors) == {"consent_id"}


def test_rule_7_refuses_another_cases_consent(client, session, make, consents, nurse_and_case):
    nurse, case, headers = nurse_and_case
    elsewhere = consents.consent(nurse, make.case(nurse))
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures",
                     consented_body(str(elsewhere.id)), headers)
    assert set(errors) == {"consent_id"}


def test_rule_10_a_superseded_decision_cannot_be_corrected_again(client, session, consents,
                                                                  nurse_and_case):
    nurse, case, headers = nurse_and_case
    url = f"/api/v1/cases/{case.id}/disclosures"
    first = consents.decision(nurse, case, recipients=("Northshire Police",))
    assert client.post(url, json=decision_body(supersedes=str(first.id)),
                       headers=headers).status_code == 201
    errors = refused(client, session, url, decision_body(supersedes=str(first.id)), headers)
    assert set(errors) == {"supersedes"}


def test_rule_10_a_correction_names_a_decision_of_the_same_case(client, session, make, consents,
                                                                 nurse_and_case):
    nurse, case, headers = nurse_and_case
    elsewhere = consents.decision(nurse, make.case(nurse), recipients=("Northshire Police",))
    url = f"/api/v1/cases/{case.id}/disclosures"
    assert set(refused(client, session, url, decision_body(supersedes=str(elsewhere.id)),
                       headers)) == {"supersedes"}
    assert set(refused(client, session, url, decision_body(supersedes="6b0f7c2e-0c55-4d1e-9a57-5b0c1e2d3f40"),
                       headers)) == {"supersedes"}


def test_every_problem_is_reported_at_once(client, session, nurse_and_case):
    _nurse, case, headers = nurse_and_case
    errors = refused(client, session, f"/api/v1/cases/{case.id}/disclosures", decision_body(
        rationale=None, art6_basis="legitimate_interests", not_informed_reason=None, items_shared=[],
        regime="uk_gdpr"), headers)
    assert set(errors) == {"rationale", "art6_basis", "not_informed_reason", "items_shared"}


def test_consent_rules_are_reported_by_field_too(client, session, nurse_and_case):
    _nurse, case, headers = nurse_and_case
    errors = refused(client, session, f"/api/v1/cases/{case.id}/consents",
                     consent_body(purposes=[], valid_until=(utcnow() - timedelta(days=1)).isoformat()),
                     headers)
    assert {"purposes", "valid_until"} <= set(errors)
