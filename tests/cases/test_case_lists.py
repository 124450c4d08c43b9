"""Case lists: only current memberships, newest first, and the dashboard's lines agree with the API's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from hub.actor import Actor
from hub.cases import services
from hub.cases.models import Case
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory


def test_lists_hold_current_memberships_only_newest_first_and_the_lines_agree(make, session):
    police, nhs, council = make.agency(), make.agency(kind="nhs_mental_health"), make.agency()
    officer, nurse = make.user(police), make.user(nhs)
    ConsentFactory(make).agreement(police, nhs)
    shared = [make.case(officer, members=(nhs,), name=f"Shared Person {n}") for n in range(3)]
    police_only = make.case(officer, name="Police Only")
    left = make.case(officer, members=(nhs,), name="Nhs Left")
    services.remove_member(session, Actor(officer, "test"), left.id, nhs.code, now=utcnow())
    make.case(make.user(council), name="Council Only")
    # Distinct creation times, oldest first in the order made, so "newest first" is tested.
    start = utcnow() - timedelta(days=30)
    for n, case in enumerate([*shared, police_only, left]):
        session.execute(update(Case).where(Case.id == case.id).values(created_at=start + timedelta(days=n)))
    session.flush()

    expected_nhs = [c.ref for c in reversed(shared)]
    assert [c.ref for c in services.list_cases(session, nurse)] == expected_nhs
    lines = services.case_lines(session, nurse)
    assert [line.ref for line in lines] == expected_nhs
    assert {line.lead_agency for line in lines} == {police.name}
    assert lines[0].id == shared[-1].id
    assert lines[0].kind == "adult"
    assert lines[0].created_at == start + timedelta(days=2)

    police_refs = [left.ref, police_only.ref, *expected_nhs]
    assert [c.ref for c in services.list_cases(session, officer)] == police_refs
    assert [line.ref for line in services.case_lines(session, officer, limit=2)] == police_refs[:2]


def test_roles_without_the_case_list_permission_get_no_lines(make, session):
    police = make.agency()
    make.case(make.user(police))
    for role in ("admin", "auditor"):
        assert services.case_lines(session, make.user(police, role)) == []
