"""Repeat MARAC referrals (DOMAIN.md section 4, DESIGN.md section 4 `POST /cases`).

Every repeat is linked to the earlier referral, whoever makes it, for the MARAC coordinator.
The "repeat" flag tells an agency that a referral of that person exists, so it is shown only to
an agency that is a current member of the earlier case: to anyone else the answer is exactly
that of a first referral.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases import services
from hub.cases.models import Case, CaseKind, RepeatReferralLink
from hub.config import Policy
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory

VICTIM = {"name": "Jordan Marac-Person", "date_of_birth": "1991-04-12"}


def refer(client, headers, subject=VICTIM, agencies=()):
    return client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": subject, "agencies": list(agencies)})


def link_of(session, case_id: str) -> RepeatReferralLink | None:
    return session.get(RepeatReferralLink, uuid.UUID(case_id))


def shape(body: dict) -> dict:
    """What a referral's answer says beyond its own identifiers and times."""
    return {"keys": sorted(body), "flags": body["flags"], "kind": body["kind"],
            "status": body["status"], "agencies": len(body["agencies"])}


def test_non_member_gets_no_repeat_flag_and_the_answer_of_a_first_referral(client, make, session):
    idva, police = make.agency(kind="idva"), make.agency(kind="police")
    earlier = refer(client, make.headers(make.user(idva)))
    assert earlier.status_code == 201
    officer_headers = make.headers(make.user(police))

    first_of_someone_else = refer(client, officer_headers,
                                  {"name": "Casey Nobody-Before", "date_of_birth": "1990-01-01"})
    repeat = refer(client, officer_headers)

    assert repeat.status_code == first_of_someone_else.status_code == 201
    assert repeat.json["flags"] == [] == first_of_someone_else.json["flags"]
    assert shape(repeat.json) == shape(first_of_someone_else.json)
    assert repeat.headers.get("Content-Type") == first_of_someone_else.headers.get("Content-Type")
    # The coordinator's link is kept all the same, to the earlier case.
    link = link_of(session, repeat.json["id"])
    assert link is not None
    assert link.earlier_case_id == uuid.UUID(earlier.json["id"])
    assert link_of(session, first_of_someone_else.json["id"]) is None
    # Nor does the audit trail of the new case (read by its leads) say more than the answer did.
    created = session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == uuid.UUID(repeat.json["id"]), AuditEvent.action == "case.create")).one()
    assert created.details["flags"] == []
    # Reading the new case or listing cases does not say it either.
    read = client.get(f"/api/v1/cases/{repeat.json['id']}", headers=officer_headers)
    assert read.json["flags"] == []
    listed = client.get("/api/v1/cases", headers=officer_headers).json["cases"]
    assert {c["id"]: c["flags"] for c in listed}[repeat.json["id"]] == []


def test_member_of_the_earlier_case_gets_the_repeat_flag(client, make, session):
    idva, police = make.agency(kind="idva"), make.agency(kind="police")
    ConsentFactory(make).agreement(idva, police)
    earlier = refer(client, make.headers(make.user(idva)), agencies=[police.code])
    officer_headers = make.headers(make.user(police))

    repeat = refer(client, officer_headers)

    assert repeat.status_code == 201
    assert repeat.json["flags"] == ["repeat"]
    assert link_of(session, repeat.json["id"]).earlier_case_id == uuid.UUID(earlier.json["id"])
    assert client.get(f"/api/v1/cases/{repeat.json['id']}",
                      headers=officer_headers).json["flags"] == ["repeat"]
    listed = client.get("/api/v1/cases", headers=officer_headers).json["cases"]
    assert {c["id"]: c["flags"] for c in listed} == {repeat.json["id"]: ["repeat"],
                                                     earlier.json["id"]: []}


def test_an_agency_removed_from_the_earlier_case_is_no_longer_told(client, make):
    idva, police = make.agency(kind="idva"), make.agency(kind="police")
    ConsentFactory(make).agreement(idva, police)
    idva_headers = make.headers(make.user(idva))
    earlier = refer(client, idva_headers, agencies=[police.code])
    removed = client.delete(f"/api/v1/cases/{earlier.json['id']}/members/{police.code}",
                            headers=idva_headers)
    assert removed.status_code == 200

    assert refer(client, make.headers(make.user(police))).json["flags"] == []


def test_each_member_of_a_repeat_sees_the_flag_only_if_it_is_a_member_of_the_earlier_case(
        client, make, session):
    idva, police, council = make.agency(kind="idva"), make.agency(), make.agency(kind="council_adults")
    ConsentFactory(make).agreement(idva, police, council)
    idva_headers = make.headers(make.user(idva))
    refer(client, idva_headers)
    # The IDVA refers again and brings in the police, who never knew of the first referral.
    repeat = refer(client, idva_headers, agencies=[police.code, council.code])
    assert repeat.json["flags"] == ["repeat"]

    for agency in (police, council):
        headers = make.headers(make.user(agency))
        assert client.get(f"/api/v1/cases/{repeat.json['id']}", headers=headers).json["flags"] == []
        assert [c["flags"] for c in client.get("/api/v1/cases", headers=headers).json["cases"]] == [[]]
    # The stored flags, which every member sees (the case page among them), never hold it.
    assert session.get(Case, uuid.UUID(repeat.json["id"])).flags == []


def test_the_link_is_to_the_last_referral_and_the_window_is_the_policys(make, session, envelope):
    idva = make.agency(kind="idva")
    worker = make.user(idva)
    actor, subject = Actor(worker, "test"), services.Subject("Robin Window", date(1985, 6, 1))
    now = utcnow()

    def referral(at, policy=None):
        case = services.create_case(session, actor, kind=CaseKind.MARAC, subject=subject,
                                    agency_codes=[], envelope=envelope, policy=policy or Policy(),
                                    now=at)
        return case, session.get(RepeatReferralLink, case.id)

    oldest, no_link = referral(now - timedelta(days=300))
    assert no_link is None
    middle, link = referral(now - timedelta(days=60))
    assert link.earlier_case_id == oldest.id
    # Within 12 months of the last referral (60 days ago) but not of a 1-month window.
    _short, none = referral(now, Policy(marac_repeat_months=1))
    assert none is None
    latest, link = referral(now + timedelta(days=1))
    assert link.earlier_case_id == _short.id
    assert link.found_at == now + timedelta(days=1)
    assert services.case_flags(session, worker, [latest, middle, oldest]) == {
        latest.id: ["repeat"], middle.id: ["repeat"], oldest.id: []}


def test_a_referral_after_twelve_months_is_a_new_referral(make, session, envelope):
    worker = make.user(make.agency(kind="idva"))
    actor, subject = Actor(worker, "test"), services.Subject("Robin Later", date(1985, 6, 1))
    now = utcnow()
    services.create_case(session, actor, kind=CaseKind.MARAC, subject=subject, agency_codes=[],
                         envelope=envelope, policy=Policy(), now=now - timedelta(days=370))
    later = services.create_case(session, actor, kind=CaseKind.MARAC, subject=subject,
                                 agency_codes=[], envelope=envelope, policy=Policy(), now=now)
    assert session.get(RepeatReferralLink, later.id) is None
    assert services.case_flags(session, worker, [later]) == {later.id: []}


def test_only_marac_referrals_are_repeats(client, make, session):
    headers = make.headers(make.user(make.agency()))
    for kind in ("adult", "adult", "child"):
        response = client.post("/api/v1/cases", headers=headers, json={
            "kind": kind, "subject": VICTIM})
        assert response.json["flags"] == []
        assert link_of(session, response.json["id"]) is None
