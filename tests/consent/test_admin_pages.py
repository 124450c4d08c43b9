"""The consent pages outside any one case: the agreements register and its form, the IG review
queue and its review form, the disclosure report with its CSV, and the dashboard panel."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from consent.models import DisclosureReview, SharingAgreement
from consent.panels import dashboard_panel
from consent.rules import Art6Basis, ConsentStatus, Outcome, Purpose
from consent.services import agreements as agreement_services
from consent.services import reports as report_services
from consent.services import reviews as review_services
from hub.actor import Actor
from hub.audit.models import AuditEvent
from hub.cases.models import CaseKind
from hub.config import Policy
from hub.db import utcnow
from hub.security import CSRF_HEADER
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page


def text_of(response: Any) -> str:
    assert response.mimetype == "text/html"
    return " ".join(read_page(response.get_data(as_text=True)).text.split())


def error_summary(response: Any) -> list[str]:
    body = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in body
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [" ".join(html.unescape(m).split())
            for m in re.findall(r'<a href="[^"]*">([^<]*)</a>', summary)]


def section(response: Any, marker: str) -> str:
    """The HTML from ``marker`` to the end of its table row or card."""
    body = response.get_data(as_text=True)
    assert marker in body, marker
    return body.split(marker, 1)[1].split("</tr>", 1)[0].split('<div class="govuk-summary-card"', 1)[0]


def audited(session: Any, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def world(make):
    """Police lead a case with the health trust admitted on an agreement; the council is outside.
    Police have a practitioner, an IG officer, a lead and an administrator."""
    police = make.agency(kind="police")
    nhs = make.agency(kind="nhs_acute")
    council = make.agency(kind="council_adults")
    consents = ConsentFactory(make)
    agreement = consents.agreement(police, nhs, kinds=(CaseKind.ADULT, CaseKind.MARAC),
                                   title="Police and health adult safeguarding agreement")
    officer = make.user(police, name="Sam Officer")
    case = make.case(officer, members=(nhs,), name="Robin Adminpages")
    return {"police": police, "nhs": nhs, "council": council, "consents": consents,
            "agreement": agreement, "officer": officer, "case": case,
            "ig": make.user(police, "ig", name="Ira Governance"), "lead": make.user(police, "lead"),
            "admin": make.user(police, "admin"), "nurse": make.user(nhs)}


def lapsed_agreement(make, *parties, title="Lapsed hospital discharge agreement") -> SharingAgreement:
    """Recorded two years ago; its review date passed a year ago."""
    then = utcnow() - timedelta(days=730)
    found = agreement_services.record_agreement(
        make.session, Actor(make.user(parties[0], "admin"), "test"), agreement_services.AgreementIn(
            title=title, parties=tuple(p.code for p in parties), purposes=(Purpose.DIRECT_CARE,),
            case_kinds=(CaseKind.ADULT,), art6_basis=Art6Basis.PUBLIC_TASK,
            review_date=then.date() + timedelta(days=365), dpia_ref="DPIA-OLD-7"),
        policy=Policy(), now=then)
    make.session.commit()
    return found.row


# --- the agreements register ----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["practitioner", "manager", "lead", "ig", "admin", "auditor"])
def test_everyone_signed_in_reads_the_register_with_every_field(client, make, world, role):
    reader = make.user(world["council"], role)
    response = client.get("/agreements", headers=make.headers(reader))
    assert response.status_code == 200
    row = section(response, f'data-agreement="{world["agreement"].id}"')
    for shown in ("Police and health adult safeguarding agreement", world["police"].name,
                  world["nhs"].code, "To safeguard an adult at risk", "MARAC", "Adult safeguarding",
                  "Public task (Article 6(1)(e))", "DPIA-1",
                  world["agreement"].review_date.strftime("%-d %B %Y")):
        assert shown in row, shown
    assert "Child protection" not in row
    assert "Overdue" not in row
    assert ("Add an agreement" in text_of(response)) == (role == "admin")


def test_an_agreement_past_its_review_date_is_tagged_overdue_in_red(client, make, world):
    lapsed = lapsed_agreement(make, world["nhs"], world["council"])
    response = client.get("/agreements", headers=make.headers(world["officer"]))
    row = section(response, f'data-agreement="{lapsed.id}"')
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in row
    assert "DPIA-OLD-7" in row
    assert "Overdue" not in section(response, f'data-agreement="{world["agreement"].id}"')


def test_signing_in_is_needed_for_the_register(client):
    response = client.get("/agreements")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


AGREEMENT_FORM = {"title": "Council and health agreement", "purposes": ["safeguard_adult_at_risk", "marac"],
                  "case_kinds": ["adult"], "art6_basis": "public_task", "review_date-day": "31",
                  "review_date-month": "3", "review_date-year": str(utcnow().year + 2),
                  "dpia_ref": "DPIA-NEW-3"}


def test_an_administrator_checks_the_answers_then_records_the_agreement(client, make, session, world):
    headers = make.headers(world["admin"])
    form = {**AGREEMENT_FORM, "parties": [world["council"].code, world["nhs"].code]}
    assert "Add an information-sharing agreement" in text_of(client.get("/agreements/new", headers=headers))

    before = take_snapshot(session)
    check = client.post("/agreements/check", data=form, headers=headers)
    assert check.status_code == 200
    page = text_of(check)
    assert "Check the agreement before recording it" in page
    for shown in ("Council and health agreement", world["council"].name, world["nhs"].name,
                  "To safeguard an adult at risk", "MARAC", "Adult safeguarding",
                  f"31 March {utcnow().year + 2}", "DPIA-NEW-3"):
        assert shown in page, shown
    # Checking records nothing, and carries every answer to the record button.
    assert_nothing_written(session, before)
    body = check.get_data(as_text=True)
    assert f'name="parties" value="{world["nhs"].code}"' in body
    assert 'name="review_date-day" value="31"' in body

    recorded = client.post("/agreements", data=form, headers=headers)
    assert recorded.status_code == 303
    confirmation = client.get(recorded.headers["Location"], headers=headers)
    assert confirmation.status_code == 200
    assert 'class="govuk-panel govuk-panel--confirmation"' in confirmation.get_data(as_text=True)
    assert "Agreement recorded" in text_of(confirmation)
    agreement = session.scalars(select(SharingAgreement).where(
        SharingAgreement.title == "Council and health agreement")).one()
    assert sorted(agreement.party_codes) == sorted([world["council"].code, world["nhs"].code])
    assert (agreement.case_kinds, agreement.dpia_ref) == (["adult"], "DPIA-NEW-3")
    assert [e.object_id for e in audited(session, "agreement.record")][-1] == str(agreement.id)
    listed = client.get("/agreements", headers=headers)
    assert "Council and health agreement" in section(listed, f'data-agreement="{agreement.id}"')


def test_changing_the_answers_goes_back_to_the_form_as_filled_in(client, make, world):
    headers = make.headers(world["admin"])
    response = client.post("/agreements/new", headers=headers,
                           data={**AGREEMENT_FORM, "parties": [world["council"].code]})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'value="Council and health agreement"' in body
    assert re.search(rf'value="{world["council"].code}"\s+checked', body)


def test_a_form_with_nothing_filled_in_names_every_problem_and_writes_nothing(client, make, session, world):
    headers = make.headers(world["admin"])
    before = take_snapshot(session)
    for path in ("/agreements/check", "/agreements"):
        response = client.post(path, data={"dpia_ref": "Typed before the error"}, headers=headers)
        assert response.status_code == 422
        assert error_summary(response) == [
            "Give the agreement's title", "An agreement is between at least two agencies",
            "Choose at least one purpose the agreement covers",
            "Choose at least one kind of case the agreement covers",
            "Choose the lawful basis for sharing (UK GDPR Article 6)",
            "Give the date the agreement is next reviewed",
        ]
        assert 'value="Typed before the error"' in response.get_data(as_text=True)
        assert read_page(response.get_data(as_text=True)).title.startswith("Error: ")
    assert_nothing_written(session, before)


@pytest.mark.parametrize(("changes", "message"), [
    ({"review_date-year": "2001"}, "The review date must be today or later"),
    ({"review_date-day": "31", "review_date-month": "2"}, "The review date must be a real date"),
    ({"review_date-day": ""}, "The review date must include a day, month and year"),
    ({"art6_basis": "consent"}, "An agreement cannot rest on consent"),
    ({"purposes": ["not_a_purpose"]}, "Choose the purposes from the list"),
    ({"parties": ["NOPE-99", "NOPE-98"]}, "Unknown agency code: NOPE-98, NOPE-99"),
])
def test_a_wrong_answer_is_named_and_nothing_is_written(client, make, session, world, changes, message):
    headers = make.headers(world["admin"])
    form = {**AGREEMENT_FORM, "parties": [world["council"].code, world["nhs"].code], **changes}
    before = take_snapshot(session)
    response = client.post("/agreements/check", data=form, headers=headers)
    assert response.status_code == 422
    [problem] = error_summary(response)
    assert problem.startswith(message), problem
    assert_nothing_written(session, before)


@pytest.mark.parametrize("role", ["practitioner", "manager", "lead", "ig", "auditor"])
def test_only_administrators_add_agreements(client, make, session, world, role):
    headers = make.headers(make.user(world["police"], role))
    assert client.get("/agreements/new", headers=headers).status_code == 403
    before = take_snapshot(session)
    form = {**AGREEMENT_FORM, "parties": [world["council"].code, world["nhs"].code]}
    assert client.post("/agreements", data=form, headers=headers).status_code == 403
    assert [e["action"] for e in assert_nothing_written(session, before)] == ["access.denied"]


# --- the IG review queue --------------------------------------------------------------------------

def test_ig_sees_its_agencys_decisions_without_consent_oldest_first(client, make, session, world):
    consents, officer, case = world["consents"], world["officer"], world["case"]
    newer = consents.decision(officer, case, recipients=(world["council"].code,),
                              rationale="The newer decision", decided_at=utcnow() - timedelta(hours=1))
    older = consents.decision(officer, case, recipients=(world["council"].code,),
                              purpose=Purpose.PREVENT_DETECT_CRIME, outcome=Outcome.SHARE_FULL,
                              rationale="The older decision", decided_at=utcnow() - timedelta(days=3))
    reviewed = consents.decision(officer, case, recipients=(world["council"].code,),
                                 rationale="Already reviewed")
    review_services.review_decision(session, Actor(world["ig"], "test"), reviewed.id,
                                    outcome=review_services.ReviewOutcome.ENDORSED, comment="Fine",
                                    envelope=make.envelope, now=utcnow())
    not_shared = consents.decision(officer, case, recipients=(world["council"].code,),
                                   outcome=Outcome.DO_NOT_SHARE, rationale="Not shared at all")
    theirs = consents.decision(world["nurse"], case, recipients=(world["council"].code,),
                               rationale="The trust's own decision")
    session.commit()

    response = client.get("/disclosures/review-queue", headers=make.headers(world["ig"]))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.index(f'data-decision="{older.id}"') < body.index(f'data-decision="{newer.id}"')
    for gone in (reviewed, not_shared, theirs):
        assert str(gone.id) not in body
    [card] = [c for c in body.split('<div class="govuk-summary-card"')[1:] if str(older.id) in c]
    card_text = " ".join(read_page(card).text.split())
    for shown in (case.ref, "To prevent or detect crime", "Share in full", "Consent was not sought",
                  "The older decision", "Sam Officer"):
        assert shown in card_text, shown
    assert f"/disclosures/{older.id}/review" in card
    [read] = audited(session, "disclosure.review_queue.read")
    assert (read.user_id, read.details) == (world["ig"].id, {"count": 2})


@pytest.mark.parametrize("role", ["practitioner", "manager", "lead", "admin", "auditor"])
def test_the_queue_is_for_ig_only(client, make, world, role):
    caller = make.user(world["police"], role)
    assert client.get("/disclosures/review-queue", headers=make.headers(caller)).status_code == 403


def csrf(client) -> str:
    return client.get("/api/v1/me").headers[CSRF_HEADER]


def test_ig_records_a_review_through_the_form_and_returns_to_the_queue(client, make, session, world):
    decision = world["consents"].decision(world["officer"], world["case"],
                                          recipients=(world["council"].code,),
                                          rationale="Shared to protect Robin")
    sign_in(client, session, world["ig"])
    page = client.get(f"/disclosures/{decision.id}/review")
    assert page.status_code == 200
    shown = text_of(page)
    for expected in ("Review a decision made without consent", world["case"].ref,
                     "Shared to protect Robin", "Risk summary", world["council"].code,
                     "Endorse the decision", "Raise concerns with the decision-maker"):
        assert expected in shown, expected
    assert [e.object_id for e in audited(session, "disclosure.read")] == [str(decision.id)]

    response = client.post(f"/disclosures/{decision.id}/review", data={
        "csrf_token": csrf(client), "outcome": "concerns_raised",
        "comment": "Why was the person not asked?"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/disclosures/review-queue?")
    queue = client.get(response.headers["Location"])
    queue_body = queue.get_data(as_text=True)
    assert 'class="govuk-notification-banner govuk-notification-banner--success"' in queue_body
    assert f"Review recorded for the decision on {world['case'].ref}: concerns raised" in text_of(queue)
    assert str(decision.id) not in queue_body.split("</h1>", 1)[1]
    review = session.scalars(select(DisclosureReview)
                             .where(DisclosureReview.decision_id == decision.id)).one()
    assert (review.outcome, review.reviewer_id) == ("concerns_raised", world["ig"].id)
    assert review_services.review_comment(session, make.envelope, review) == "Why was the person not asked?"
    [event] = audited(session, "disclosure.review")
    assert (event.object_id, event.details) == (str(decision.id), {"outcome": "concerns_raised"})


def test_a_review_form_with_problems_names_them_and_writes_nothing(client, make, session, world):
    decision = world["consents"].decision(world["officer"], world["case"],
                                          recipients=(world["council"].code,))
    headers = make.headers(world["ig"])
    before = take_snapshot(session)
    response = client.post(f"/disclosures/{decision.id}/review", data={"comment": "  "}, headers=headers)
    assert response.status_code == 422
    assert error_summary(response) == ["Choose whether you endorse the decision or raise concerns",
                                       "Say why you endorse the decision or what concerns you"]
    typed = client.post(f"/disclosures/{decision.id}/review", headers=headers,
                        data={"outcome": "endorsed", "comment": "x" * 10_001})
    assert typed.status_code == 422
    assert error_summary(typed) == ["Keep the comment to 10,000 characters or fewer"]
    assert 'value="endorsed" checked' in typed.get_data(as_text=True)
    assert_nothing_written(session, before)


def test_another_agencys_ig_is_told_the_decision_does_not_exist(client, make, session, world):
    decision = world["consents"].decision(world["officer"], world["case"],
                                          recipients=(world["council"].code,))
    other_ig = make.user(world["nhs"], "ig")
    headers = make.headers(other_ig)
    before = take_snapshot(session)
    assert client.get(f"/disclosures/{decision.id}/review", headers=headers).status_code == 404
    response = client.post(f"/disclosures/{decision.id}/review", headers=headers,
                           data={"outcome": "endorsed", "comment": "Looks fine to me"})
    assert response.status_code == 404
    denied = assert_nothing_written(session, before)
    assert [(e["action"], e["object_id"]) for e in denied] == [("access.denied", str(world["case"].id))] * 2


def test_a_decision_already_reviewed_cannot_be_reviewed_again(client, make, session, world):
    decision = world["consents"].decision(world["officer"], world["case"],
                                          recipients=(world["council"].code,))
    headers = make.headers(world["ig"])
    first = client.post(f"/disclosures/{decision.id}/review", headers=headers,
                        data={"outcome": "endorsed", "comment": "Necessary"})
    assert first.status_code == 303
    assert client.get(f"/disclosures/{decision.id}/review", headers=headers).status_code == 404
    again = client.post(f"/disclosures/{decision.id}/review", headers=headers,
                        data={"outcome": "concerns_raised", "comment": "Second thoughts"})
    assert again.status_code == 409
    assert session.scalar(select(func.count()).select_from(DisclosureReview)) == 1


# --- the dashboard panel ------------------------------------------------------------------------

def test_concerns_raised_appear_on_the_decision_makers_dashboard_until_opened(client, make, session, world):
    decision = world["consents"].decision(world["officer"], world["case"],
                                          recipients=(world["council"].code,))
    headers = make.headers(world["officer"])
    assert "Information sharing" not in text_of(client.get("/", headers=headers))

    review = client.post(f"/disclosures/{decision.id}/review", headers=make.headers(world["ig"]),
                         data={"outcome": "concerns_raised", "comment": "Not proportionate"})
    assert review.status_code == 303
    dashboard = client.get("/", headers=headers)
    link = f'/cases/{world["case"].id}/decisions/{decision.id}'
    assert f'href="{link}"' in dashboard.get_data(as_text=True)
    assert f"Your decision on {world['case'].ref}" in text_of(dashboard)
    assert "Information governance raised concerns" in text_of(dashboard)
    # Nobody else who records decisions is told about it.
    other = make.user(world["police"])
    assert "Information sharing" not in text_of(client.get("/", headers=make.headers(other)))

    assert client.get(link, headers=headers).status_code == 200
    assert "Information governance raised concerns" not in text_of(client.get("/", headers=headers))


def test_ig_is_told_how_many_decisions_await_review(client, make, world):
    headers = make.headers(world["ig"])
    assert "No decision awaits IG review" in text_of(client.get("/", headers=headers))
    for _ in range(2):
        world["consents"].decision(world["officer"], world["case"], recipients=(world["council"].code,))
    dashboard = client.get("/", headers=headers)
    assert "2 decisions made without consent await your IG review" in text_of(dashboard)
    assert 'href="/disclosures/review-queue"' in dashboard.get_data(as_text=True)


@pytest.mark.parametrize(("role", "shown"), [("lead", True), ("ig", True), ("admin", True),
                                             ("practitioner", False), ("manager", False),
                                             ("auditor", False)])
def test_the_panel_shows_for_leads_ig_and_administrators_with_the_register(client, make, world, role, shown):
    dashboard = client.get("/", headers=make.headers(make.user(world["police"], role)))
    assert ("Information sharing" in text_of(dashboard)) == shown
    if shown:
        assert 'href="/agreements"' in dashboard.get_data(as_text=True)


@pytest.mark.parametrize(("role", "queries"), [("practitioner", 1), ("manager", 1), ("lead", 1),
                                               ("ig", 1), ("admin", 0), ("auditor", 0)])
def test_the_panel_costs_at_most_one_query_and_none_for_roles_it_does_not_concern(
        app, make, session, engine, world, role, queries):
    user = make.user(world["police"], role)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.test_request_context("/"):
        session.flush()
        event.listen(engine, "before_cursor_execute", count)
        try:
            dashboard_panel(session, user)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == queries, statements


# --- the disclosure report ------------------------------------------------------------------------

@pytest.fixture
def seeded(make, session, world):
    """Four decisions today: three by police (one not shared, two without consent of which one is
    reviewed) and one by the trust."""
    consents, officer, case = world["consents"], world["officer"], world["case"]
    council = world["council"].code
    reviewed = consents.decision(officer, case, recipients=(council,))
    consents.decision(officer, case, recipients=(council,), purpose=Purpose.PREVENT_DETECT_CRIME,
                      outcome=Outcome.SHARE_FULL)
    consents.decision(officer, case, recipients=(council,), outcome=Outcome.DO_NOT_SHARE,
                      consent_status=ConsentStatus.REFUSED)
    consents.decision(world["nurse"], case, recipients=(council,), art6_basis=Art6Basis.LEGAL_OBLIGATION)
    review_services.review_decision(session, Actor(world["ig"], "test"), reviewed.id,
                                    outcome=review_services.ReviewOutcome.ENDORSED, comment="Fine",
                                    envelope=make.envelope, now=utcnow())
    session.commit()
    return world


def period() -> dict[str, str]:
    today = utcnow().date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def test_the_report_page_shows_the_seeded_figures(client, make, session, seeded):
    response = client.get("/reports/disclosures", query_string=period(),
                          headers=make.headers(seeded["lead"]))
    assert response.status_code == 200
    body = response.get_data(as_text=True)

    def figure(name: str) -> str:
        return body.split(f'data-figure="{name}">', 1)[1].split("</dd>", 1)[0].strip()

    assert figure("total") == "4"
    assert figure("without_consent") == "3 (75% of decisions)"
    assert figure("without_consent_reviewed") == "1"

    def table(measure: str) -> dict[str, str]:
        part = body.split(f'data-measure="{measure}"', 1)[1].split("</table>", 1)[0]
        return {" ".join(k.split()): v for k, v in re.findall(
            r'<th scope="row" class="govuk-table__header">([^<]*)</th>\s*'
            r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', part)}

    assert table("outcome") == {"Share in part, minimised": "2", "Share in full": "1", "Do not share": "1"}
    assert table("lawful basis") == {"Legal obligation (Article 6(1)(c))": "1",
                                     "Public task (Article 6(1)(e))": "3"}
    assert table("purpose") == {"To prevent or detect crime": "1", "To safeguard an adult at risk": "3"}
    assert table("agency") == {seeded["police"].code: "3", seeded["nhs"].code: "1"}
    # The page shows what the service reports, and nothing personal.
    report = report_services.disclosure_report(
        session, Actor(seeded["lead"], "test"), start=utcnow().date() - timedelta(days=1),
        end=utcnow().date() + timedelta(days=1), policy=Policy(), now=utcnow())
    assert {k: str(v) for k, v in report.by_agency.items()} == table("agency")
    assert seeded["case"].ref not in body
    assert "Robin Adminpages" not in body
    assert audited(session, "report.disclosures.read")[0].details == period()
    csv_link = f'/reports/disclosures.csv?from={period()["from"]}&amp;to={period()["to"]}'
    assert csv_link in body


def test_the_csv_holds_the_same_figures(client, make, seeded):
    response = client.get("/reports/disclosures.csv", query_string=period(),
                          headers=make.headers(make.user(seeded["police"], "auditor")))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="disclosures-{period()["from"]}-{period()["to"]}.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["measure", "value", "count"]
    found = {(measure, value): int(count) for measure, value, count in rows[1:]}
    assert found[("decisions", "all")] == 4
    assert found[("outcome", "do_not_share")] == 1
    assert found[("outcome", "share_full")] == 1
    assert found[("outcome", "share_partial_minimised")] == 2
    assert found[("art6_basis", "public_task")] == 3
    assert found[("purpose", "prevent_detect_crime")] == 1
    assert found[("agency", seeded["police"].code)] == 3
    assert found[("agency", seeded["nhs"].code)] == 1
    assert found[("without_consent", "all")] == 3
    assert found[("without_consent", "reviewed")] == 1


def test_the_date_inputs_ask_for_the_same_period(client, make, seeded):
    today = utcnow().date()
    start, end = today - timedelta(days=1), today + timedelta(days=1)
    response = client.get("/reports/disclosures", headers=make.headers(seeded["lead"]), query_string={
        "from-day": start.day, "from-month": start.month, "from-year": start.year,
        "to-day": end.day, "to-month": end.month, "to-year": end.year})
    assert response.status_code == 200
    assert 'data-figure="total">4' in response.get_data(as_text=True).replace("\n", "").replace("  ", "")


def test_without_a_period_the_report_is_of_the_last_30_days(client, make, seeded):
    response = client.get("/reports/disclosures", headers=make.headers(seeded["lead"]))
    assert response.status_code == 200
    today = utcnow().date()
    start = today - timedelta(days=29)
    assert f"{start.strftime('%-d %B %Y')} to {today.strftime('%-d %B %Y')}" in text_of(response)
    assert re.search(rf'name="from-day"[^>]*value="{start.day}"', response.get_data(as_text=True))


@pytest.mark.parametrize(("query", "messages"), [
    ({"from": "2026-03-10", "to": "2026-03-01"}, ["The period must end on or after its first day"]),
    ({"from": "2020-01-01", "to": "2026-03-01"}, ["The period can be at most five years"]),
    ({"from": "2026-02-31", "to": "2026-03-01"}, ["The first day must be a real date, such as 2026-03-27"]),
    ({"from-day": "31", "from-month": "2", "from-year": "2026", "to": "2026-03-01"},
     ["The first day must be a real date"]),
    ({"from-day": "1", "to": ""}, ["The first day must include a day, month and year",
                                   "Give the last day of the period"]),
])
def test_a_wrong_period_is_named_in_the_error_summary(client, make, session, seeded, query, messages):
    headers = make.headers(seeded["lead"])
    before = take_snapshot(session)
    for path in ("/reports/disclosures", "/reports/disclosures.csv"):
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 422
        assert response.mimetype == "text/html"
        assert error_summary(response) == messages
    assert_nothing_written(session, before)


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_the_report_is_refused_to_roles_without_it(client, make, world, role):
    headers = make.headers(make.user(world["police"], role))
    for path in ("/reports/disclosures", "/reports/disclosures.csv"):
        assert client.get(path, query_string=period(), headers=headers).status_code == 403
