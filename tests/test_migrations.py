"""The migrations build exactly the schema the models declare (no table, column or index that
autogenerate would still add or drop), on the database the suite runs on."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from consent.models import DisclosureReview
from consent.services import reviews as review_services
from consent.services.reviews import ReviewOutcome
from hub import migrate
from hub.actor import Actor
from hub.agencies.models import User
from hub.db import Database, utcnow
from hub.models import metadata
from tests.support.factories.consent import ConsentFactory
from tests.support.factories.core import Factory


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_0023_names_each_reviewed_decisions_maker_and_its_downgrade_forgets_it(fresh_database_url, envelope):
    """A review recorded before 0023 gets its decision's maker, so the unseen concern still reaches
    the decision-maker's dashboard; downgrading and upgrading again keeps it."""
    database = Database(fresh_database_url)
    session = database.session()
    make = Factory(session, envelope)
    agency = make.agency(kind="nhs_acute")
    nurse, ig = make.user(agency), make.user(agency, "ig")
    case = make.case(nurse)
    decision = ConsentFactory(make).decision(nurse, case, recipients=("Northshire Police",))
    review_services.review_decision(session, Actor(ig, "test"), decision.id,
                                    outcome=ReviewOutcome.CONCERNS_RAISED, comment="The basis is wrong",
                                    envelope=envelope, now=utcnow())
    session.commit()
    nurse_id = nurse.id
    session.close()
    database.engine.dispose()

    command.downgrade(migrate.alembic_config(fresh_database_url), "0022")
    engine = create_engine(fresh_database_url)
    with engine.connect() as connection:
        columns = inspect(connection).get_columns("disclosure_reviews")
        assert "decided_by_id" not in {column["name"] for column in columns}
    engine.dispose()
    migrate.upgrade(fresh_database_url)

    database = Database(fresh_database_url)
    with database.transaction() as session:
        assert [row.decided_by_id for row in session.scalars(select(DisclosureReview))] == [nurse_id]
        concerns = review_services.concerns_for(session, session.get(User, nurse_id))
        assert [c.case_ref for c in concerns] == [case.ref]
    database.engine.dispose()
