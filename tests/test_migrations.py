"""The migrations build exactly the schema the models declare (no table, column or index that
autogenerate would still add or drop), on the database the suite runs on."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub.models import metadata


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
