"""The IG review queue, the sharing agreements register and the disclosure report over the API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from consent.models import DisclosureReview
from consent.rules import Art6Basis, Purpose
from consent.services import agreements as agreement_services
from consent.services.agreements import AgreementIn
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.consent.api_support import agreement_body, consented_body, decision_body


def _today() -> str:
    return utcnow().date().isoformat()


# --- the IG review queue ---------------------------------------------------------------------------

def test_ig_of_the_deciding_agency_reviews_what_was_shared_without_consent(client, make, session,
                                                                            consents):
    trust, police = make.agency(kind="nhs_acute"), make.agency()
    nurse, ig = make.user(trust, name="Sam Okafor"), make.user(trust, "ig")
    other_ig = make.user(police, "ig")
    consents.agreement(trust, police)
    case = make.case(nurse, members=(police,))
    without = consents.decision(nurse, case, recipients=("Northshire Police",))
    record = consents.consent(nurse, case)
    with_consent = client.post(f"/api/v1/cases/{case.id}/disclosures",
                               json=consented_body(str(record.id)), headers=make.headers(nurse)).json
    assert with_consent["needs_review"] is False
    headers = make.headers(ig)

    queue = client.get("/api/v1/disclosures/review-queue", headers=headers)
    assert queue.status_code == 200
    assert [(d["id"], d["case_ref"]) for d in queue.json["decisions"]] == [(str(without.id), case.ref)]
    assert queue.json["decisions"][0]["rationale"] == "Shared to protect an adult at risk"
    assert queue.json["next_offset"] is None
    assert client.get("/api/v1/disclosures/review-queue",
                      headers=make.headers(other_ig)).json["decisions"] == []

    reviewed = client.post(f"/api/v1/disclosures/{without.id}/reviews",
                           json={"outcome": "concerns_raised", "comment": "Why not ask her first?"},
                           headers=headers)
    assert reviewed.status_code == 201, reviewed.json
    assert reviewed.json["outcome"] == "concerns_raised"
    assert reviewed.json["comment"] == "Why not ask her first?"
    assert reviewed.json["reviewer"] == ig.name
    [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure.review")).all()
    assert (audit.object_id, audit.case_id, audit.details) == (str(without.id), case.id,
                                                               {"outcome": "concerns_raised"})
    review = session.scalar(select(DisclosureReview).where(DisclosureReview.decision_id == without.id))
    assert review is not None
    assert b"ask her first" not in review.comment_ciphertext
    assert client.get("/api/v1/disclosures/review-queue", headers=headers).json["decisions"] == []

    # The decision-maker reads the decision with its review: the concern is then seen.
    shown = client.get(f"/api/v1/cases/{case.id}/disclosures/{without.id}",
                       headers=make.headers(nurse)).json
    assert shown["review"]["outcome"] == "concerns_raised"
    session.expire_all()
    assert session.get(DisclosureReview, review.id).seen_at is not None


def test_a_second_review_is_409_and_bad_reviews_422_writing_nothing(client, make, session, consents):
    trust = make.agency(kind="nhs_acute")
    nurse, ig = make.user(trust), make.user(trust, "ig")
    case = make.case(nurse)
    decision = consents.decision(nurse, case, recipients=("Northshire Police",))
    headers = make.headers(ig)
    url = f"/api/v1/disclosures/{decision.id}/reviews"
    before = take_snapshot(session)
    blank = client.post(url, json={"outcome": "endorsed", "comment": "  "}, headers=headers)
    assert blank.status_code == 422
    assert set(blank.json["errors"]) == {"comment"}
    bad = client.post(url, json={"outcome": "shrug", "comment": "Fine"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"outcome"}
    assert_nothing_written(session, before)
    assert client.post(url, json={"outcome": "endorsed", "comment": "Fine"},
                       headers=headers).status_code == 201
    before = take_snapshot(session)
    again = client.post(url, json={"outcome": "concerns_raised", "comment": "On reflection"},
                        headers=headers)
    assert again.status_code == 409
    assert_nothing_written(session, before)


def test_only_ig_of_the_deciding_agency_may_review(client, make, session, consents):
    trust, police = make.agency(kind="nhs_acute"), make.agency()
    nurse = make.user(trust)
    consents.agreement(trust, police)
    case = make.case(nurse, members=(police,))
    decision = consents.decision(nurse, case, recipients=("Northshire Police",))
    body = {"outcome": "endorsed", "comment": "Fine"}
    url = f"/api/v1/disclosures/{decision.id}/reviews"
    for caller, status in ((make.user(police, "ig"), 404), (make.user(trust, "lead"), 403),
                           (make.user(trust), 403)):
        headers = make.headers(caller)
        before = take_snapshot(session)
        assert client.post(url, json=body, headers=headers).status_code == status
        assert [e["action"] for e in assert_nothing_written(session, before)] == ["access.denied"]
        assert client.get("/api/v1/disclosures/review-queue",
                          headers=headers).status_code == (200 if status == 404 else 403)


# --- information-sharing agreements ----------------------------------------------------------------

def test_an_administrator_records_an_agreement_everyone_reads_it(client, make, session):
    first, second = make.agency(), make.agency(kind="council_adults")
    admin = make.user(first, "admin")
    created = client.post("/api/v1/agreements", json=agreement_body(first.code, second.code),
                          headers=make.headers(admin))
    assert created.status_code == 201, created.json
    assert created.json["parties"] == [first.code, second.code]
    assert created.json["overdue"] is False
    [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "agreement.record")).all()
    assert audit.object_id == created.json["id"]
    for role in ("practitioner", "auditor", "ig"):
        listed = client.get("/api/v1/agreements", headers=make.headers(make.user(second, role)))
        assert listed.status_code == 200
        assert created.json["id"] in [a["id"] for a in listed.json["agreements"]]


def test_an_agreement_past_its_review_date_shows_as_overdue(client, make, session):
    first, second = make.agency(), make.agency()
    admin = make.user(first, "admin")
    then = utcnow() - timedelta(days=400)
    agreement_services.record_agreement(session, Actor(admin, "test"), AgreementIn(
        title="Old agreement", parties=(first.code, second.code), purposes=(Purpose.MARAC,),
        case_kinds=(CaseKind.MARAC,), art6_basis=Art6Basis.PUBLIC_TASK,
        review_date=(then + timedelta(days=30)).date()), policy=Policy(), now=then)
    session.commit()
    listed = client.get("/api/v1/agreements", headers=make.headers(admin)).json["agreements"]
    assert [(a["title"], a["overdue"]) for a in listed if a["title"] == "Old agreement"] == [
        ("Old agreement", True)]


def test_agreements_are_refused_by_field_and_only_administrators_write(client, make, session):
    first = make.agency()
    admin, practitioner = make.user(first, "admin"), make.user(first)
    admin_headers, practitioner_headers = make.headers(admin), make.headers(practitioner)
    second = make.agency()
    before = take_snapshot(session)
    unknown = client.post("/api/v1/agreements", json=agreement_body(first.code, "NO-SUCH"),
                          headers=admin_headers)
    assert unknown.status_code == 422
    assert set(unknown.json["errors"]) == {"parties"}
    past = client.post("/api/v1/agreements", json=agreement_body(
        first.code, second.code, review_date="2020-01-01", art6_basis="consent"),
        headers=admin_headers)
    assert past.status_code == 422
    assert set(past.json["errors"]) == {"review_date", "art6_basis"}
    assert client.post("/api/v1/agreements", json=agreement_body(first.code, first.code),
                       headers=practitioner_headers).status_code == 403
    assert [e["action"] for e in assert_nothing_written(session, before)] == ["access.denied"]


# --- the disclosure report -------------------------------------------------------------------------

def test_the_report_gives_figures_as_json_and_csv_and_is_audited(client, make, session, consents):
    trust = make.agency(kind="nhs_acute")
    nurse, manager = make.user(trust), make.user(trust, "manager")
    case = make.case(nurse)
    consents.decision(nurse, case, recipients=("Northshire Police",))
    consents.decision(nurse, case, outcome="do_not_share", recipients=(), items_shared=())
    headers = make.headers(manager)
    period = {"from": _today(), "to": _today()}
    report = client.get("/api/v1/reports/disclosures", query_string=period, headers=headers)
    assert report.status_code == 200, report.json
    figures = report.json
    assert (figures["from"], figures["to"]) == (_today(), _today())
    assert figures["total"] >= 2
    assert figures["by_agency"][trust.code] == 2
    assert figures["without_consent"] >= 1
    assert 0 < figures["without_consent_share"] <= 1
    assert "Shared to protect" not in report.get_data(as_text=True)
    assert case.ref not in report.get_data(as_text=True)

    exported = client.get("/api/v1/reports/disclosures", query_string=period,
                          headers={**headers, "Accept": "text/csv"})
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0] == ["measure", "value", "count"]
    assert ["agency", trust.code, "2"] in rows
    assert ["decisions", "all", str(figures["total"])] in rows
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.disclosures.read")).all()
    assert len(reads) == 2
    assert reads[0].details == {"from": _today(), "to": _today()}


def test_the_report_period_is_checked_and_roles_limited(client, make, session):
    agency = make.agency()
    lead, practitioner, admin = (make.user(agency, role) for role in ("lead", "practitioner", "admin"))
    headers = make.headers(lead)
    refusals = [make.headers(practitioner), make.headers(admin)]
    before = take_snapshot(session)
    backwards = client.get("/api/v1/reports/disclosures", query_string={"from": "2026-05-02",
                                                                        "to": "2026-05-01"},
                           headers=headers)
    assert backwards.status_code == 422
    assert set(backwards.json["errors"]) == {"to"}
    too_long = client.get("/api/v1/reports/disclosures", query_string={"from": "2020-01-01",
                                                                       "to": "2026-01-02"},
                          headers=headers)
    assert too_long.status_code == 422
    assert set(too_long.json["errors"]) == {"to"}
    missing = client.get("/api/v1/reports/disclosures", query_string={"from": "2026-01-01"},
                         headers=headers)
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"to"}
    for refused_headers in refusals:
        assert client.get("/api/v1/reports/disclosures", query_string={"from": _today(), "to": _today()},
                          headers=refused_headers).status_code == 403
    assert_nothing_written(session, before)


def test_a_correction_counts_in_the_report_as_a_decision_of_its_own(client, make, consents):
    nurse = make.user(make.agency())
    case = make.case(nurse)
    first = consents.decision(nurse, case, recipients=("Northshire Police",))
    assert client.post(f"/api/v1/cases/{case.id}/disclosures",
                       json=decision_body(supersedes=str(first.id)),
                       headers=make.headers(nurse)).status_code == 201
    auditor = make.user(make.agency(), "auditor")
    # From yesterday: the correction's body is dated half an hour ago, which after midnight is then.
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    figures = client.get("/api/v1/reports/disclosures", query_string={"from": yesterday, "to": _today()},
                         headers=make.headers(auditor)).json
    assert figures["by_agency"][nurse.agency.code] == 2
