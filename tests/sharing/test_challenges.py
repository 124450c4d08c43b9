"""Professional challenge and the escalation ladder: raised by a member agency about another's
action, resolved only by the raiser or a stage-3/4 role holder; the escalation job opens
challenges for overdue or undone actions and moves unresolved ones up a stage, idempotently,
e-mailing both agencies' role holders a reference and a link only."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from hub.actor import Actor
from hub.agencies.models import User
from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import Database
from hub.errors import Conflict, Forbidden, ValidationFailed
from hub.jobs import JobContext
from hub.mail.models import OutboxMessage
from hub.workdays import add_working_days
from sharing.models import Challenge, ChallengeEvent
from sharing.rules import ActionStatus
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services
from sharing.tasks import escalate_challenges
from tests.audit.helpers import postgres_only
from tests.conftest import Factory, with_policy
from tests.support.factories.consent import ConsentFactory

NAME = "Morgan Challengeperson"
# A Monday in a week without bank holidays, at noon in London.
MONDAY = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _world(make: Factory, session):
    council, police = make.agency(kind="council_adults"), make.agency()
    ConsentFactory(make).agreement(council, police)
    worker, officer = make.user(council), make.user(police)
    people = {"council_manager": make.user(council, "manager"),
              "police_manager": make.user(police, "manager"),
              "council_lead": make.user(council, "lead"), "police_lead": make.user(police, "lead")}
    case = make.case(worker, members=(police,), name=NAME)
    return case, worker, officer, council, police, people


def _action(session, envelope, worker, case, police, *, due: date, today: date):
    view = action_services.create_action(
        session, Actor(worker, "test"), case.id, title="Check on Morgan at home",
        agency_code=police.code, due=due, envelope=envelope, now=MONDAY, today=today)
    session.commit()
    return view


def _sweep(session, settings, keyring, at: datetime) -> int:
    count = escalate_challenges(session, JobContext(at, settings, keyring=keyring))
    session.commit()
    return count


def _mail(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)))


def test_a_member_challenges_another_agencys_action_at_stage_one_with_a_working_day_deadline(
        make, session, envelope):
    case, worker, _officer, _council, police, people = _world(make, session)
    action = _action(session, envelope, worker, case, police, due=date(2026, 11, 20), today=date(2026, 11, 2))
    found = challenge_services.raise_challenge(
        session, Actor(worker, "test"), action.id, concern="No visit yet and she has stopped answering",
        evidence="Three calls unanswered", immediate_risk=False, envelope=envelope, policy=Policy(),
        now=MONDAY)
    assert (found.stage, found.status, found.deadline) == (1, "open", date(2026, 11, 4))
    assert (found.raised_by_agency, found.against_agency) == (worker.agency.code, police.code)
    # Stage 1 tells both agencies' practitioners: no name, no concern, a reference and a link.
    mail = _mail(session)
    assert {m.recipient for m in mail} == {worker.email, _officer.email}
    # The managers and leads of both agencies hold roles told only at later stages.
    assert len(people) == 4
    assert not {p.email for p in people.values()} & {m.recipient for m in mail}
    for message in mail:
        assert case.ref in message.subject
        assert NAME not in message.subject + message.body
        assert "stopped answering" not in message.body
    with pytest.raises(Conflict):
        challenge_services.raise_challenge(
            session, Actor(worker, "test"), action.id, concern="Again", evidence="", immediate_risk=False,
            envelope=envelope, policy=Policy(), now=MONDAY)


def test_immediate_risk_starts_at_stage_three_and_tells_the_leads(make, session, envelope):
    case, worker, _officer, _council, police, people = _world(make, session)
    action = _action(session, envelope, worker, case, police, due=date(2026, 11, 20), today=date(2026, 11, 2))
    found = challenge_services.raise_challenge(
        session, Actor(worker, "test"), action.id, concern="He is at the house now", evidence="",
        immediate_risk=True, envelope=envelope, policy=Policy(), now=MONDAY)
    assert (found.stage, found.deadline) == (3, date(2026, 11, 4))
    assert {m.recipient for m in _mail(session)} == {people["council_lead"].email,
                                                     people["police_lead"].email}


def test_an_agency_cannot_challenge_its_own_action_and_a_concern_is_required(make, session, envelope):
    case, worker, officer, _council, police, _people = _world(make, session)
    action = _action(session, envelope, worker, case, police, due=date(2026, 11, 20), today=date(2026, 11, 2))
    with pytest.raises(ValidationFailed) as own:
        challenge_services.raise_challenge(session, Actor(officer, "test"), action.id, concern="x",
                                           evidence="", immediate_risk=False, envelope=envelope,
                                           policy=Policy(), now=MONDAY)
    assert "action" in own.value.errors
    with pytest.raises(ValidationFailed) as empty:
        challenge_services.raise_challenge(session, Actor(worker, "test"), action.id, concern="  ",
                                           evidence="", immediate_risk=False, envelope=envelope,
                                           policy=Policy(), now=MONDAY)
    assert "concern" in empty.value.errors


def test_only_the_raising_agency_or_a_stage_three_role_holder_resolves(make, session, envelope):
    case, worker, officer, _council, police, people = _world(make, session)
    action = _action(session, envelope, worker, case, police, due=date(2026, 11, 20), today=date(2026, 11, 2))
    raised = challenge_services.raise_challenge(
        session, Actor(worker, "test"), action.id, concern="No visit", evidence="", immediate_risk=False,
        envelope=envelope, policy=Policy(), now=MONDAY)
    with pytest.raises(Forbidden):
        challenge_services.resolve(session, Actor(officer, "test"), raised.id, outcome="Done",
                                   agreed_plan="Visit", envelope=envelope, policy=Policy(), now=MONDAY)
    with pytest.raises(ValidationFailed) as missing:
        challenge_services.resolve(session, Actor(worker, "test"), raised.id, outcome="Agreed",
                                   agreed_plan="", envelope=envelope, policy=Policy(), now=MONDAY)
    assert "agreed_plan" in missing.value.errors
    resolved = challenge_services.resolve(
        session, Actor(people["police_lead"], "test"), raised.id, outcome="Visit booked",
        agreed_plan="PC Hart visits on Wednesday with the social worker", envelope=envelope,
        policy=Policy(), now=MONDAY + timedelta(hours=2))
    assert resolved.status == "resolved"
    assert resolved.history[-1].texts["agreed_plan"].startswith("PC Hart visits")
    # The outcome is e-mailed to both agencies' holders of the stage's role: a reference, a link.
    outcome = [m for m in _mail(session) if m.kind == "challenge.resolved"]
    assert {m.recipient for m in outcome} == {worker.email, officer.email}
    assert all(m.link_path == f"/challenges/{raised.id}" and "PC Hart" not in m.body for m in outcome)
    with pytest.raises(Conflict):
        challenge_services.resolve(session, Actor(worker, "test"), raised.id, outcome="Again",
                                   agreed_plan="Again", envelope=envelope, policy=Policy(), now=MONDAY)


def test_the_sweep_opens_a_challenge_only_once_the_grace_has_passed_and_only_once(
        make, session, envelope, settings, keyring):
    case, worker, _officer, _council, police, _people = _world(make, session)
    # Due Monday 2 November; with two working days' grace it is overdue from Thursday 5th.
    _action(session, envelope, worker, case, police, due=date(2026, 11, 2), today=date(2026, 11, 2))
    wednesday = MONDAY + timedelta(days=2)
    assert _sweep(session, settings, keyring, wednesday) == 0
    thursday = MONDAY + timedelta(days=3)
    assert _sweep(session, settings, keyring, thursday) == 1
    [challenge] = session.scalars(select(Challenge)).all()
    assert (challenge.automatic, challenge.stage, challenge.raised_by_agency_id) == (
        True, 1, worker.agency_id)
    # Idempotent: the same moment again, and a later one before the deadline, change nothing.
    before = session.scalar(select(func.count()).select_from(ChallengeEvent))
    assert _sweep(session, settings, keyring, thursday) == 0
    assert session.scalar(select(func.count()).select_from(ChallengeEvent)) == before


def test_an_unresolved_challenge_climbs_one_stage_per_deadline_to_the_top(make, session, envelope,
                                                                         settings, keyring):
    case, worker, _officer, _council, police, people = _world(make, session)
    _action(session, envelope, worker, case, police, due=date(2026, 10, 26), today=date(2026, 10, 26))
    assert _sweep(session, settings, keyring, MONDAY) == 1
    challenge = session.scalars(select(Challenge)).one()
    stages, moment = [challenge.stage], MONDAY
    for _ in range(5):
        moment = datetime.combine(challenge.deadline + timedelta(days=1), MONDAY.timetz())
        _sweep(session, settings, keyring, moment)
        session.refresh(challenge)
        stages.append(challenge.stage)
        # Never two stages in one run, and the new deadline is in working days from that day.
        assert challenge.deadline == add_working_days(
            Policy().local_date(moment), Policy().stage_working_days(challenge.stage)) or challenge.stage == 4
    assert stages == [1, 2, 3, 4, 4, 4]
    recipients = {m.recipient for m in _mail(session)}
    assert {people["council_manager"].email, people["police_manager"].email,
            people["council_lead"].email, people["police_lead"].email} <= recipients


def test_an_action_marked_not_done_opens_a_challenge_at_once(make, session, envelope, settings, keyring):
    case, worker, officer, _council, police, _people = _world(make, session)
    action = _action(session, envelope, worker, case, police, due=date(2026, 11, 20), today=date(2026, 11, 2))
    action_services.change_status(session, Actor(officer, "test"), action.id,
                                  status=ActionStatus.NOT_DONE, note="No officer free",
                                  envelope=envelope, now=MONDAY)
    session.commit()
    assert _sweep(session, settings, keyring, MONDAY) == 1


def test_the_ladder_comes_from_policy(make, session, envelope, settings, keyring):
    case, worker, _officer, _council, police, _people = _world(make, session)
    _action(session, envelope, worker, case, police, due=date(2026, 10, 26), today=date(2026, 10, 26))
    generous = with_policy(settings, escalation_grace_working_days=10, escalation_stage1_working_days=4)
    assert _sweep(session, generous, keyring, MONDAY) == 0  # within ten working days' grace
    strict = with_policy(settings, escalation_grace_working_days=0, escalation_stage1_working_days=4)
    assert _sweep(session, strict, keyring, MONDAY) == 1
    assert session.scalars(select(Challenge)).one().deadline == date(2026, 11, 6)


def test_two_sweeps_at_once_open_one_challenge_per_action(fresh_database_url, settings, keyring, envelope):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        make = Factory(s, envelope)
        case, worker, _officer, _council, police, _people = _world(make, s)
        for _ in range(5):
            _action(s, envelope, worker, case, police, due=date(2026, 10, 26), today=date(2026, 10, 26))
    fresh = replace(settings, database_url=fresh_database_url)
    start, results = threading.Barrier(2), []

    def sweep() -> None:
        start.wait()
        context = JobContext(MONDAY, fresh, keyring=keyring)
        with database.transaction() as session:
            results.append(escalate_challenges(session, context))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) in ([0, 5], [1, 4], [2, 3])  # shared out, never doubled
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Challenge)) == 5
    database.engine.dispose()


def _statements_of_a_sweep(session, settings, keyring, at: datetime) -> tuple[int, int]:
    """(challenges opened or moved, SQL statements the sweep sent)."""
    sent: list[str] = []
    engine = session.get_bind().engine

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        done = escalate_challenges(session, JobContext(at, settings, keyring=keyring))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    session.commit()
    return done, len(sent)


def test_the_sweep_sends_the_same_few_statements_whether_one_or_many_are_due(
        make, session, envelope, settings, keyring):
    case, worker, _officer, _council, police, _people = _world(make, session)
    _action(session, envelope, worker, case, police, due=date(2026, 10, 26), today=date(2026, 10, 26))
    few = _statements_of_a_sweep(session, settings, keyring, MONDAY)
    for _ in range(12):
        _action(session, envelope, worker, case, police, due=date(2026, 10, 27), today=date(2026, 10, 27))
    many = _statements_of_a_sweep(session, settings, keyring, MONDAY + timedelta(hours=1))
    assert (few[0], many[0]) == (1, 12)
    assert many[1] == few[1]  # set-based: the count of statements follows nothing due
    # Every challenge moved on its deadline in one statement too: thirteen at stage 2, one sweep.
    later = datetime.combine(add_working_days(date(2026, 11, 2), 3), MONDAY.timetz())
    moved = _statements_of_a_sweep(session, settings, keyring, later)
    assert moved[0] == 13
    assert moved[1] <= few[1]
    assert set(session.scalars(select(Challenge.stage))) == {2}
    # Each step audited, one event per challenge and step.
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(("challenge.raise", "challenge.escalate")))))
    assert (actions.count("challenge.raise"), actions.count("challenge.escalate")) == (13, 13)


def test_the_hubs_own_steps_read_back_in_words_with_nothing_encrypted(make, session, envelope, settings,
                                                                      keyring):
    case, worker, officer, _council, police, _people = _world(make, session)
    _action(session, envelope, worker, case, police, due=date(2026, 10, 26), today=date(2026, 10, 26))
    undone = _action(session, envelope, worker, case, police, due=date(2026, 12, 20), today=date(2026, 11, 2))
    action_services.change_status(session, Actor(officer, "test"), undone.id, status=ActionStatus.NOT_DONE,
                                  note="No officer free", envelope=envelope, now=MONDAY)
    session.commit()
    assert _sweep(session, settings, keyring, MONDAY) == 2
    by_reason = {c.reason: c for c in session.scalars(select(Challenge))}
    assert set(by_reason) == {"overdue", "not_done"}
    assert all(c.texts_ciphertext == b"" for c in by_reason.values())
    seen = challenge_services.get_challenge(session, Actor(worker, "test"), by_reason["not_done"].id,
                                            envelope=envelope, now=MONDAY)
    assert seen.concern == challenge_services.HUB_CONCERNS["not_done"]
    assert [(e.kind, e.by, e.texts) for e in seen.history] == [("opened", None, {})]
    moment = datetime.combine(add_working_days(date(2026, 11, 2), 3), MONDAY.timetz())
    _sweep(session, settings, keyring, moment)
    moved = challenge_services.get_challenge(session, Actor(worker, "test"), by_reason["overdue"].id,
                                             envelope=envelope, now=moment)
    assert moved.concern == challenge_services.HUB_CONCERNS["overdue"]
    assert [e.kind for e in moved.history] == ["opened", "escalated"]
    assert moved.history[1].texts == challenge_services.HUB_STEP_TEXTS["escalated"]


@postgres_only
def test_a_challenge_a_person_raises_while_the_sweep_runs_is_kept_and_not_doubled(
        fresh_database_url, settings, keyring, envelope):
    database = Database(fresh_database_url)
    with database.transaction() as s:
        make = Factory(s, envelope)
        case, worker, _officer, _council, police, _people = _world(make, s)
        action = _action(s, envelope, worker, case, police, due=date(2026, 10, 26),
                         today=date(2026, 10, 26))
        worker_id = worker.id
    # A person's challenge, written and not yet committed, when the sweep's INSERT reaches the
    # action: the sweep waits on the unique index of open challenges, then leaves it to them.
    person = database.session()
    challenge_services.raise_challenge(
        person, Actor(person.get(User, worker_id), "test"), action.id, concern="Not visited",
        evidence="", immediate_risk=False, envelope=envelope, policy=Policy(), now=MONDAY)
    results: list[int] = []
    context = JobContext(MONDAY, replace(settings, database_url=fresh_database_url), keyring=keyring)

    def sweep() -> None:
        with database.transaction() as session:
            results.append(escalate_challenges(session, context))

    thread = threading.Thread(target=sweep)
    thread.start()
    thread.join(timeout=2)
    assert thread.is_alive(), "the sweep did not wait for the person's transaction"
    person.commit()
    person.close()
    thread.join(timeout=30)
    assert results == [0]
    with database.transaction() as s:
        [kept] = s.scalars(select(Challenge)).all()
        assert (kept.automatic, kept.reason, kept.raised_by_id) == (False, None, worker_id)
    database.engine.dispose()
