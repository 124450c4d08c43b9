"""The pages of reviews (DOMAIN.md §9): a near miss recorded through the form and check your
answers, reviewed by a lead of the agency, whose feedback (checked before it is sent) reaches the
person who raised it on the review's page; a SAR's decision through check your answers; a CSPR's
deadlines and dates; the action plan; the dashboard's figures. A form that breaks a rule is shown
again, 422, with the error summary, everything typed kept and nothing written; a review is seen
by its raiser and the leads and managers of the agencies involved, and by nobody else (404)."""

from __future__ import annotations

import html
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from hub.web.forms import long_date
from hub.workdays import add_working_days
from learning.models import Review, ReviewAction, ReviewAgency, ReviewCase
from tests.concerns.test_pages import count, error_summary, hidden_fields, summary_links, text_of
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

SUMMARY = "Discharge letter sent to an old address"
ACCOUNT = "The discharge letter went to the previous address; the GP spotted it & rang us."
FINDINGS = "Two systems held two addresses for the same person"
FEEDBACK = "Thank you for raising it. The ward now reads the address from one system only."


def _today() -> date:
    return Policy().local_date(utcnow())


def date_input(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


@pytest.fixture
def world(make):
    """A trust with a nurse, her colleague, a lead and an IG officer, and a case of the nurse's; a
    council whose manager may be involved; an outside agency with its own lead."""
    trust, council, outside = (make.agency(kind="nhs_mental_health"), make.agency(kind="council_adults"),
                               make.agency())
    nurse = make.user(trust, name="Priya Nair")
    return {"trust": trust, "council": council, "nurse": nurse, "colleague": make.user(trust),
            "lead": make.user(trust, "lead", name="Tom Fairweather"), "ig": make.user(trust, "ig"),
            "council_manager": make.user(council, "manager", name="Rita Council"),
            "outsider": make.user(outside, "lead"), "case": make.case(nurse, name="Dora Casefile")}


@pytest.fixture
def headers(make):
    """Each person's bearer headers, made once (a token made inside a snapshot is a write)."""
    made: dict[uuid.UUID, dict[str, str]] = {}

    def of(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
        if user.id not in made:
            made[user.id] = make.headers(user)
        return made[user.id]
    return of


def near_miss_form(world, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    form: dict[str, object] = {
        "kind": "near_miss", "summary": SUMMARY, "account": ACCOUNT,
        **date_input("occurred_on", _today() - timedelta(days=3)), "agencies": [world["council"].code],
        "case_refs": world["case"].ref.lower()}
    form.update(changes)
    return form


def structured_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        **date_input("timeline.1.on", _today() - timedelta(days=4)), "timeline.1.what": "Address changed",
        **date_input("timeline.3.on", _today() - timedelta(days=3)), "timeline.3.what": "Letter printed",
        "factors": ["record_keeping", "information_sharing"], "tags": "Addresses, discharge",
        "went_well": "The GP checked before filing it", "findings": FINDINGS,
        "recommendations": "One address, read from one system"}
    form.update(changes)
    return form


def raise_through_pages(client, world, headers) -> uuid.UUID:  # type: ignore[no-untyped-def]
    check = client.post("/reviews/new", data=near_miss_form(world), headers=headers(world["nurse"]))
    assert check.status_code == 200, text_of(check)
    raised = client.post("/reviews", data=hidden_fields(check, "/reviews"), headers=headers(world["nurse"]))
    assert raised.status_code == 303, text_of(raised)
    return uuid.UUID(raised.headers["Location"].split("/reviews/")[1].split("?")[0])


def review_through_pages(client, world, headers, review_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    recorded = client.post(f"/reviews/{review_id}/review", data=structured_form(),
                           headers=headers(world["lead"]))
    assert recorded.status_code == 303, text_of(recorded)


# --- a near miss, end to end ------------------------------------------------------------------------

def test_a_near_miss_goes_through_check_answers_review_and_feedback_to_the_nurse_who_raised_it(
        client, make, session, world, headers):
    nurse, lead = world["nurse"], world["lead"]
    listed = client.get("/reviews", headers=headers(nurse))
    assert listed.status_code == 200
    assert "Record an incident or near miss" in text_of(listed)
    assert "Open a SAR" not in text_of(listed)
    form = client.get("/reviews/new", headers=headers(nurse))
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert 'value="near_miss"' in body
    assert 'value="sar"' not in body  # a practitioner opens no statutory review
    assert world["council"].name in body
    assert f'value="{world["trust"].code}"' not in body  # the nurse's own agency is always involved

    check = client.post("/reviews/new", data=near_miss_form(world), headers=headers(nurse))
    assert check.status_code == 200, text_of(check)
    shown = text_of(check)
    assert "Check your answers before recording the review" in shown
    assert ACCOUNT in shown
    assert world["council"].name in shown
    assert world["case"].ref in shown
    assert count(session, Review) == 0
    carried = hidden_fields(check, "/reviews")
    assert carried["account"] == ACCOUNT
    back = client.post("/reviews/new", data={**carried, "change": "1"}, headers=headers(nurse))
    assert back.status_code == 200
    assert f'value="{SUMMARY}"' in back.get_data(as_text=True)

    raised = client.post("/reviews", data=carried, headers=headers(nurse))
    assert raised.status_code == 303, text_of(raised)
    [row] = session.scalars(select(Review)).all()
    assert raised.headers["Location"] == f"/reviews/{row.id}?done=raised"
    assert (row.kind, row.status, row.raised_by_id) == ("near_miss", "open", nurse.id)
    assert set(session.scalars(select(ReviewAgency.agency_id).where(ReviewAgency.review_id == row.id))) == {
        world["trust"].id, world["council"].id}
    linked = session.scalar(select(ReviewCase.case_id).where(ReviewCase.review_id == row.id))
    assert linked == world["case"].id
    page = client.get(raised.headers["Location"], headers=headers(nurse))
    text = text_of(page)
    assert "Recorded" in text
    assert SUMMARY in text
    assert ACCOUNT in text
    assert f'href="/cases/{world["case"].id}"' in page.get_data(as_text=True)
    assert "Not reviewed yet." in text
    assert "Once the review is done, the reviewer writes to you here" in text
    assert "Record the review" not in text  # the nurse does not review it

    # The trust's lead finds it in the list and reviews it.
    queue = client.get("/reviews", headers=headers(lead)).get_data(as_text=True)
    assert f'data-review-id="{row.id}"' in queue
    assert "Open a CSPR" in queue
    assert "1 incident or near miss awaits review" in text_of(client.get("/", headers=headers(lead)))
    review_form = client.get(f"/reviews/{row.id}/review", headers=headers(lead))
    assert review_form.status_code == 200
    assert "Record keeping" in text_of(review_form)
    assert review_form.get_data(as_text=True).count("data-timeline-row=") == 5
    recorded = client.post(f"/reviews/{row.id}/review", data=structured_form(), headers=headers(lead))
    assert recorded.status_code == 303, text_of(recorded)
    assert recorded.headers["Location"] == f"/reviews/{row.id}?done=reviewed"
    session.expire_all()
    assert (row.status, row.factors, row.tags) == ("reviewed", ["record_keeping", "information_sharing"],
                                                   ["addresses", "discharge"])
    reviewed = client.get(recorded.headers["Location"], headers=headers(lead))
    text = text_of(reviewed)
    assert "Structured review recorded" in text
    assert FINDINGS in text
    assert "Information sharing" in text
    timeline = reviewed.get_data(as_text=True).split('data-review="timeline"')[1].split("</table>")[0]
    assert timeline.index("Address changed") < timeline.index("Letter printed")
    assert long_date(_today() - timedelta(days=4)) in timeline
    again = client.get(f"/reviews/{row.id}/review", headers=headers(lead))
    assert "Record the review again" in text_of(again)
    assert 'value="Addresses, discharge"' not in again.get_data(as_text=True)
    assert 'value="addresses, discharge"' in again.get_data(as_text=True)

    # The feedback, checked before it is sent.
    feedback = client.get(f"/reviews/{row.id}/feedback", headers=headers(lead))
    assert "Give feedback to Priya Nair" in text_of(feedback)
    checked = client.post(f"/reviews/{row.id}/feedback/check", data={"feedback": FEEDBACK},
                          headers=headers(lead))
    assert checked.status_code == 200
    assert "Check the feedback before sending it" in text_of(checked)
    session.expire_all()
    assert row.feedback_at is None
    sent = client.post(f"/reviews/{row.id}/feedback", headers=headers(lead),
                       data=hidden_fields(checked, f"/reviews/{row.id}/feedback"))
    assert sent.status_code == 303, text_of(sent)
    session.expire_all()
    assert row.status == "closed"
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review.feedback")).all()
    assert (mail.recipient, mail.link_path) == (nurse.email, f"/reviews/{row.id}")
    assert FEEDBACK not in mail.body
    assert "Feedback has been given on this review." in text_of(
        client.get(f"/reviews/{row.id}/feedback", headers=headers(lead)))

    # The nurse: the list and her dashboard say there is feedback to read; her review's page shows it.
    mine = client.get("/reviews", headers=headers(nurse)).get_data(as_text=True)
    assert "Feedback to read" in mine.split(f'data-review-id="{row.id}"')[1].split("</tr>")[0]
    assert "Feedback on 1 review you raised" in text_of(client.get("/", headers=headers(nurse)))
    read = client.get(f"/reviews/{row.id}", headers=headers(nurse))
    assert "Feedback to you" in text_of(read)
    shown = read.get_data(as_text=True).split('data-review="feedback"')[1]
    assert html.escape(FEEDBACK, quote=False) in shown
    session.expire_all()
    assert row.feedback_read_at is not None
    assert "Feedback to read" not in client.get("/reviews", headers=headers(nurse)).get_data(as_text=True)
    assert "Read " in text_of(client.get(f"/reviews/{row.id}", headers=headers(lead)))


def test_the_council_manager_involved_sees_and_may_review_it_and_the_nurses_colleague_does_not(
        client, make, session, world, headers):
    review_id = raise_through_pages(client, world, headers)
    manager_page = client.get(f"/reviews/{review_id}", headers=headers(world["council_manager"]))
    assert manager_page.status_code == 200
    assert "Record the review" in text_of(manager_page)
    assert client.get(f"/reviews/{review_id}", headers=headers(world["colleague"])).status_code == 404
    listed = client.get("/reviews", headers=headers(world["colleague"]))
    assert str(review_id) not in listed.get_data(as_text=True)
    # The nurse may read her review, not review it.
    assert client.get(f"/reviews/{review_id}/review", headers=headers(world["nurse"])).status_code == 403
    assert client.get("/reviews", headers=headers(world["ig"])).status_code == 403


def test_a_lead_of_an_agency_not_involved_gets_404_on_every_page_of_the_review_and_the_refusal_is_audited(
        client, make, session, world, headers):
    review_id = raise_through_pages(client, world, headers)
    review_through_pages(client, world, headers, review_id)
    action = client.post(f"/reviews/{review_id}/actions", headers=headers(world["lead"]), data={
        "title": "Brief the ward", "agency": world["trust"].code, "owner_role": "manager",
        **date_input("due", _today() + timedelta(days=10))})
    assert action.status_code == 303, text_of(action)
    action_id = session.scalar(select(ReviewAction.id))
    outsider = headers(world["outsider"])
    before = take_snapshot(session)
    pages = ("", "/review", "/feedback", "/dates", "/actions/new", f"/actions/{action_id}", "/sar-decision")
    for path in pages:
        response = client.get(f"/reviews/{review_id}{path}", headers=outsider)
        assert response.status_code == 404, path
        assert SUMMARY not in response.get_data(as_text=True)
    for path, form in (("/review", structured_form()), ("/feedback/check", {"feedback": FEEDBACK}),
                       ("/feedback", {"feedback": FEEDBACK}), ("/dates", date_input("started_on", _today())),
                       ("/actions", {}), (f"/actions/{action_id}", {"status": "done", "evidence": "Done"})):
        posted = client.post(f"/reviews/{review_id}{path}", data=form, headers=outsider)
        assert posted.status_code == 404, path
    assert client.get(f"/reviews/{uuid.uuid4()}", headers=outsider).status_code == 404
    audited = assert_nothing_written(session, before)
    assert {(e["action"], e["object_type"]) for e in audited} >= {("access.denied", "review"),
                                                                  ("access.denied", "case")}


# --- a form that breaks a rule ----------------------------------------------------------------------

def test_a_review_that_breaks_the_rules_is_shown_again_with_the_error_summary_what_was_typed_and_no_write(
        client, make, session, world, headers):
    nurse = headers(world["nurse"])
    theirs = make.case(world["outsider"])
    before = take_snapshot(session)
    response = client.post("/reviews/new", headers=nurse, data=near_miss_form(
        world, summary="", **{"occurred_on-month": "13"}, case_refs="ADULT-1999-99999"))
    assert response.status_code == 422
    assert read_page(response.get_data(as_text=True)).title.startswith("Error: ")
    assert error_summary(response) == ["Give the review a short summary",
                                       "The day it happened must be a real date",
                                       "None of your agency's cases has the reference 'ADULT-1999-99999'"]
    assert summary_links(response) == ["summary", "occurred_on-day", "case_refs"]
    body = response.get_data(as_text=True)
    assert html.escape(ACCOUNT, quote=False) in body
    assert 'value="13"' in body
    assert f'value="{world["council"].code}" checked' in body
    # The day it happened in the future, another agency's case, a kind the nurse may not open:
    # recording straight away meets the same rules.
    for changes, problem in (
            ({**date_input("occurred_on", _today() + timedelta(days=1))},
             "The day it happened must be today or in the past"),
            ({"case_refs": theirs.ref}, f"None of your agency's cases has the reference '{theirs.ref}'"),
            ({"kind": "sar"}, "Select the kind of review"),
            ({"agencies": ["NO-SUCH-AGENCY"]}, "No agency has the code 'NO-SUCH-AGENCY'"),
            ({"agencies": ["bad\x00code"]}, "Choose the agencies from the list"),
            ({"case_refs": "ADULT\x00-1"}, "Remove the control characters (such as NUL) from this text"),
            ({"account": "Nul\x00"}, "Remove the control characters (such as NUL) from this text")):
        recorded = client.post("/reviews", headers=nurse, data=near_miss_form(world, **changes))
        assert recorded.status_code == 422, changes
        assert problem in error_summary(recorded), changes
    assert_nothing_written(session, before)
    assert count(session, Review) == 0


def test_a_structured_review_or_feedback_that_breaks_the_rules_is_shown_again_and_nothing_is_written(
        client, make, session, world, headers):
    review_id = raise_through_pages(client, world, headers)
    lead = headers(world["lead"])
    before = take_snapshot(session)
    response = client.post(f"/reviews/{review_id}/review", headers=lead, data=structured_form(
        factors=[], tags="Not A Tag!", findings="", **{"timeline.3.on-day": "32"}))
    assert response.status_code == 422
    assert error_summary(response) == ["The date of entry 2 must be a real date",
                                       "Choose at least one contributory factor",
                                       "Tags are short labels of lower-case words joined by hyphens, such as "
                                       "information-sharing (not 'not a tag!')",
                                       "Write down the findings"]
    assert summary_links(response)[:2] == ["timeline", "factors"]
    body = response.get_data(as_text=True)
    assert 'value="32"' in body
    assert "Letter printed" in body
    assert 'value="Not A Tag!"' in body
    # Out of order, dated in the future, a factor from nowhere: the rules say so.
    for changes, problem in (
            ({**date_input("timeline.3.on", _today() - timedelta(days=9))}, "Put entry 2 in date order"),
            ({**date_input("timeline.3.on", _today() + timedelta(days=1))}, "Entry 2 is dated in the future"),
            ({"factors": ["luck"]}, "Choose contributory factors from the list (not luck)")):
        wrong = client.post(f"/reviews/{review_id}/review", headers=lead, data=structured_form(**changes))
        assert wrong.status_code == 422
        assert problem in error_summary(wrong)
    # Feedback before the review, and feedback left blank.
    early = client.post(f"/reviews/{review_id}/feedback/check", headers=lead, data={"feedback": FEEDBACK})
    assert early.status_code == 409
    assert "Record the structured review first" in text_of(early)
    refused = client.post(f"/reviews/{review_id}/feedback", headers=lead, data={"feedback": FEEDBACK})
    assert refused.status_code == 409
    assert_nothing_written(session, before)
    review_through_pages(client, world, headers, review_id)
    blank = client.post(f"/reviews/{review_id}/feedback/check", headers=lead, data={"feedback": "  "})
    assert blank.status_code == 422
    assert error_summary(blank) == ["Write the feedback to the person who raised it"]
    empty = client.post(f"/reviews/{review_id}/feedback", headers=lead, data={"feedback": ""})
    assert empty.status_code == 422
    session.expire_all()
    assert session.get(Review, review_id).feedback_at is None


# --- statutory reviews ----------------------------------------------------------------------------

def test_a_lead_opens_a_cspr_whose_deadlines_show_on_its_page_and_records_its_steps(
        client, make, session, world, headers):
    lead = headers(world["lead"])
    aware = _today() - timedelta(days=2)
    form = client.get("/reviews/new?kind=cspr", headers=lead)
    assert 'name="kind" type="radio" value="cspr" checked' in form.get_data(as_text=True)
    missing = client.post("/reviews/new", headers=lead, data=near_miss_form(world, kind="cspr"))
    assert missing.status_code == 422
    assert error_summary(missing) == ["Enter the day the partnership learnt of the serious incident"]
    assert summary_links(missing) == ["aware_on-day"]
    check = client.post("/reviews/new", headers=lead, data=near_miss_form(
        world, kind="cspr", case_refs="", **date_input("aware_on", aware)))
    assert check.status_code == 200, text_of(check)
    assert long_date(aware) in text_of(check)
    raised = client.post("/reviews", headers=lead, data=hidden_fields(check, "/reviews"))
    assert raised.status_code == 303, text_of(raised)
    review_id = session.scalar(select(Review.id).where(Review.kind == "cspr"))
    page = client.get(f"/reviews/{review_id}", headers=lead).get_data(as_text=True)
    clocks = page.split('data-review="clocks"')[1].split("</table>")[0]
    notify = clocks.split('data-clock="notification"')[1].split("</tr>")[0]
    assert long_date(add_working_days(aware, 5)) in notify
    assert "Due" in notify
    assert 'data-clock="publication"' not in clocks  # no local review decided on yet
    assert "Feedback to" not in read_page(page).text  # a statutory review publishes its findings

    dates = client.get(f"/reviews/{review_id}/dates", headers=lead)
    assert "When was the national panel notified?" in text_of(dates)
    early = client.post(f"/reviews/{review_id}/dates", headers=lead,
                        data=date_input("notified_on", aware - timedelta(days=1)))
    assert early.status_code == 422
    assert error_summary(early) == ["The date cannot be before the partnership learnt of the incident"]
    assert summary_links(early) == ["notified_on-day"]
    assert client.post(f"/reviews/{review_id}/dates", headers=lead,
                       data={"started_on-day": "x", "started_on-month": "1", "started_on-year": "2026"}
                       ).status_code == 422
    recorded = client.post(f"/reviews/{review_id}/dates", headers=lead,
                           data={**date_input("notified_on", aware), **date_input("started_on", _today())})
    assert recorded.status_code == 303, text_of(recorded)
    after = client.get(f"/reviews/{review_id}", headers=lead).get_data(as_text=True)
    notify = after.split('data-clock="notification"')[1].split("</tr>")[0]
    assert "Met" in notify
    assert "0 days so far" in read_page(after).text
    # The form stands as recorded: a date left blank clears it.
    assert 'name="notified_on-day" type="text" value="' + str(aware.day) in client.get(
        f"/reviews/{review_id}/dates", headers=lead).get_data(as_text=True).replace("\n", " ")


def test_a_sar_decision_goes_through_check_answers_and_a_mandatory_review_cannot_be_declined(
        client, make, session, world, headers):
    lead = headers(world["lead"])
    raised = client.post("/reviews", headers=lead, data=near_miss_form(world, kind="sar", case_refs=""))
    assert raised.status_code == 303, text_of(raised)
    review_id = session.scalar(select(Review.id))
    assert "Record the decision" in text_of(client.get(f"/reviews/{review_id}", headers=lead))
    form = client.get(f"/reviews/{review_id}/sar-decision", headers=lead)
    assert form.status_code == 200
    answers = {"care_and_support_needs": "yes", "joint_working_concern": "yes", "harm": "died",
               "known_or_suspected": "yes", "decision": "no_review", "rationale": "Learning is known already",
               **date_input("decided_on", _today())}
    before = take_snapshot(session)
    blank = client.post(f"/reviews/{review_id}/sar-decision/check", headers=lead, data={})
    assert blank.status_code == 422
    assert error_summary(blank)[:2] == ["Select yes or no", "Select yes or no"]
    declined = client.post(f"/reviews/{review_id}/sar-decision/check", headers=lead, data=answers)
    assert declined.status_code == 422
    assert "the board must arrange a Safeguarding Adult Review" in error_summary(declined)[0]
    assert 'value="Learning is known already"' not in declined.get_data(as_text=True)  # a textarea keeps it
    assert "Learning is known already" in declined.get_data(as_text=True)
    assert client.post(f"/reviews/{review_id}/sar-decision", headers=lead, data=answers).status_code == 422
    assert_nothing_written(session, before)
    check = client.post(f"/reviews/{review_id}/sar-decision/check", headers=lead,
                        data={**answers, "decision": "review", "rationale": "Mandatory under s44"})
    assert check.status_code == 200
    assert "These answers meet section 44(1) to (3)" in text_of(check)
    decided = client.post(f"/reviews/{review_id}/sar-decision", headers=lead,
                          data=hidden_fields(check, f"/reviews/{review_id}/sar-decision"))
    assert decided.status_code == 303, text_of(decided)
    page = client.get(f"/reviews/{review_id}", headers=lead)
    sar = page.get_data(as_text=True).split('data-review="sar"')[1].split("</dl>")[0]
    assert "Arrange a Safeguarding Adult Review (the law requires one)" in sar
    assert "Mandatory under s44" in sar
    # Once made, the decision stands.
    assert client.get(f"/reviews/{review_id}/sar-decision", headers=lead).status_code == 409


# --- the action plan and the dashboard ------------------------------------------------------------

def test_an_action_is_added_to_the_plan_and_marked_done_with_its_evidence(
        client, make, session, world, headers):
    review_id = raise_through_pages(client, world, headers)
    lead = headers(world["lead"])
    form = client.get(f"/reviews/{review_id}/actions/new", headers=lead)
    assert world["council"].name in text_of(form)
    before = take_snapshot(session)
    wrong = client.post(f"/reviews/{review_id}/actions", headers=lead, data={
        "title": "Brief the ward", "agency": world["outsider"].agency.code, "owner_role": "chief",
        **date_input("due", _today() - timedelta(days=1))})
    assert wrong.status_code == 422
    assert error_summary(wrong) == ["Choose an agency involved in the review",
                                    "Choose the role that owns the action: practitioner, manager, lead or ig",
                                    "The due date must be today or in the future"]
    assert "Brief the ward" in wrong.get_data(as_text=True)
    assert_nothing_written(session, before)
    due = _today() + timedelta(days=10)
    added = client.post(f"/reviews/{review_id}/actions", headers=lead, data={
        "title": "Brief the ward", "agency": world["council"].code, "owner_role": "manager",
        **date_input("due", due)})
    assert added.status_code == 303, text_of(added)
    action_id = session.scalar(select(ReviewAction.id))
    page = client.get(f"/reviews/{review_id}", headers=lead).get_data(as_text=True)
    row = page.split(f'data-action-id="{action_id}"')[1].split("</tr>")[0]
    for shown in (world["council"].name, "Managers", long_date(due), "Open"):
        assert shown in row
    assert "Action plan" not in text_of(client.get(f"/reviews/{review_id}", headers=headers(world["nurse"])))
    no_evidence = client.post(f"/reviews/{review_id}/actions/{action_id}", headers=lead,
                              data={"status": "done"})
    assert no_evidence.status_code == 422
    assert error_summary(no_evidence) == ["Say what was done, as evidence of completion"]
    done = client.post(f"/reviews/{review_id}/actions/{action_id}", headers=lead,
                       data={"status": "done", "evidence": "Briefing given at handover"})
    assert done.status_code == 303
    action_page = text_of(client.get(f"/reviews/{review_id}/actions/{action_id}", headers=lead))
    assert "Briefing given at handover" in action_page
    assert client.get(f"/reviews/{review_id}/actions/{uuid.uuid4()}", headers=lead).status_code == 404


def test_the_dashboard_offers_to_record_one_and_counts_without_writing_an_audit_row(
        client, make, session, world, headers):
    def audited() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("review.%")))

    before = audited()
    nurse = client.get("/", headers=headers(world["nurse"]))
    assert 'href="/reviews/new"' in nurse.get_data(as_text=True)
    assert "Incidents and near misses you have recorded" in text_of(nurse)
    lead = client.get("/", headers=headers(world["lead"]))
    assert "No incidents or near misses await review." in text_of(lead)
    assert "Learning from incidents" not in text_of(client.get("/", headers=headers(world["ig"])))
    assert audited() == before
