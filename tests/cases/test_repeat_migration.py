"""Migration 0005: stored "repeat" flags become links to the earlier referral, and back."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, update

from hub import migrate
from hub.cases.models import Case, CaseKind
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from tests.support.factories.core import Factory

# The tables as the migration sees them (the models may have moved on).
CASES = sa.table("cases", sa.column("id", sa.Uuid()), sa.column("flags", sa.JSON()))
LINKS = sa.table("case_repeat_links", sa.column("case_id", sa.Uuid()),
                 sa.column("earlier_case_id", sa.Uuid()))


def stored_flags(database: Database) -> dict:
    with database.engine.connect() as connection:
        return dict(connection.execute(sa.select(CASES.c.id, CASES.c.flags)).all())


def test_stored_repeat_flags_become_links_and_leave_the_shown_flags(fresh_database_url):
    config = migrate.alembic_config(fresh_database_url)
    command.downgrade(config, "0004")
    database = Database(fresh_database_url)
    assert "case_repeat_links" not in inspect(database.engine).get_table_names()
    session = database.session()
    make = Factory(session, Envelope(Keyring.generate()))
    worker = make.user(make.agency(kind="idva"))
    # As 0004 stored them: the first referral unflagged, the repeats flagged, and someone else.
    first, second, third, other = (make.case(worker, kind=CaseKind.MARAC, name=f"Person {n}")
                                   for n in range(4))
    start = utcnow() - timedelta(days=90)
    for n, (case, flags) in enumerate([(first, []), (second, ["repeat"]), (third, ["repeat"]),
                                       (other, [])]):
        session.execute(update(Case).where(Case.id == case.id).values(
            created_at=start + timedelta(days=n), flags=flags,
            subject_index=first.subject_index if case is not other else other.subject_index))
    session.commit()
    session.close()

    migrate.upgrade(fresh_database_url)

    with database.engine.connect() as connection:
        links = dict(connection.execute(sa.select(LINKS.c.case_id, LINKS.c.earlier_case_id)).all())
    # Each repeat is linked to the newest earlier referral of the same identity.
    assert links == {second.id: first.id, third.id: second.id}
    assert stored_flags(database) == {first.id: [], second.id: [], third.id: [], other.id: []}

    command.downgrade(config, "0004")
    assert stored_flags(database) == {first.id: [], second.id: ["repeat"], third.id: ["repeat"],
                                      other.id: []}
    migrate.upgrade(fresh_database_url)
    database.engine.dispose()
