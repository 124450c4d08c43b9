"""The "nothing written" check itself: it must see every kind of write, in-place updates included."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from hub.actor import Actor
from hub.agencies.models import ApiToken
from hub.audit.services import Outcome, record
from hub.cases import services as case_services
from hub.cases.models import Case
from hub.db import utcnow
from hub.models import metadata
from tests.api.helpers import assert_nothing_written, take_snapshot
from tests.support.factories.consent import ConsentFactory


def test_removing_a_member_in_place_is_seen_although_no_row_count_changes(make, session):
    lead, member = make.agency(), make.agency()
    officer = make.user(lead)
    ConsentFactory(make).agreement(lead, member)
    case = make.case(officer, members=(member,))
    before = take_snapshot(session)
    case_services.remove_member(session, Actor(officer, "test"), case.id, member.code, now=utcnow())
    session.flush()
    with pytest.raises(AssertionError, match=r"case_memberships .*removed_at: None -> "):
        assert_nothing_written(session, before, refusal_actions=())


def test_a_refusal_may_add_its_own_denied_audit_event_and_nothing_else(make, session):
    officer = make.user(make.agency())
    before = take_snapshot(session)
    record(session, Actor(officer, "test"), "access.denied", now=utcnow(), outcome=Outcome.DENIED)
    session.flush()
    [event] = assert_nothing_written(session, before)
    assert event["action"] == "access.denied"

    record(session, Actor(officer, "test"), "case.read", now=utcnow())
    session.flush()
    with pytest.raises(AssertionError, match=r"audit_events: added .*case\.read"):
        assert_nothing_written(session, before)


def test_a_deleted_row_is_seen(make, session):
    officer = make.user(make.agency())
    make.token(officer)
    before = take_snapshot(session)
    session.execute(delete(ApiToken).where(ApiToken.user_id == officer.id))
    session.flush()
    with pytest.raises(AssertionError, match=r"api_tokens: removed"):
        assert_nothing_written(session, before)


def test_every_table_is_in_the_snapshot_and_a_changed_blob_is_seen(make, session):
    officer = make.user(make.agency())
    case = make.case(officer)
    before = take_snapshot(session)
    assert set(before) == {table.name for table in metadata.sorted_tables}
    session.execute(update(Case).where(Case.id == case.id).values(subject_ciphertext=b"\x01tampered"))
    with pytest.raises(AssertionError, match=r"cases .*subject_ciphertext"):
        assert_nothing_written(session, before, refusal_actions=())
