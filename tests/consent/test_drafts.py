"""The job that discards drafts of the guided disclosure form: a draft unchanged for longer than
``policy.disclosure_draft_hours`` goes, with its data key; a fresh one stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consent.models import DisclosureDraft
from consent.services import drafts as draft_services
from consent.tasks import discard_stale_drafts
from hub import wiring
from hub.actor import Actor
from hub.crypto.models import DataKey
from hub.db import utcnow
from hub.jobs import JobContext
from tests.conftest import with_policy


def make_draft(make, session, user, case, *, age: timedelta):  # type: ignore[no-untyped-def]
    moment = utcnow() - age
    draft = draft_services.start_draft(session, Actor(user, "test"), case.id,
                                       {"requester": "Typed by hand"}, envelope=make.envelope,
                                       now=moment)
    session.commit()
    return draft.row.id, draft_services.data_key_id(draft.row.answers_ciphertext)


def test_the_job_is_wired_to_run_every_hour():
    job = wiring.jobs()["disclosure-drafts"]
    assert (job.target, job.interval) == ("consent.tasks:discard_stale_drafts", timedelta(hours=1))


def test_stale_drafts_and_their_keys_go_fresh_ones_stay_and_a_second_run_changes_nothing(
        make, session, settings):
    user = make.user(make.agency())
    case = make.case(user)
    stale = [make_draft(make, session, user, case, age=timedelta(hours=hours)) for hours in (25, 72)]
    fresh = make_draft(make, session, user, case, age=timedelta(hours=23))
    context = JobContext(utcnow(), settings)

    assert discard_stale_drafts(session, context) == 2
    session.commit()
    session.expire_all()
    for draft_id, key_id in stale:
        assert session.get(DisclosureDraft, draft_id) is None
        assert session.get(DataKey, key_id) is None
    assert session.get(DisclosureDraft, fresh[0]) is not None
    assert session.get(DataKey, fresh[1]) is not None

    assert discard_stale_drafts(session, context) == 0
    assert session.scalars(select(DisclosureDraft.id)).all() == [fresh[0]]


def test_the_policy_sets_how_long_a_draft_is_kept(make, session, settings):
    user = make.user(make.agency())
    case = make.case(user)
    draft_id, _key = make_draft(make, session, user, case, age=timedelta(hours=3))
    for hours, discarded in ((48, 0), (2, 1)):
        policy = with_policy(settings, disclosure_draft_hours=hours)
        assert discard_stale_drafts(session, JobContext(utcnow(), policy)) == discarded
    assert session.get(DisclosureDraft, draft_id) is None
