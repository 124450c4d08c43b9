"""What a review's findings concern (DOMAIN.md §9): a reviewer links their agency's cases and the
meetings about them and actions on them; everyone who reads the review sees the links; a reviewer
of another agency can neither link nor unlink what their agency does not see, and keeps it linked
when setting their own. Bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from learning.models import ReviewCase, ReviewCaseAction, ReviewMeeting
from tests.concerns.test_pages import error_summary, text_of
from tests.meetings.helpers import body as meeting_body
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot

ACTION_TITLE = "Check the address held by the GP practice"


def _world(make):
    """A council's adult case with the police as a member; a near miss the council's lead raised
    about it, involving the police and a health trust that is not a member of the case; a strategy
    meeting about the case and an action on it for the police."""
    council, police, trust = make.agency(kind="council_adults"), make.agency(), make.agency(kind="nhs_acute")
    ConsentFactory(make).agreement(council, police)
    lead = make.user(council, "lead", name="Cara Council")
    worker = make.user(council, name="Wes Worker")
    police_lead, trust_lead = make.user(police, "lead"), make.user(trust, "lead")
    case = make.case(lead, members=(police,), name="Nell Linkperson")
    return {"council": council, "police": police, "trust": trust, "lead": lead, "worker": worker,
            "police_lead": police_lead, "trust_lead": trust_lead, "case": case,
            "outsider": make.user(make.agency(), "lead")}


def _setup(client, make, w):
    h = {key: make.headers(w[key]) for key in ("lead", "worker", "police_lead", "trust_lead", "outsider")}
    meeting = client.post("/api/v1/meetings", headers=h["lead"], json=meeting_body(w["case"], w["police"]))
    assert meeting.status_code == 201, meeting.json
    due = (Policy().local_date(utcnow()) + timedelta(days=7)).isoformat()
    action = client.post(f"/api/v1/cases/{w['case'].id}/actions", headers=h["lead"],
                         json={"title": ACTION_TITLE, "agency": w["police"].code, "due": due})
    assert action.status_code == 201, action.json
    raised = client.post("/api/v1/reviews", headers=h["worker"], json={
        "kind": "near_miss", "summary": "Letter to an old address", "account": "It went to the old address",
        "occurred_on": (Policy().local_date(utcnow()) - timedelta(days=2)).isoformat(),
        "agencies": [w["police"].code, w["trust"].code]})
    assert raised.status_code == 201, raised.json
    return h, raised.json["id"], meeting.json["id"], action.json["id"]


def test_a_lead_links_the_case_its_meeting_and_its_action_and_every_reader_sees_them(client, make, session):
    w = _world(make)
    h, review_id, meeting_id, action_id = _setup(client, make, w)
    linked = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"], json={
        "case_refs": [w["case"].ref.lower()], "meetings": [meeting_id], "actions": [action_id]})
    assert linked.status_code == 200, linked.json
    assert linked.json["case_refs"] == [w["case"].ref]
    [meeting] = linked.json["linked_meetings"]
    assert (meeting["id"], meeting["kind"], meeting["case_ref"]) == (meeting_id, "strategy", w["case"].ref)
    [action] = linked.json["linked_actions"]
    assert (action["id"], action["agency"], action["status"]) == (action_id, w["police"].code, "open")
    assert "title" not in action  # what the action is stays with the case
    session.expire_all()
    assert session.scalar(select(ReviewMeeting.case_id)) == w["case"].id
    assert str(session.scalar(select(ReviewCaseAction.action_id))) == action_id
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ("review.links", "review.link_case")))).all()
    assert [(e.action, e.case_id) for e in events] == [("review.link_case", w["case"].id),
                                                       ("review.links", None)]
    # The near miss's raiser, and the reviewers of the other agencies involved, read the links.
    for reader in ("worker", "police_lead", "trust_lead"):
        read = client.get(f"/api/v1/reviews/{review_id}", headers=h[reader])
        assert read.status_code == 200
        assert [m["id"] for m in read.json["linked_meetings"]] == [meeting_id]
        assert [a["id"] for a in read.json["linked_actions"]] == [action_id]
    # Unlinking the case drops what was linked through it.
    unlinked = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"], json={})
    assert unlinked.status_code == 200, unlinked.json
    out = unlinked.json
    assert (out["case_refs"], out["linked_meetings"], out["linked_actions"]) == ([], [], [])
    unlinked_case = select(AuditEvent.case_id).where(AuditEvent.action == "review.unlink_case")
    assert session.scalar(unlinked_case) == w["case"].id


def test_what_another_agency_linked_stays_linked_and_unseen_cases_cannot_be_linked(client, make, session):
    w = _world(make)
    h, review_id, meeting_id, action_id = _setup(client, make, w)
    assert client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"], json={
        "case_refs": [w["case"].ref], "meetings": [meeting_id], "actions": [action_id]}).status_code == 200
    # The trust is involved in the review but not a member of the case: it sees the links, and
    # setting its own (none) leaves the council's as they are.
    kept = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["trust_lead"], json={})
    assert kept.status_code == 200, kept.json
    assert kept.json["case_refs"] == [w["case"].ref]
    assert [m["id"] for m in kept.json["linked_meetings"]] == [meeting_id]
    assert [a["id"] for a in kept.json["linked_actions"]] == [action_id]
    session.expire_all()
    assert session.scalar(select(ReviewCase.case_id)) == w["case"].id
    # Nor can it link the case, its meeting or its action: its agency is not a member.
    before = take_snapshot(session)
    for body, field in (({"case_refs": [w["case"].ref]}, "case_refs"),
                        ({"meetings": [meeting_id]}, "meetings"), ({"actions": [action_id]}, "actions"),
                        ({"actions": [str(uuid.uuid4())]}, "actions")):
        refused = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["trust_lead"], json=body)
        assert refused.status_code == 422, (body, refused.json)
        assert set(refused.json["errors"]) == {field}, refused.json
    assert_nothing_written(session, before)
    # The raiser is told it is not theirs to do; an agency not involved is told nothing.
    assert client.put(f"/api/v1/reviews/{review_id}/links", headers=h["worker"], json={}).status_code == 403
    assert client.put(f"/api/v1/reviews/{review_id}/links", headers=h["outsider"], json={}).status_code == 404


def test_too_many_links_and_a_meeting_of_another_case_are_refused_with_nothing_written(client, make, session):
    w = _world(make)
    h, review_id, _meeting_id, _action_id = _setup(client, make, w)
    other = make.case(w["lead"], members=(w["police"],), name="Otto Othercase")
    other_meeting = client.post("/api/v1/meetings", headers=h["lead"], json=meeting_body(other, w["police"]))
    assert other_meeting.status_code == 201
    before = take_snapshot(session)
    refused = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"], json={
        "case_refs": [w["case"].ref], "meetings": [other_meeting.json["id"]]})
    assert refused.status_code == 422
    assert refused.json["errors"] == {"meetings": "Choose meetings about the cases the review concerns"}
    too_many = client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"],
                          json={"actions": [str(uuid.uuid4()) for _ in range(51)]})
    assert too_many.status_code == 422
    assert set(too_many.json["errors"]) == {"actions"}, too_many.json
    assert_nothing_written(session, before)


def test_the_links_page_offers_the_cases_meetings_and_actions_and_keeps_what_was_typed(client, make, session):
    w = _world(make)
    h, review_id, meeting_id, action_id = _setup(client, make, w)
    assert client.put(f"/api/v1/reviews/{review_id}/links", headers=h["lead"],
                      json={"case_refs": [w["case"].ref]}).status_code == 200
    form = client.get(f"/reviews/{review_id}/links", headers=h["lead"])
    assert form.status_code == 200
    shown = text_of(form)
    assert "Meetings about " + w["case"].ref in shown
    assert ACTION_TITLE in shown  # the reviewer's agency is a member: what the action is, is shown
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "action.list",
                                                      AuditEvent.case_id == w["case"].id)) is not None
    before = take_snapshot(session)
    wrong = client.post(f"/reviews/{review_id}/links", headers=h["lead"],
                        data={"case_refs": f"{w['case'].ref}, NOPE-1", "meetings": [meeting_id]})
    assert wrong.status_code == 422
    assert error_summary(wrong) == ["None of your agency's cases has the reference 'NOPE-1'"]
    assert f'value="{w["case"].ref}, NOPE-1"' in wrong.get_data(as_text=True)
    assert_nothing_written(session, before)
    bad_tick = client.post(f"/reviews/{review_id}/links", headers=h["lead"],
                           data={"case_refs": w["case"].ref, "actions": "not-an-id"})
    assert bad_tick.status_code == 422
    assert error_summary(bad_tick) == ["Choose the actions from the list"]
    saved = client.post(f"/reviews/{review_id}/links", headers=h["lead"], data={
        "case_refs": w["case"].ref, "meetings": [meeting_id], "actions": [action_id]})
    assert saved.status_code == 303, text_of(saved)
    assert saved.headers["Location"] == f"/reviews/{review_id}?done=links"
    page = client.get(saved.headers["Location"], headers=h["police_lead"])
    shown = text_of(page)
    assert "Strategy meeting" in shown
    assert f"Action for {w['police'].name}" in shown
    assert ACTION_TITLE not in shown  # the review's page names whose and when, not what
    # The raiser may read the review but not reach the reviewers' page; others get nothing.
    assert client.get(f"/reviews/{review_id}/links", headers=h["worker"]).status_code == 403
    assert client.get(f"/reviews/{review_id}/links", headers=h["outsider"]).status_code == 404
