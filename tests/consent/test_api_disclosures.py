"""Disclosure decisions over the API: recorded with every DOMAIN.md §6 field, read back decrypted,
never changed (a correction supersedes, both stay visible with the chain), members only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.models import DisclosureDecision
from hub.audit.models import AuditEvent
from hub.db import utcnow
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.consent.api_support import RATIONALE, agreement_body, consent_body, decision_body

TEXTS = ("rationale", "necessity", "proportionality", "public_interest_rationale", "subject_views",
         "not_informed_reason", "minimised", "requester", "information_requested", "requesting_org")


def test_a_decision_is_recorded_with_every_field_and_the_caller_as_decision_maker(client, make, session):
    agency = make.agency()
    nurse = make.user(agency, name="Sam Okafor")
    case = make.case(nurse)
    sent = decision_body()
    created = client.post(f"/api/v1/cases/{case.id}/disclosures", json=sent, headers=make.headers(nurse))
    assert created.status_code == 201, created.json
    body = created.json
    for name, value in sent.items():
        if name != "decided_at":
            assert body[name] == value, name
    assert body["decided_at"].startswith(sent["decided_at"][:16])
    assert body["decision_maker"] == "Sam Okafor"
    assert body["agency"] == agency.code
    assert (body["supersedes"], body["superseded_by"], body["chain"]) == (None, None, [body["id"]])
    # Shared without consent in hand: the deciding agency's IG reviews it.
    assert body["needs_review"] is True
    assert body["review"] is None
    [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure.record")).all()
    assert (audit.case_id, audit.object_id, audit.user_id) == (case.id, body["id"], nurse.id)
    assert RATIONALE not in str(audit.details)


def test_decided_at_defaults_to_now_and_must_say_its_offset(client, make, session):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    headers = make.headers(nurse)
    url = f"/api/v1/cases/{case.id}/disclosures"
    before = take_snapshot(session)
    naive = client.post(url, json=decision_body(decided_at="2026-11-20T10:00:00"), headers=headers)
    assert naive.status_code == 422
    assert set(naive.json["errors"]) == {"decided_at"}
    assert_nothing_written(session, before)
    created = client.post(url, json=decision_body(decided_at=None), headers=headers)
    assert created.status_code == 201
    row = session.get(DisclosureDecision, uuid.UUID(created.json["id"]))
    assert row is not None
    assert row.decided_at == row.recorded_at


def test_the_free_text_is_not_stored_in_the_clear(client, make, session):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    sent = decision_body()
    created = client.post(f"/api/v1/cases/{case.id}/disclosures", json=sent, headers=make.headers(nurse))
    assert created.status_code == 201
    table = DisclosureDecision.__table__
    [raw] = session.connection().execute(
        select(table).where(table.c.id == uuid.UUID(created.json["id"]))).all()
    stored = b"".join(value if isinstance(value, bytes) else str(value).encode()
                      for value in raw._mapping.values())
    for name in TEXTS:
        assert sent[name].encode() not in stored, f"{name} is stored in the clear"
    assert b"Injuries seen on 20 November" not in stored
    assert sent["recipients"][0].encode() in stored  # what the membership gate reads stays plain


@pytest.mark.parametrize("change", [
    {"purpose": "gossip"}, {"outcome": "share_everything"}, {"sch1_condition": "para_99"},
    {"quality_checks": ["nice"]}, {"advice_sought": ["astrologer"]}, {"special_category": "yes"},
    {"rationale": "x" * 10_001}, {"recipients": ["x"] * 51}, {"requesting_org": "y" * 201},
    {"colour": "blue"}, {"consent_id": "not-a-uuid"},
])
def test_values_outside_the_schema_are_422_by_field(client, make, session, change):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    headers = make.headers(nurse)
    before = take_snapshot(session)
    refused = client.post(f"/api/v1/cases/{case.id}/disclosures", json=decision_body(**change),
                          headers=headers)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    [field] = change
    assert set(refused.json["errors"]) == {field} or all(
        key.startswith(f"{field}.") for key in refused.json["errors"]), refused.json
    assert_nothing_written(session, before)


def test_a_correction_supersedes_and_both_stay_visible_with_the_chain(client, make, session):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    headers = make.headers(nurse)
    url = f"/api/v1/cases/{case.id}/disclosures"
    first = client.post(url, json=decision_body(decided_at=(utcnow() - timedelta(hours=2)).isoformat()),
                        headers=headers).json
    second = client.post(url, json=decision_body(supersedes=first["id"], rationale="Corrected: dates"),
                         headers=headers)
    assert second.status_code == 201, second.json
    second = second.json
    assert second["supersedes"] == first["id"]
    assert second["chain"] == [first["id"], second["id"]]

    listed = client.get(url, headers=headers).json
    assert [d["id"] for d in listed["disclosures"]] == [second["id"], first["id"]]  # newest first
    assert [d["superseded_by"] for d in listed["disclosures"]] == [None, second["id"]]
    assert listed["next_offset"] is None

    old = client.get(f"{url}/{first['id']}", headers=headers).json
    assert old["rationale"] == RATIONALE
    assert (old["superseded_by"], old["chain"]) == (second["id"], [first["id"], second["id"]])
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure.read")).all()
    assert [(e.object_id, e.case_id) for e in reads] == [(first["id"], case.id)]

    before = take_snapshot(session)
    again = client.post(url, json=decision_body(supersedes=first["id"]), headers=headers)
    assert again.status_code == 422
    assert set(again.json["errors"]) == {"supersedes"}
    assert_nothing_written(session, before)


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_a_decision_cannot_be_changed_or_deleted(client, make, session, consents, method):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    decision = consents.decision(nurse, case, recipients=("Northshire Police",))
    url = f"/api/v1/cases/{case.id}/disclosures/{decision.id}"
    headers = make.headers(nurse)
    before = take_snapshot(session)
    response = client.open(url, method=method, json=decision_body(rationale="Rewritten"),
                           headers=headers)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 405
    assert "GET" in response.headers["Allow"]
    assert_nothing_written(session, before)
    assert client.get(url, headers=headers).json["rationale"] == (
        "Shared to protect an adult at risk")


def test_another_cases_decision_is_not_found_under_this_case(client, make, session, consents):
    nurse = make.user(make.agency())
    case, other = make.case(nurse), make.case(nurse)
    decision = consents.decision(nurse, other, recipients=("Northshire Police",))
    headers = make.headers(nurse)
    before = take_snapshot(session)
    response = client.get(f"/api/v1/cases/{case.id}/disclosures/{decision.id}", headers=headers)
    assert response.status_code == 404
    assert "Shared to protect" not in response.get_data(as_text=True)
    assert_nothing_written(session, before)


def test_non_members_are_told_nothing_exists_under_the_case(client, make, session, consents):
    lead, outsider_agency = make.agency(), make.agency()
    nurse, outsider = make.user(lead), make.user(outsider_agency)
    case = make.case(nurse)
    record = consents.consent(nurse, case)
    decision = consents.decision(nurse, case, recipients=("Northshire Police",))
    headers = make.headers(outsider)
    base = f"/api/v1/cases/{case.id}"
    calls = [
        ("GET", f"{base}/consents", None), ("POST", f"{base}/consents", consent_body()),
        ("POST", f"{base}/consents/{record.id}/withdraw", {"channel": "verbal"}),
        ("GET", f"{base}/disclosures", None), ("POST", f"{base}/disclosures", decision_body()),
        ("GET", f"{base}/disclosures/{decision.id}", None),
    ]
    for method, url, body in calls:
        before = take_snapshot(session)
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 404, (method, url, response.json)
        assert "Shared to protect" not in response.get_data(as_text=True)
        audited = assert_nothing_written(session, before)
        assert [(e["action"], e["object_id"]) for e in audited] == [("access.denied", str(case.id))]


def test_the_list_pages_newest_first(client, make, consents):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    ids = [consents.decision(nurse, case, recipients=("Northshire Police",),
                             decided_at=utcnow() - timedelta(hours=hours)).id for hours in (3, 2, 1)]
    headers = make.headers(nurse)
    first = client.get(f"/api/v1/cases/{case.id}/disclosures", query_string={"limit": 2},
                       headers=headers).json
    assert [d["id"] for d in first["disclosures"]] == [str(ids[2]), str(ids[1])]
    assert first["next_offset"] == 2
    rest = client.get(f"/api/v1/cases/{case.id}/disclosures", query_string={"limit": 2, "offset": 2},
                      headers=headers).json
    assert ([d["id"] for d in rest["disclosures"]], rest["next_offset"]) == ([str(ids[0])], None)


def test_control_characters_are_refused_by_field_not_stored(client, make, session):
    """PostgreSQL refuses NUL in a text column: the API says which field, before any write."""
    agency = make.agency()
    nurse, admin = make.user(agency), make.user(agency, "admin")
    case = make.case(nurse)
    headers, admin_headers = make.headers(nurse), make.headers(admin)
    partner = make.agency()
    before = take_snapshot(session)
    decision = client.post(f"/api/v1/cases/{case.id}/disclosures", json=decision_body(
        decision_maker_role="Nurse\u0000", channel="post\u0007", recipients=["North\u0000shire"]),
        headers=headers)
    assert decision.status_code == 422
    assert set(decision.json["errors"]) == {"decision_maker_role", "channel", "recipients.0"}
    agreement = client.post("/api/v1/agreements", json=agreement_body(
        agency.code, partner.code, title="Agreement\u0000"), headers=admin_headers)
    assert agreement.status_code == 422
    assert set(agreement.json["errors"]) == {"title"}
    assert_nothing_written(session, before)
    kept = client.post(f"/api/v1/cases/{case.id}/disclosures",
                       json=decision_body(rationale="First line\n\tsecond line"), headers=headers)
    assert kept.status_code == 201
    assert kept.json["rationale"] == "First line\n\tsecond line"
