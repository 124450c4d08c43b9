"""The decision service over the enumerations, and two corrections of one decision.

Through ``record_decision`` (the database, the encryption, the audit, the lookups of consent and
superseded decision) any decision either is refused with ValidationFailed or is recorded, and a
recorded one satisfies every rule function of consent.rules.disclosure.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select
from sqlalchemy import event as sql_event
from sqlalchemy.orm import Session

from consent.models import ConsentRecord, DisclosureDecision
from consent.rules import ConsentMethod, DeciderContext, DecisionIn, EarlierDecision, Purpose, disclosure
from consent.services import consents as consent_services
from consent.services import decisions as decision_services
from consent.services import reviews as review_services
from consent.services.common import is_public_authority
from consent.services.consents import consent_view, withdraw_consent
from hub.actor import Actor
from hub.agencies.models import User
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from tests.conftest import Factory, rolled_back
from tests.consent.builders import apply_rule, valid_decision
from tests.consent.test_rules_properties import decisions
from tests.support.factories.consent import ConsentFactory, sharing_decision, valid_consent
from tests.support.snapshot import assert_nothing_written, take_snapshot

# Rules 1-9 as one function each (validate_decision merges them); rule 10 is supersession_problems.
RULES: list[Callable[..., dict[str, str]]] = [
    disclosure.rationale_decision_maker_and_time_are_recorded,
    disclosure.sharing_needs_an_art6_basis,
    disclosure.special_category_needs_art9_and_sch1_for_9_2_g,
    disclosure.no_legitimate_interests_for_public_authorities,
    disclosure.confidential_without_consent_needs_public_interest_reasons,
    disclosure.para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason,
    disclosure.subject_not_told_needs_a_reason,
    disclosure.consent_basis_needs_an_active_covering_consent,
    disclosure.sharing_needs_recipients_and_items,
    disclosure.part_3_needs_a_schedule_8_condition,
]
BUILT_AT = valid_decision().decided_at


@dataclass(frozen=True)
class ServiceWorld:
    """Ids only: each example starts from a rolled-back session (tests.conftest.rolled_back)."""

    case_id: uuid.UUID
    deciders: tuple[uuid.UUID, ...]  # a public authority's and a charity's
    consent_ids: tuple[uuid.UUID, ...]  # in force, withdrawn, another case's
    decision_ids: tuple[uuid.UUID, ...]  # open to correction, corrected already, another case's


@pytest.fixture
def service_world(make: Factory, consents: ConsentFactory, session: Session) -> ServiceWorld:
    trust, charity = make.agency(kind="nhs_acute"), make.agency(kind="idva")
    nurse, worker = make.user(trust), make.user(charity)
    consents.agreement(trust, charity)
    case, other = make.case(nurse, members=(charity,)), make.case(nurse)
    agencies = ("Northshire Police", "Northshire Women's Aid", "POL-NS")
    in_force = consents.consent(nurse, case, purposes=tuple(Purpose), agencies=agencies)
    withdrawn = consents.consent(nurse, case, purposes=tuple(Purpose), agencies=agencies)
    withdraw_consent(session, Actor(nurse, "test"), case.id, withdrawn.id, channel=ConsentMethod.VERBAL,
                     envelope=make.envelope, now=utcnow())
    session.commit()
    elsewhere = consents.consent(nurse, other, purposes=tuple(Purpose), agencies=agencies)
    open_one = consents.decision(nurse, case, recipients=("Northshire Police",))
    corrected = consents.decision(nurse, case, recipients=("Northshire Police",))
    consents.decision(nurse, case, recipients=("Northshire Police",), supersedes=corrected.id)
    foreign = consents.decision(nurse, other, recipients=("Northshire Police",))
    return ServiceWorld(case.id, (nurse.id, worker.id), (in_force.id, withdrawn.id, elsewhere.id),
                        (open_one.id, corrected.id, foreign.id))


def _consent_ids(world: ServiceWorld) -> st.SearchStrategy[uuid.UUID | None]:
    return st.one_of(st.just(world.consent_ids[0]), st.none(), st.sampled_from(world.consent_ids),
                     st.uuids())


def _supersedes(world: ServiceWorld) -> st.SearchStrategy[uuid.UUID | None]:
    return st.one_of(st.none(), st.just(world.decision_ids[0]), st.sampled_from(world.decision_ids),
                     st.uuids())


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_service_refuses_only_by_validation_and_records_only_what_keeps_every_rule(
        data: st.DataObject, service_world: ServiceWorld, make: Factory, session: Session,
        db_connection: Connection) -> None:
    world = service_world
    drawn: DecisionIn = data.draw(decisions(), label="decision")
    decision = dataclasses.replace(
        drawn,
        consent_id=data.draw(_consent_ids(world), label="consent_id") if drawn.consent_id else None,
        supersedes=data.draw(_supersedes(world), label="supersedes"),
        # The builders' decisions are made before the consents here were recorded: mostly now.
        decided_at=drawn.decided_at if drawn.decided_at != BUILT_AT else None,
    )
    decider_id = data.draw(st.sampled_from(world.deciders), label="decider")
    now = utcnow()
    with rolled_back(db_connection, session):
        user = session.get(User, decider_id)
        assert user is not None
        before = session.scalar(select(func.count()).select_from(DisclosureDecision))
        problems: dict[str, str] = {}
        try:
            found = decision_services.record_decision(session, Actor(user, "test"), world.case_id,
                                                      decision, envelope=make.envelope, now=now)
        except ValidationFailed as refused:
            problems = refused.errors or {"": "refused without naming a field"}
        if problems:
            event("refused")
            assert "" not in problems
            assert session.scalar(select(func.count()).select_from(DisclosureDecision)) == before
            return
        event("recorded")
        # Accepted: as the service judged it (the caller decides; default time now) it keeps
        # every rule, with the consent record it names as stored.
        judged = dataclasses.replace(decision, case_id=world.case_id, decision_maker=user.name,
                                     decided_at=decision.decided_at or now)
        stored = session.get(ConsentRecord, judged.consent_id) if judged.consent_id else None
        decider = DeciderContext(agency_code=user.agency.code,
                                 public_authority_in_functions=is_public_authority(user.agency))
        view = consent_view(stored) if stored is not None else None
        for rule in RULES:
            assert apply_rule(rule, judged, consent=view, decider=decider, now=now) == {}, rule.__name__
        assert stored is None or stored.case_id == world.case_id
        if judged.supersedes is not None:
            assert judged.supersedes == world.decision_ids[0]
            assert disclosure.supersession_problems(
                judged, EarlierDecision(case_id=world.case_id, superseded=False)) == {}
            assert found.chain == [world.decision_ids[0], found.row.id]
        assert found.row.needs_review == decision_services.made_without_consent(judged)


@pytest.mark.parametrize(("field", "decision_change", "details"), [
    ("decision_maker_role", {"decision_maker_role": "Safeguarding\x00lead"}, {}),
    ("decision_maker_role", {"decision_maker_role": "r" * 201}, {}),
    ("recipients", {"recipients": ("Northshire Police", "Northshire\x1bCouncil")}, {}),
    ("channel", {}, {"channel": "secure\x00e-mail"}),
    ("security_marking", {}, {"security_marking": "O" * 65}),
    ("quality_checks", {}, {"quality_checks": ("accurate\x07",)}),
    ("dsa_ref", {}, {"dsa_ref": "DSA\x00-7"}),
    ("dpia_ref", {}, {"dpia_ref": "D" * 101}),
])
def test_text_a_plain_column_cannot_hold_is_refused_by_field_and_nothing_is_written(
        field: str, decision_change: dict[str, Any], details: dict[str, Any], make: Factory,
        session: Session) -> None:
    """The columns kept in plain text (a role, recipients, references) take no control character
    (PostgreSQL refuses NUL) and no more than they hold: the service says so by field, whoever
    calls it, rather than failing at the insert."""
    nurse = make.user(make.agency(kind="nhs_acute"))
    case = make.case(nurse)
    decision = dataclasses.replace(sharing_decision(case.id, ("Northshire Police",)), **decision_change)
    before = session.scalar(select(func.count()).select_from(DisclosureDecision))
    snapshot = take_snapshot(session)
    with pytest.raises(ValidationFailed) as refused:
        decision_services.record_decision(session, Actor(nurse, "test"), case.id, decision,
                                          decision_services.DecisionDetails(**details),
                                          envelope=make.envelope, now=utcnow())
    assert set(refused.value.errors) == {field}
    assert session.scalar(select(func.count()).select_from(DisclosureDecision)) == before
    assert_nothing_written(session, snapshot)


@pytest.mark.parametrize(("field", "change"), [
    ("agencies", {"agencies": ("Northshire Health Trust", "Northshire\x00Police")}),
    ("data_categories", {"data_categories": ("Health", "x" * 201)}),
])
def test_a_consent_whose_plain_lists_a_column_cannot_hold_is_refused_by_field(
        field: str, change: dict[str, Any], make: Factory, session: Session) -> None:
    nurse = make.user(make.agency(kind="nhs_acute"))
    case = make.case(nurse)
    before = session.scalar(select(func.count()).select_from(ConsentRecord))
    snapshot = take_snapshot(session)
    with pytest.raises(ValidationFailed) as refused:
        consent_services.record_consent(
            session, Actor(nurse, "test"), case.id,
            dataclasses.replace(valid_consent((Purpose.DIRECT_CARE,), ("Northshire Health Trust",)),
                                **change),
            envelope=make.envelope, now=utcnow())
    assert set(refused.value.errors) == {field}
    assert session.scalar(select(func.count()).select_from(ConsentRecord)) == before
    assert_nothing_written(session, snapshot)


def test_a_second_correction_of_one_decision_is_refused(make: Factory, consents: ConsentFactory,
                                                        session: Session) -> None:
    nurse = make.user(make.agency(kind="nhs_acute"))
    case = make.case(nurse)
    first = consents.decision(nurse, case, recipients=("Northshire Police",))
    correction = sharing_decision(case.id, ("Northshire Police",), supersedes=first.id)
    actor = Actor(nurse, "test")
    decision_services.record_decision(session, actor, case.id, correction, envelope=make.envelope,
                                      now=utcnow())
    session.commit()
    with pytest.raises(ValidationFailed) as refused:
        decision_services.record_decision(session, actor, case.id, correction, envelope=make.envelope,
                                          now=utcnow())
    assert set(refused.value.errors) == {"supersedes"}


def test_two_corrections_racing_are_kept_apart_by_the_unique_index(
        make: Factory, consents: ConsentFactory, session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The second correction read the decision before the first was recorded (as two requests at
    once do): the rule passes, the unique index on supersedes refuses it, 409, nothing kept."""
    nurse = make.user(make.agency(kind="nhs_acute"))
    case = make.case(nurse)
    first = consents.decision(nurse, case, recipients=("Northshire Police",))
    correction = sharing_decision(case.id, ("Northshire Police",), supersedes=first.id)
    actor = Actor(nurse, "test")
    kept = decision_services.record_decision(session, actor, case.id, correction,
                                             envelope=make.envelope, now=utcnow())
    session.commit()

    def read_before_the_first_correction(_db: Any, case_id: uuid.UUID, _id: Any) -> EarlierDecision:
        return EarlierDecision(case_id=case_id, superseded=False)

    monkeypatch.setattr(decision_services, "_earlier", read_before_the_first_correction)
    with pytest.raises(Conflict):
        decision_services.record_decision(session, actor, case.id, correction,
                                          envelope=make.envelope, now=utcnow())
    session.rollback()
    corrections = session.scalars(select(DisclosureDecision.id)
                                  .where(DisclosureDecision.supersedes_id == first.id)).all()
    assert corrections == [kept.row.id]


def test_a_decision_makers_unseen_concerns_are_found_through_their_index_not_their_decisions(
        make: Factory, session: Session) -> None:
    """The dashboard asks for them on every view: the plan reads the partial index of unseen
    concerns by decision-maker, never every decision the person has made."""
    nurse = make.user(make.agency(kind="nhs_acute"))
    connection = session.connection()
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    sql_event.listen(connection, "before_cursor_execute", keep)
    try:
        review_services.concerns_for(session, nurse)
    finally:
        sql_event.remove(connection, "before_cursor_execute", keep)
    statement, parameters = next((s, p) for s, p in seen if "disclosure_reviews" in s)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the test's tables are tiny
        explain = "EXPLAIN"
    else:
        explain = "EXPLAIN QUERY PLAN"
    rows = connection.exec_driver_sql(f"{explain} {statement}", parameters)
    plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_disclosure_reviews_unseen_concerns" in plan
    assert "disclosure_decisions" not in plan
