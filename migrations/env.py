"""Alembic environment: migrations are the only way the schema changes."""

from __future__ import annotations

from alembic import context

from hub.config import load_settings
from hub.db import make_engine
from hub.models import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # SQLite's batch mode rebuilds a table by copying it and dropping the old one, which rows of
    # other tables that refer to it would refuse: as SQLite's documentation for ALTER TABLE says,
    # foreign keys are off while the migrations run (outside a transaction, where the PRAGMA
    # takes effect), and every key is checked before the transaction commits.
    unchecked = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if unchecked:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if unchecked:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migrations left rows whose keys refer to nothing: {broken[:5]}")
    finally:
        if unchecked:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `hub db upgrade`")
run_migrations()
