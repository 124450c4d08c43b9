"""Reviews over the API (DOMAIN.md §9): a near miss raised by a practitioner, reviewed by a lead
of an agency involved, whose feedback reaches the person who raised it; a SAR decided against
the s44 criteria with its dates and duration; a CSPR's clocks, reminded by the `reviews` job; an
action plan tracked and chased like any action. Bad input changes nothing; a review is seen by
its raiser and the leads and managers of the agencies involved, and by nobody else."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from hub.mail.models import OutboxMessage
from hub.workdays import add_working_days
from learning.models import Review, ReviewAction
from learning.services.actions import remind_overdue
from learning.services.statutory import remind_clocks
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

ACCOUNT = "The discharge letter for Mr Aldous went to his previous address; the GP spotted it."
SUMMARY = "Discharge letter sent to an old address"


def _headers(make):
    """Each person's bearer headers, made once (a token made inside a snapshot is a write)."""
    made: dict = {}

    def headers(user):
        if user.id not in made:
            made[user.id] = make.headers(user)
        return made[user.id]
    return headers


def _today() -> date:
    return Policy().local_date(utcnow())


def _near_miss(**changes):
    return {"kind": "near_miss", "summary": SUMMARY, "account": ACCOUNT,
            "occurred_on": (_today() - timedelta(days=3)).isoformat(), **changes}


STRUCTURED = {"timeline": [{"on": "2026-01-05", "what": "Address changed on the trust's system"},
                           {"on": "2026-01-07", "what": "Letter printed from the old record"}],
              "factors": ["record_keeping", "information_sharing"], "tags": ["addresses", "discharge"],
              "went_well": "The GP checked before filing it", "findings": "Two systems held two addresses",
              "recommendations": "One address, read from the spine"}


def _partners(make):
    trust, council = make.agency(kind="nhs_mental_health"), make.agency(kind="council_adults")
    nurse = make.user(trust, name="Priya Nair")
    lead = make.user(trust, "lead", name="Tom Fairweather")
    return trust, council, nurse, lead


def test_a_near_miss_is_reviewed_and_the_person_who_raised_it_reads_the_feedback(client, make, session):
    h = _headers(make)
    trust, council, nurse, lead = _partners(make)
    council_manager = make.user(council, "manager")
    raised = client.post("/api/v1/reviews", json=_near_miss(agencies=[council.code]),
                         headers=h(nurse))
    assert raised.status_code == 201, raised.json
    review_id = raised.json["id"]
    assert raised.json["status"] == "open"
    assert raised.json["agencies"] == [trust.code, council.code]
    # The lead of the nurse's agency and the manager of the other agency involved see it.
    for reviewer in (lead, council_manager):
        listed = client.get("/api/v1/reviews", headers=h(reviewer)).json
        assert [r["id"] for r in listed["reviews"]] == [review_id]
        assert listed["reviews"][0]["summary"] == SUMMARY
    reviewed = client.post(f"/api/v1/reviews/{review_id}/review", json=STRUCTURED, headers=h(lead))
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["status"] == "reviewed"
    assert reviewed.json["review"]["factors"] == ["record_keeping", "information_sharing"]
    assert reviewed.json["review"]["reviewer"] == "Tom Fairweather"
    given = client.post(f"/api/v1/reviews/{review_id}/feedback",
                        json={"feedback": "Thank you: the trust now reads one address."},
                        headers=h(lead))
    assert given.status_code == 200, given.json
    assert given.json["status"] == "closed"
    # The nurse is told by e-mail, a link and nothing of what happened.
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review.feedback")).all()
    assert mail.recipient == nurse.email
    assert mail.link_path == f"/reviews/{review_id}"
    for secret in ("Aldous", "address", "GP"):
        assert secret not in mail.subject + mail.body
    # Unread in the nurse's list until she opens it; then read, and it stays so.
    mine = client.get("/api/v1/reviews", headers=h(nurse)).json["reviews"]
    assert mine[0]["feedback_unread"] is True
    read = client.get(f"/api/v1/reviews/{review_id}", headers=h(nurse)).json
    assert read["feedback"]["feedback"] == "Thank you: the trust now reads one address."
    assert read["feedback"]["given_by"] == "Tom Fairweather"
    assert read["feedback"]["read_at"] is not None
    assert read["actions"] == []  # the action plan is the reviewers'
    assert client.get("/api/v1/reviews", headers=h(nurse)).json["reviews"][0]["feedback_unread"] is False
    # At rest: encrypted; in the audit trail: never what happened.
    row = session.get(Review, uuid.UUID(review_id))
    for blob in (row.texts_ciphertext, row.review_ciphertext, row.feedback_ciphertext):
        assert b"address" not in bytes(blob)
    actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_id == review_id))]
    assert {"review.raise", "review.review", "review.feedback", "review.read",
            "review.feedback_read"} <= set(actions)
    details = " ".join(str(e.details) for e in session.scalars(select(AuditEvent)))
    assert "Aldous" not in details
    assert SUMMARY not in details


def test_feedback_waits_for_the_review_and_is_given_once(client, make):
    h = _headers(make)
    _trust, _council, nurse, lead = _partners(make)
    review_id = client.post("/api/v1/reviews", json=_near_miss(), headers=h(nurse)).json["id"]
    early = client.post(f"/api/v1/reviews/{review_id}/feedback", json={"feedback": "Soon"},
                        headers=h(lead))
    assert early.status_code == 409
    client.post(f"/api/v1/reviews/{review_id}/review", json=STRUCTURED, headers=h(lead))
    assert client.post(f"/api/v1/reviews/{review_id}/feedback", json={"feedback": "Done"},
                       headers=h(lead)).status_code == 200
    assert client.post(f"/api/v1/reviews/{review_id}/feedback", json={"feedback": "Again"},
                       headers=h(lead)).status_code == 409


def test_a_review_is_nobody_elses_business(client, make, session):
    h = _headers(make)
    trust, _council, nurse, _lead = _partners(make)
    colleague = make.user(trust)
    stranger_lead = make.user(make.agency(), "lead")
    ig = make.user(trust, "ig")
    review_id = client.post("/api/v1/reviews", json=_near_miss(), headers=h(nurse)).json["id"]
    for person in (colleague, stranger_lead, ig):
        listed = client.get("/api/v1/reviews", headers=h(person))
        assert SUMMARY not in listed.get_data(as_text=True)
    before = take_snapshot(session)
    for person, status in ((colleague, 404), (stranger_lead, 404), (ig, 403)):
        answer = client.get(f"/api/v1/reviews/{review_id}", headers=h(person))
        assert answer.status_code == status
        assert SUMMARY not in answer.get_data(as_text=True)
    # A lead of an agency not involved cannot review it either; nor can the nurse who raised it.
    assert client.post(f"/api/v1/reviews/{review_id}/review", json=STRUCTURED,
                       headers=h(stranger_lead)).status_code == 404
    assert client.post(f"/api/v1/reviews/{review_id}/review", json=STRUCTURED,
                       headers=h(nurse)).status_code == 403
    assert client.get(f"/api/v1/reviews/{uuid.uuid4()}", headers=h(nurse)).status_code == 404
    audited = assert_nothing_written(session, before)
    assert [e["object_id"] for e in audited if e["action"] == "access.denied"][:2] == [review_id, review_id]


def test_bad_reviews_are_refused_keyed_by_field_and_nothing_is_written(client, make, session):
    h = _headers(make)
    trust, council, nurse, _lead = _partners(make)
    theirs = make.case(make.user(council))
    ours = make.case(nurse)
    h(nurse)
    before = take_snapshot(session)
    for body, fields in (
            (_near_miss(summary="", account=" "), {"summary", "account"}),
            (_near_miss(occurred_on=(_today() + timedelta(days=1)).isoformat()), {"occurred_on"}),
            (_near_miss(agencies=["NOPE-99"]), {"agencies"}),
            # Another agency's case cannot be linked, nor told apart from one that does not exist.
            (_near_miss(case_refs=[theirs.ref]), {"case_refs"}),
            (_near_miss(kind="cspr", aware_on=_today().isoformat()), 403),  # a practitioner opens none
            (_near_miss(summary="Two\nlines"), {"summary"}),
            (_near_miss(kind="complaint"), {"kind"})):
        answer = client.post("/api/v1/reviews", json=body, headers=h(nurse))
        if fields == 403:
            assert answer.status_code == 403, answer.json
            assert "lead or a manager" in answer.json["detail"]
            continue
        assert answer.status_code == 422, answer.json
        assert set(answer.json["errors"]) == fields, answer.json
    missing = client.post("/api/v1/reviews", json=_near_miss(case_refs=["ADU-2099-999999"]),
                          headers=h(nurse)).json["errors"]["case_refs"]
    hidden = client.post("/api/v1/reviews", json=_near_miss(case_refs=[theirs.ref]),
                         headers=h(nurse)).json["errors"]["case_refs"]
    assert missing.replace("ADU-2099-999999", theirs.ref) == hidden
    assert_nothing_written(session, before)
    linked = client.post("/api/v1/reviews", json=_near_miss(case_refs=[ours.ref.lower()]),
                         headers=h(nurse))
    assert linked.status_code == 201
    assert linked.json["case_refs"] == [ours.ref]
    del trust


def test_a_structured_review_takes_factors_from_the_policy_and_tags_that_are_labels(
        client, make, app, session):
    h = _headers(make)
    _trust, _council, nurse, lead = _partners(make)
    review_id = client.post("/api/v1/reviews", json=_near_miss(), headers=h(nurse)).json["id"]
    h(lead)
    before = take_snapshot(session)
    for changes, field in (({"timeline": []}, "timeline"),
                           ({"timeline": list(reversed(STRUCTURED["timeline"]))}, "timeline"),
                           ({"factors": ["bad_luck"]}, "factors"), ({"factors": []}, "factors"),
                           ({"tags": ["Mr Aldous"]}, "tags"), ({"findings": ""}, "findings")):
        answer = client.post(f"/api/v1/reviews/{review_id}/review", json={**STRUCTURED, **changes},
                             headers=h(lead))
        assert answer.status_code == 422, answer.json
        assert list(answer.json["errors"]) == [field]
    assert_nothing_written(session, before)
    state = app.extensions["hub"]
    state.settings = replace(state.settings,
                             policy=replace(state.settings.policy, review_factors=("bad_luck",)))
    assert client.post(f"/api/v1/reviews/{review_id}/review", json={**STRUCTURED, "factors": ["bad_luck"]},
                       headers=h(lead)).status_code == 200


def test_a_sar_is_decided_against_every_s44_criterion_and_its_duration_is_always_known(client, make, session):
    h = _headers(make)
    council, police = make.agency(kind="council_adults"), make.agency()
    manager = make.user(council, "manager")
    assert client.post("/api/v1/reviews", json=_near_miss(kind="sar"),
                       headers=h(make.user(council))).status_code == 403
    sar = client.post("/api/v1/reviews", json=_near_miss(kind="sar", agencies=[police.code]),
                      headers=h(manager))
    assert sar.status_code == 201, sar.json
    review_id = sar.json["id"]
    assert sar.json["sar"]["decision"] is None
    decide = f"/api/v1/reviews/{review_id}/sar-decision"
    h(manager)
    before = take_snapshot(session)
    empty = client.put(decide, json={"care_and_support_needs": None, "joint_working_concern": None,
                                     "harm": None, "known_or_suspected": None, "decision": None},
                       headers=h(manager))
    assert empty.status_code == 422
    assert set(empty.json["errors"]) == {"care_and_support_needs", "joint_working_concern", "harm",
                                         "known_or_suspected", "decision", "rationale", "decided_on"}
    mandatory = {"care_and_support_needs": True, "joint_working_concern": True, "harm": "died",
                 "known_or_suspected": True, "rationale": "Agencies held what they knew apart",
                 "decided_on": _today().isoformat()}
    declined = client.put(decide, json={**mandatory, "decision": "no_review"}, headers=h(manager))
    assert declined.status_code == 422
    assert "must arrange" in declined.json["errors"]["decision"]
    # Dates before a decision to review: a SAR does not start until the board decides.
    assert client.put(f"/api/v1/reviews/{review_id}/dates", json={"started_on": _today().isoformat()},
                      headers=h(manager)).status_code == 422
    assert_nothing_written(session, before)
    decided = client.put(decide, json={**mandatory, "decision": "review"}, headers=h(manager))
    assert decided.status_code == 200, decided.json
    assert decided.json["sar"]["mandatory"] is True
    assert decided.json["sar"]["rationale"] == "Agencies held what they knew apart"
    assert client.put(decide, json={**mandatory, "decision": "review"},
                      headers=h(manager)).status_code == 409
    dates = f"/api/v1/reviews/{review_id}/dates"
    yesterday = (_today() - timedelta(days=1)).isoformat()
    assert client.put(dates, json={"started_on": _today().isoformat(), "ended_on": yesterday},
                      headers=h(manager)).json["errors"] == {
        "ended_on": "The review must end on or after the day it started"}
    started = client.put(dates, json={"started_on": _today().isoformat()}, headers=h(manager)).json
    assert (started["duration_days"], started["status"]) == (0, "open")
    ended = client.put(dates, json={"ended_on": _today().isoformat()}, headers=h(manager)).json
    today = _today().isoformat()
    assert (ended["started_on"], ended["ended_on"], ended["status"]) == (today, today, "closed")
    assert client.put(dates, json={"notified_on": yesterday}, headers=h(manager)).status_code == 422
    row = session.get(Review, uuid.UUID(review_id))
    assert b"Agencies held" not in bytes(row.sar_rationale_ciphertext)


def _cspr(client, make, aware_on: date):
    h = _headers(make)
    council = make.agency(kind="council_children")
    lead = make.user(council, "lead")
    answer = client.post("/api/v1/reviews", json=_near_miss(
        kind="cspr", occurred_on=(aware_on - timedelta(days=1)).isoformat(), aware_on=aware_on.isoformat()),
        headers=h(lead))
    assert answer.status_code == 201, answer.json
    return lead, answer.json


def test_a_cspr_shows_its_clocks_in_working_days_and_the_job_reminds_each_once(client, make, session):
    h = _headers(make)
    aware = date(2026, 8, 28)  # a Friday: the August bank holiday falls inside the five working days
    lead, cspr = _cspr(client, make, aware)
    clocks = {c["name"]: c for c in cspr["clocks"]}
    assert clocks["notification"]["due"] == add_working_days(aware, 5).isoformat() == "2026-09-07"
    assert clocks["rapid_review"]["due"] == add_working_days(aware, 15).isoformat()
    assert "publication" not in clocks  # until a local review is decided on
    assert client.post("/api/v1/reviews", json=_near_miss(kind="cspr"),
                       headers=h(lead)).json["errors"] == {
        "aware_on": "Enter the day the partnership learnt of the serious incident"}
    # Two working days before the notification is due: one reminder to the leads, once.
    policy, soon = Policy(), datetime(2026, 9, 3, 9, tzinfo=UTC)
    assert remind_clocks(session, policy=policy, now=soon) == 1
    assert remind_clocks(session, policy=policy, now=soon) == 0
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review.clock")).all()
    assert [m.recipient for m in mail] == [lead.email]
    assert "7 September 2026" in mail[0].body
    assert SUMMARY not in mail[0].body
    # Overdue: once more; recorded late, the clock says so and nothing more is sent for it.
    late = datetime(2026, 9, 8, 9, tzinfo=UTC)
    assert remind_clocks(session, policy=policy, now=late) == 1
    assert remind_clocks(session, policy=policy, now=late) == 0
    session.commit()
    recorded = client.put(f"/api/v1/reviews/{cspr['id']}/dates", json={"notified_on": "2026-09-08"},
                          headers=h(lead))
    assert recorded.status_code == 200, recorded.json
    states = {c["name"]: c["state"] for c in recorded.json["clocks"]}
    assert states["notification"] == "late"
    # The rapid review's turn comes: its reminder, and nothing more for the notification.
    assert remind_clocks(session, policy=policy, now=datetime(2026, 9, 17, 9, tzinfo=UTC)) == 1
    assert [m.link_path for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "review.clock"))] == [f"/reviews/{cspr['id']}"] * 3


def test_a_cspr_step_recorded_shows_met_or_late_and_publication_runs_six_months(client, make, session):
    h = _headers(make)
    aware = _today() - timedelta(days=40)
    lead, cspr = _cspr(client, make, aware)
    dates = f"/api/v1/reviews/{cspr['id']}/dates"
    h(lead)
    before = take_snapshot(session)
    for body, field in (({"notified_on": (aware - timedelta(days=1)).isoformat()}, "notified_on"),
                        ({"published_on": _today().isoformat()}, "published_on"),
                        ({"rapid_review_on": (_today() + timedelta(days=1)).isoformat()}, "rapid_review_on"),
                        ({"recorded_on": _today().isoformat()}, None)):
        answer = client.put(dates, json=body, headers=h(lead))
        assert answer.status_code == 422, answer.json
        if field:
            assert list(answer.json["errors"]) == [field]
    assert_nothing_written(session, before)
    notified = add_working_days(aware, 3)
    answer = client.put(dates, json={"notified_on": notified.isoformat(),
                                     "rapid_review_on": (aware + timedelta(days=30)).isoformat(),
                                     "decided_on": (aware + timedelta(days=30)).isoformat()},
                        headers=h(lead)).json
    states = {c["name"]: c["state"] for c in answer["clocks"]}
    assert states == {"notification": "met", "rapid_review": "late", "publication": "due"}
    publication = next(c for c in answer["clocks"] if c["name"] == "publication")
    decided = aware + timedelta(days=30)
    assert date.fromisoformat(publication["due"]).month == (decided.month + 5) % 12 + 1
    published = client.put(dates, json={"published_on": _today().isoformat()}, headers=h(lead)).json
    assert published["status"] == "closed"


def test_the_cspr_clocks_follow_the_policy(client, make, app):
    state = app.extensions["hub"]
    state.settings = replace(state.settings, policy=replace(state.settings.policy,
                                                            cspr_notification_working_days=2))
    aware = date(2026, 11, 2)  # a Monday
    _lead, cspr = _cspr(client, make, aware)
    notification = next(c for c in cspr["clocks"] if c["name"] == "notification")
    assert notification["due"] == "2026-11-04"


def test_the_action_plan_is_tracked_and_an_overdue_action_is_chased_once_then_to_the_leads(
        client, make, session):
    h = _headers(make)
    trust, council, nurse, lead = _partners(make)
    ConsentFactory(make)  # agreements are not needed for reviews: only the agencies involved
    council_manager = make.user(council, "manager")
    council_lead = make.user(council, "lead")
    review_id = client.post("/api/v1/reviews", json=_near_miss(agencies=[council.code]),
                            headers=h(nurse)).json["id"]
    path = f"/api/v1/reviews/{review_id}/actions"
    due = _today() + timedelta(days=1)
    body = {"title": "Brief the discharge team", "agency": council.code, "owner_role": "manager",
            "due": due.isoformat()}
    stranger = make.agency()
    h(lead)
    before = take_snapshot(session)
    for changes, field in (({"agency": stranger.code}, "agency"), ({"owner_role": "chief"}, "owner_role"),
                           ({"due": (_today() - timedelta(days=1)).isoformat()}, "due"),
                           ({"title": " "}, "title")):
        answer = client.post(path, json={**body, **changes}, headers=h(lead))
        assert answer.status_code == 422, answer.json
        assert list(answer.json["errors"]) == [field]
    assert_nothing_written(session, before)
    created = client.post(path, json=body, headers=h(lead))
    assert created.status_code == 201, created.json
    assert (created.json["status"], created.json["agency"]) == ("open", council.code)
    assert created.json["overdue"] is False
    action_id = created.json["id"]
    # Overdue: the council's managers are told once; past the grace, its leads once.
    overdue_at = datetime.combine(add_working_days(due, 1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=12)
    assert remind_overdue(session, policy=Policy(), now=overdue_at) == 1
    assert remind_overdue(session, policy=Policy(), now=overdue_at) == 0
    later = datetime.combine(add_working_days(due, 4), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    assert remind_overdue(session, policy=Policy(), now=later) == 1
    assert remind_overdue(session, policy=Policy(), now=later) == 0
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review.action_overdue")
                           .order_by(OutboxMessage.created_at)).all()
    assert [m.recipient for m in mail] == [council_manager.email, council_lead.email]
    assert all("discharge" not in m.body for m in mail)
    # Each is sent to the action's own page, which its owners and the agency's leads may open.
    assert [m.link_path for m in mail] == [f"/reviews/actions/{action_id}"] * 2
    session.commit()
    change = f"{path}/{action_id}"
    assert client.patch(change, json={"status": "done"}, headers=h(lead)).json["errors"] == {
        "evidence": "Say what was done, as evidence of completion"}
    done = client.patch(change, json={"status": "done", "evidence": "Briefing held on the ward"},
                        headers=h(council_manager))
    assert done.status_code == 200, done.json
    assert [h["status"] for h in done.json["history"]] == ["open", "done"]
    assert done.json["history"][-1]["evidence"] == "Briefing held on the ward"
    assert client.patch(f"{path}/{uuid.uuid4()}", json={"status": "done", "evidence": "x"},
                        headers=h(lead)).status_code == 404
    row = session.get(ReviewAction, uuid.UUID(action_id))
    assert b"Brief the" not in bytes(row.title_ciphertext)
    del trust


def test_the_themes_count_factors_and_tags_by_month_over_the_agencys_reviewed_reviews(client, make, session):
    h = _headers(make)
    trust, council, nurse, lead = _partners(make)
    stranger_lead = make.user(make.agency(), "lead")
    first = _today().replace(day=1) - timedelta(days=40)
    for days, tags in ((0, ["addresses"]), (1, ["addresses", "discharge"]), (35, ["addresses"])):
        occurred = (first + timedelta(days=days)).isoformat()
        review_id = client.post("/api/v1/reviews", json=_near_miss(occurred_on=occurred),
                                headers=h(nurse)).json["id"]
        timeline = [{"on": occurred, "what": "It happened"}]
        assert client.post(f"/api/v1/reviews/{review_id}/review", json={**STRUCTURED, "timeline": timeline,
                                                                        "tags": tags},
                           headers=h(lead)).status_code == 200
    client.post("/api/v1/reviews", json=_near_miss(), headers=h(nurse))  # not reviewed: not counted
    period = f"from={(first - timedelta(days=1)).isoformat()}&to={_today().isoformat()}"
    found = client.get(f"/api/v1/themes?{period}", headers=h(lead)).json
    assert found["reviews"] == 3
    themes = {t["name"]: t for t in found["themes"]}
    assert themes["addresses"]["total"] == 3
    assert themes["record_keeping"]["kind"] == "factor"
    assert themes["record_keeping"]["label"] == "Record keeping"
    month = first.strftime("%Y-%m")
    assert themes["addresses"]["by_month"][month] == 2
    assert themes["discharge"]["by_month"][month] == 1
    assert found["themes"][0]["total"] == 3
    # Another agency's lead sees none of them; a bad period is refused.
    assert client.get(f"/api/v1/themes?{period}", headers=h(stranger_lead)).json["themes"] == []
    before = take_snapshot(session)
    assert client.get("/api/v1/themes?from=2026-02-01&to=2026-01-01", headers=h(lead)).status_code == 422
    assert_nothing_written(session, before)
    page = client.get(f"/reviews/themes?{period}", headers=h(lead)).get_data(as_text=True)
    assert 'data-theme="tag:addresses"' in page
    assert "Record keeping" in page
    del trust, council


def test_the_dashboard_flags_a_cspr_step_past_its_deadline_until_it_is_recorded(client, make):
    h = _headers(make)
    lead, cspr = _cspr(client, make, _today() - timedelta(days=40))
    dashboard = client.get("/", headers=h(lead)).get_data(as_text=True)
    assert "1 Child Safeguarding Practice Review has a step past its deadline" in dashboard
    aware = date.fromisoformat(cspr["cspr"]["aware_on"])
    client.put(f"/api/v1/reviews/{cspr['id']}/dates",
               json={"notified_on": (aware + timedelta(days=1)).isoformat(),
                     "rapid_review_on": (aware + timedelta(days=2)).isoformat()}, headers=h(lead))
    assert "past its deadline" not in client.get("/", headers=h(lead)).get_data(as_text=True)


def test_the_reminder_and_chasing_timescales_are_policy(client, make, session):
    h = _headers(make)
    aware = date(2026, 8, 28)  # notification due 7 September 2026
    _cspr(client, make, aware)
    soon = datetime(2026, 9, 1, 9, tzinfo=UTC)  # four working days before
    assert remind_clocks(session, policy=Policy(), now=soon) == 0
    assert remind_clocks(session, policy=Policy(cspr_reminder_working_days=4), now=soon) == 1
    # An overdue action goes to the leads as soon as it is overdue when the grace is none.
    trust, _council, nurse, trust_lead = _partners(make)
    review_id = client.post("/api/v1/reviews", json=_near_miss(), headers=h(nurse)).json["id"]
    due = _today() + timedelta(days=1)
    client.post(f"/api/v1/reviews/{review_id}/actions", headers=h(trust_lead), json={
        "title": "Brief the ward", "agency": trust.code, "owner_role": "manager", "due": due.isoformat()})
    overdue_at = datetime.combine(add_working_days(due, 1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=12)
    assert remind_overdue(session, policy=Policy(review_action_grace_working_days=0), now=overdue_at) == 2
    leads = session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "review.action_overdue")).all()
    assert trust_lead.email in leads
