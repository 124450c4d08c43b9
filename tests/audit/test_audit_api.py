"""GET /api/v1/audit?case={id}: leads and IG of member agencies, and auditors; the read is audited."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from tests.support.factories.consent import ConsentFactory


@pytest.fixture
def scene(make, client):
    """A case led by police with NHS as member; a council that is not a member."""
    police, nhs, council = make.agency(), make.agency(kind="nhs_acute"), make.agency(kind="council_adults")
    officer = make.user(police, "practitioner")
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,), name="Casey Auditsubject")
    assert client.get(f"/api/v1/cases/{case.id}", headers=make.headers(officer)).status_code == 200
    return {"police": police, "nhs": nhs, "council": council, "officer": officer, "case": case}


def audit_of(client, make, user, case_id, **params):
    query = {"case": str(case_id), **params}
    return client.get("/api/v1/audit", query_string=query, headers=make.headers(user))


@pytest.mark.parametrize(("agency", "role"), [("police", "lead"), ("nhs", "lead"), ("nhs", "ig"),
                                              ("police", "ig"), ("council", "auditor")])
def test_leads_and_ig_of_members_and_any_auditor_see_the_case_trail(client, make, scene, agency, role):
    reader = make.user(scene[agency], role)
    response = audit_of(client, make, reader, scene["case"].id)
    assert response.status_code == 200, response.json
    events = response.json["events"]
    assert [e["action"] for e in events] == ["case.read", "case.create"]
    read, create = events
    assert read["user_id"] == str(scene["officer"].id)
    assert read["agency_code"] == scene["police"].code
    assert create["details"]["agencies"] == [scene["police"].code, scene["nhs"].code]
    assert all(e["case_id"] == str(scene["case"].id) for e in events)
    assert read["occurred_at"].endswith(("Z", "+00:00"))
    assert "Casey" not in response.get_data(as_text=True)
    assert response.json["next_before"] is None


def test_practitioners_are_refused_with_403(client, make, scene):
    response = audit_of(client, make, scene["officer"], scene["case"].id)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "events" not in response.json


@pytest.mark.parametrize("role", ["lead", "ig"])
def test_a_non_member_agency_is_told_the_case_does_not_exist(client, make, scene, role):
    outsider = make.user(scene["council"], role)
    response = audit_of(client, make, outsider, scene["case"].id)
    assert response.status_code == 404
    assert "events" not in response.json
    missing = audit_of(client, make, outsider, uuid.uuid4())
    assert (missing.status_code, missing.json["title"]) == (404, response.json["title"])


def test_a_removed_member_agency_loses_the_trail(client, make, scene):
    nhs_lead = make.user(scene["nhs"], "lead")
    assert audit_of(client, make, nhs_lead, scene["case"].id).status_code == 200
    removed = client.delete(f"/api/v1/cases/{scene['case'].id}/members/{scene['nhs'].code}",
                            headers=make.headers(scene["officer"]))
    assert removed.status_code == 200
    assert audit_of(client, make, nhs_lead, scene["case"].id).status_code == 404


def test_an_auditor_asking_for_a_case_that_does_not_exist_gets_404(client, make, scene):
    auditor = make.user(scene["council"], "auditor")
    assert audit_of(client, make, auditor, uuid.uuid4()).status_code == 404


@pytest.mark.parametrize(("params", "field"), [
    ({"case": "not-a-uuid"}, "case"),
    ({"case": "42"}, "case"),
    ({}, "case"),
    ({"limit": "0"}, "limit"),
    ({"limit": "5001"}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"before": "0"}, "before"),
    ({"before": str(2**63)}, "before"),
    ({"before": "-1"}, "before"),
    ({"order": "asc"}, "order"),
])
def test_bad_query_values_get_422_naming_the_field(client, make, scene, session, params, field):
    auditor = make.user(scene["council"], "auditor")
    query = {"case": str(scene["case"].id), **params}
    if not params:
        query = {}
    before = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "audit.read")).all()
    response = client.get("/api/v1/audit", query_string=query, headers=make.headers(auditor))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert session.scalars(select(AuditEvent.id).where(AuditEvent.action == "audit.read")).all() == before


def test_pages_go_back_in_time_with_before_and_limit(client, make, scene):
    lead = make.user(scene["police"], "lead")
    headers = make.headers(scene["officer"])
    for _ in range(4):
        assert client.get(f"/api/v1/cases/{scene['case'].id}", headers=headers).status_code == 200
    # Six events: create, five reads. Read them two at a time; each page's read adds an audit.read.
    first = audit_of(client, make, lead, scene["case"].id, limit=2).json
    assert [e["action"] for e in first["events"]] == ["case.read", "case.read"]
    seen = [e["id"] for e in first["events"]]
    before, pages = first["next_before"], 1
    assert before == seen[-1]
    while before is not None:
        page = audit_of(client, make, lead, scene["case"].id, limit=2, before=before).json
        assert all(e["id"] < before for e in page["events"])
        seen += [e["id"] for e in page["events"]]
        before, pages = page["next_before"], pages + 1
    assert seen == sorted(seen, reverse=True)
    assert (len(seen), pages) == (6, 3)
    everything = audit_of(client, make, lead, scene["case"].id).json["events"]
    assert [e["action"] for e in everything][:3] == ["audit.read"] * 3  # the three page reads
    assert [e["id"] for e in everything][3:] == seen
    assert everything[-1]["action"] == "case.create"


def test_reading_the_trail_is_itself_audited(client, make, scene, session):
    auditor = make.user(scene["council"], "auditor")
    response = client.get("/api/v1/audit", query_string={"case": str(scene["case"].id), "limit": "1"},
                          headers={**make.headers(auditor), "X-Request-ID": "audit-read-0001"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "audit-read-0001"
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.request_id == "audit-read-0001")).all()
    assert event.action == "audit.read"
    assert (event.user_id, event.agency_code) == (auditor.id, scene["council"].code)
    assert (event.case_id, event.object_type, event.object_id) == (scene["case"].id, "case",
                                                                    str(scene["case"].id))
    assert event.details == {"count": 1, "before": None, "limit": 1, "offset": 0}
    assert event.outcome == "success"
