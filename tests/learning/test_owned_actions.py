"""The actions from reviews as the agency that owns them works them (DOMAIN.md §9: tracked like
any other action): its holders of the owning role, and its leads, list them soonest due first,
open each one from the dashboard or the overdue e-mail, and record it done with its evidence.
The review itself stays with its reviewers; anyone else is told nothing (404). Bad input changes
nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from learning.models import ReviewActionChange
from learning.services.actions import owned_counts
from tests.concerns.test_pages import error_summary, text_of
from tests.support.snapshot import assert_nothing_written, take_snapshot

TITLE = "Check the address on the national record before printing a letter"


def _today():
    return Policy().local_date(utcnow())


def _world(client, make):
    """A near miss the trust's nurse raised, involving the council; its lead sets an action for
    the trust's practitioners and one for the council's managers."""
    trust, council = make.agency(kind="nhs_mental_health"), make.agency(kind="council_adults")
    people = {"nurse": make.user(trust, name="Priya Nair"), "colleague": make.user(trust),
              "trust_lead": make.user(trust, "lead"), "trust_ig": make.user(trust, "ig"),
              "council_worker": make.user(council), "council_manager": make.user(council, "manager"),
              "outsider": make.user(make.agency(), "lead")}
    h = {key: make.headers(user) for key, user in people.items()}
    review_id = client.post("/api/v1/reviews", headers=h["nurse"], json={
        "kind": "near_miss", "summary": "Letter to an old address", "account": "It went to the old address",
        "occurred_on": (_today() - timedelta(days=3)).isoformat(), "agencies": [council.code]}).json["id"]
    ids = []
    plan = ((TITLE, trust, "practitioner", 1), ("Brief the team", council, "manager", 9))
    for title, agency, role, days in plan:
        created = client.post(f"/api/v1/reviews/{review_id}/actions", headers=h["trust_lead"], json={
            "title": title, "agency": agency.code, "owner_role": role,
            "due": (_today() + timedelta(days=days)).isoformat()})
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    return people, h, review_id, ids


def test_the_owners_list_their_agencys_actions_from_reviews_and_nobody_else_sees_them(client, make, session):
    people, h, review_id, (practitioners, managers) = _world(client, make)
    listed = client.get("/api/v1/reviews/actions", headers=h["colleague"])
    assert listed.status_code == 200, listed.json
    [mine] = listed.json["actions"]
    assert (mine["id"], mine["title"], mine["review_id"], mine["review_kind"]) == (
        practitioners, TITLE, review_id, "near_miss")
    assert listed.json["next_offset"] is None
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "review.action_list",
                                                      AuditEvent.user_id == people["colleague"].id))
    # The trust's lead sees every action the trust owns; the council's manager, hers.
    assert [a["id"] for a in client.get("/api/v1/reviews/actions", headers=h["trust_lead"]).json[
        "actions"]] == [practitioners]
    assert [a["id"] for a in client.get("/api/v1/reviews/actions", headers=h["council_manager"]).json[
        "actions"]] == [managers]
    # Another role of the trust, another agency's practitioner, an agency not involved: nothing.
    for other in ("trust_ig", "council_worker", "outsider"):
        assert client.get("/api/v1/reviews/actions", headers=h[other]).json["actions"] == [], other
        assert client.get(f"/reviews/actions/{practitioners}", headers=h[other]).status_code == 404, other
        assert client.patch(f"/api/v1/reviews/{review_id}/actions/{practitioners}", headers=h[other],
                            json={"status": "done", "evidence": "x"}).status_code == 404, other
    assert client.get("/api/v1/reviews/actions", query_string={"show": "closed"},
                      headers=h["colleague"]).status_code == 422
    # The dashboard's figures: open, and overdue once the due day has passed.
    assert owned_counts(session, people["colleague"], today=_today()) == (1, 0)
    assert owned_counts(session, people["colleague"], today=_today() + timedelta(days=2)) == (1, 1)
    assert owned_counts(session, people["trust_ig"], today=_today()) == (0, 0)


def test_a_practitioner_records_the_action_done_with_its_evidence_from_its_page(client, make, session):
    people, h, review_id, (practitioners, _managers) = _world(client, make)
    dashboard = client.get("/", headers=h["colleague"])
    assert "1 action from reviews for you to do" in text_of(dashboard)
    listed = client.get("/reviews/actions", headers=h["colleague"])
    assert listed.status_code == 200
    assert TITLE in text_of(listed)
    shown = client.get(f"/reviews/actions/{practitioners}", headers=h["colleague"])
    assert shown.status_code == 200
    page = text_of(shown)
    assert "From a near-miss review" in page
    assert "It went to the old address" not in page  # the review's account stays with its reviewers
    before = take_snapshot(session)
    missing = client.post(f"/reviews/actions/{practitioners}", headers=h["colleague"],
                          data={"status": "done", "note": "Checked"})
    assert missing.status_code == 422
    assert error_summary(missing) == ["Say what was done, as evidence of completion"]
    assert 'Checked</textarea>' in missing.get_data(as_text=True)
    assert_nothing_written(session, before)
    done = client.post(f"/reviews/actions/{practitioners}", headers=h["colleague"],
                       data={"status": "done", "evidence": "Address checked on the spine for every letter"})
    assert done.status_code == 303, text_of(done)
    assert done.headers["Location"] == f"/reviews/actions/{practitioners}?done=changed"
    after = text_of(client.get(done.headers["Location"], headers=h["colleague"]))
    assert "Action's status changed" in after
    assert "Address checked on the spine for every letter" in after
    session.expire_all()
    change = session.scalars(select(ReviewActionChange).where(
        ReviewActionChange.action_id == uuid.UUID(practitioners))
        .order_by(ReviewActionChange.changed_at)).all()
    assert [(c.status, c.changed_by_id) for c in change][-1] == ("done", people["colleague"].id)
    assert "for you to do" not in text_of(client.get("/", headers=h["colleague"]))
    # The review's lead reads the change on the review's action plan.
    plan = client.get(f"/api/v1/reviews/{review_id}", headers=h["trust_lead"]).json["actions"]
    assert {a["id"]: a["status"] for a in plan}[practitioners] == "done"
