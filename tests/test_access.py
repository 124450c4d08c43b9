"""The access policy's vocabulary and case scope (hub.access), and the trace a refused case
leaves (DESIGN.md invariants 2 and 5): a probe for a case id is audited as ``access.denied``
with the id and the caller, and the caller sees the same 404 whether the case exists or not."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from hub import access
from hub.access import CASE_SCOPE, CASE_SCOPED, CaseScope, Permission, may_read_case_audit, visible_case
from hub.agencies.models import Role
from hub.audit.models import AuditEvent
from hub.errors import Forbidden, NotFound
from tests.support.factories.consent import ConsentFactory

REQUEST_ID = "probe-request-0001"


def denials(session, case_id) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.denied", AuditEvent.object_id == str(case_id))))


def without_per_request_values(body: str) -> str:
    """Nonces and tokens differ on every response; everything else must be identical."""
    return re.sub(r'(nonce|content|value)="[^"]*"', "", body)


# --- the vocabulary and the case-scope table ---------------------------------------------------


def test_every_permission_is_named_scope_resource_action():
    for permission in Permission:
        if permission is Permission.PUBLIC:
            continue
        assert re.fullmatch(r"[a-z]+:[a-z-]+:[a-z-]+", permission.value), permission


def test_the_case_scoped_permissions_are_the_case_scope_table_and_all_in_the_case_scope():
    assert frozenset(CASE_SCOPE) == CASE_SCOPED
    assert {p for p in Permission if p.value.startswith("case:")} == set(CASE_SCOPE)
    assert CASE_SCOPE[Permission.CASE_READ] is CaseScope.MEMBER
    assert CASE_SCOPE[Permission.CASE_MEMBERS_MANAGE] is CaseScope.LEAD
    assert CASE_SCOPE[Permission.CASE_AUDIT_READ] is CaseScope.MEMBER


def test_visible_case_refuses_a_permission_that_is_not_case_scoped(make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    with pytest.raises(ValueError, match="not case-scoped"):
        visible_case(session, officer, case.id, Permission.CASE_LIST)


def test_visible_case_follows_the_table_member_or_lead(make, session, monkeypatch):
    police, nhs = make.agency(), make.agency()
    officer, nurse = make.user(police), make.user(nhs)
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(officer, members=(nhs,))
    assert visible_case(session, nurse, case.id, Permission.CASE_READ).id == case.id
    with pytest.raises(Forbidden):
        visible_case(session, nurse, case.id, Permission.CASE_MEMBERS_MANAGE)
    # Reading the case made a lead-only permission: one line of the table changes the rule.
    monkeypatch.setitem(CASE_SCOPE, Permission.CASE_READ, CaseScope.LEAD)
    with pytest.raises(Forbidden):
        visible_case(session, nurse, case.id, Permission.CASE_READ)
    assert visible_case(session, officer, case.id, Permission.CASE_READ).id == case.id


def test_the_case_audit_read_follows_the_same_table(make, session, monkeypatch):
    police, nhs, council = make.agency(), make.agency(), make.agency()
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(make.user(police), members=(nhs,))
    nhs_ig, police_lead = make.user(nhs, "ig"), make.user(police, "lead")
    outsider_lead, auditor = make.user(council, "lead"), make.user(council, "auditor")
    assert may_read_case_audit(session, nhs_ig, case.id)
    assert may_read_case_audit(session, police_lead, case.id)
    assert not may_read_case_audit(session, outsider_lead, case.id)
    assert may_read_case_audit(session, auditor, case.id)  # any case, without membership
    assert not may_read_case_audit(session, make.user(nhs, "practitioner"), case.id)
    monkeypatch.setitem(CASE_SCOPE, Permission.CASE_AUDIT_READ, CaseScope.LEAD)
    assert not may_read_case_audit(session, nhs_ig, case.id)
    assert may_read_case_audit(session, police_lead, case.id)
    assert may_read_case_audit(session, auditor, case.id)


def test_roles_hold_case_audit_read_as_they_held_the_audit_read_of_a_member_case():
    granted = {role: access.ROLE_PERMISSIONS[role] for role in Role}
    assert {r for r, p in granted.items() if Permission.CASE_AUDIT_READ in p} == {Role.LEAD, Role.IG}
    assert {r for r, p in granted.items() if Permission.AUDIT_ANY_CASE in p} == {Role.AUDITOR}


# --- probing for case ids leaves a trace --------------------------------------------------------


def test_a_non_members_probe_of_the_api_is_audited_and_answered_as_a_missing_case(client, make,
                                                                                  session):
    police, other = make.agency(), make.agency()
    case = make.case(make.user(police))
    outsider = make.user(other)
    headers = {**make.headers(outsider), "X-Request-ID": REQUEST_ID}
    missing_id = uuid.uuid4()

    not_member = client.get(f"/api/v1/cases/{case.id}", headers=headers)
    missing = client.get(f"/api/v1/cases/{missing_id}", headers=headers)

    assert not_member.status_code == missing.status_code == 404
    assert not_member.get_data() == missing.get_data()
    assert not_member.headers["Content-Type"] == missing.headers["Content-Type"]
    for case_id in (case.id, missing_id):
        [event] = denials(session, case_id)
        assert (event.object_type, event.outcome) == ("case", "denied")
        assert (event.user_id, event.agency_code) == (outsider.id, other.code)
        assert event.request_id == REQUEST_ID
        assert event.details == {"endpoint": "cases_api.get_case", "permission": "case:content:read"}


def test_a_non_members_probe_of_the_case_page_is_audited_and_answered_as_a_missing_case(
        client, make, session):
    police, other = make.agency(), make.agency()
    case = make.case(make.user(police))
    outsider = make.user(other)
    headers = make.headers(outsider)
    missing_id = uuid.uuid4()

    not_member = client.get(f"/cases/{case.id}", headers=headers)
    missing = client.get(f"/cases/{missing_id}", headers=headers)

    assert not_member.status_code == missing.status_code == 404
    assert without_per_request_values(not_member.get_data(as_text=True)) == \
        without_per_request_values(missing.get_data(as_text=True))
    for case_id in (case.id, missing_id):
        [event] = denials(session, case_id)
        assert (event.object_type, event.outcome, event.user_id) == ("case", "denied", outsider.id)
        assert event.details["endpoint"] == "cases.case_page"


def test_a_non_member_changing_membership_is_audited_with_the_case_id(client, make, session):
    police, other = make.agency(), make.agency()
    case = make.case(make.user(police))
    outsider = make.user(other)
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": other.code},
                           headers=make.headers(outsider))
    assert response.status_code == 404
    [event] = denials(session, case.id)
    assert event.details["permission"] == "case:members:manage"
    assert event.user_id == outsider.id


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_a_role_without_the_permission_is_audited_with_the_requested_case_id(role, client, make,
                                                                              session):
    police = make.agency()
    case = make.case(make.user(police))
    caller = make.user(police, role)
    response = client.get(f"/api/v1/cases/{case.id}", headers=make.headers(caller))
    assert response.status_code == 404
    [event] = denials(session, case.id)
    assert (event.object_type, event.user_id) == ("case", caller.id)


def test_a_lead_probing_another_agencys_case_audit_is_audited(client, make, session):
    case = make.case(make.user(make.agency()))
    lead = make.user(make.agency(), "lead")
    response = client.get("/api/v1/audit", query_string={"case": str(case.id)},
                          headers=make.headers(lead))
    assert response.status_code == 404
    [event] = denials(session, case.id)
    assert event.user_id == lead.id


def test_a_members_read_leaves_no_denial(client, make, session):
    police = make.agency()
    officer = make.user(police)
    case = make.case(officer)
    assert client.get(f"/api/v1/cases/{case.id}", headers=make.headers(officer)).status_code == 200
    assert client.get(f"/cases/{case.id}", headers=make.headers(officer)).status_code == 200
    assert denials(session, case.id) == []


def test_a_member_short_of_the_lead_scope_is_told_403_and_the_refusal_is_audited(client, make,
                                                                                  session):
    police, nhs = make.agency(), make.agency()
    ConsentFactory(make).agreement(police, nhs)
    case = make.case(make.user(police), members=(nhs,))
    nurse = make.user(nhs)
    response = client.post(f"/api/v1/cases/{case.id}/members", json={"agency": police.code},
                           headers=make.headers(nurse))
    assert response.status_code == 403
    [event] = denials(session, case.id)
    assert (event.user_id, event.details["permission"]) == (nurse.id, "case:members:manage")


def test_a_refusal_in_a_service_is_noted_once_and_taken_once(make, session):
    case = make.case(make.user(make.agency()))
    outsider = make.user(make.agency())
    for _ in range(2):
        with pytest.raises(NotFound):
            visible_case(session, outsider, case.id, Permission.CASE_READ)
    assert access.take_refused_cases(session) == [case.id]
    assert access.take_refused_cases(session) == []
