"""MARAC repeats: a link from each repeat referral to the earlier one, out of the shown flags

The "repeat" flag was stored in cases.flags, which every member of the new case sees; it is now
told only to agencies that are current members of the earlier case, and the fact is kept as a
row of case_repeat_links. Existing flags become links (the earlier case found through the blind
index, as the flag was) and leave cases.flags. The identity itself stays encrypted.

The blind index normalisation changed too (hub-identity-v2): that needs the keyring, so it is
not done here. Run `hub keys reindex` after this upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPEAT = "repeat"

cases = sa.table(
    "cases",
    sa.column("id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("subject_index", sa.String()),
    sa.column("flags", sa.JSON()),
    sa.column("created_at", hub.db.UTCDateTime(timezone=True)),
)
links = sa.table(
    "case_repeat_links",
    sa.column("case_id", sa.Uuid()),
    sa.column("earlier_case_id", sa.Uuid()),
    sa.column("found_at", hub.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table('case_repeat_links',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('earlier_case_id', sa.Uuid(), nullable=False),
    sa.Column('found_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_repeat_links_case_id_cases')),
    sa.ForeignKeyConstraint(['earlier_case_id'], ['cases.id'], name=op.f('fk_case_repeat_links_earlier_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_repeat_links'))
    )
    with op.batch_alter_table('case_repeat_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_repeat_links_earlier_case_id'), ['earlier_case_id'], unique=False)
    _flags_to_links()


def downgrade() -> None:
    _links_to_flags()
    with op.batch_alter_table('case_repeat_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_repeat_links_earlier_case_id'))
    op.drop_table('case_repeat_links')


def _marac_cases(connection: sa.Connection) -> list[sa.Row]:
    return list(connection.execute(
        sa.select(cases.c.id, cases.c.subject_index, cases.c.flags, cases.c.created_at)
        .where(cases.c.kind == "marac")
        .order_by(cases.c.subject_index, cases.c.created_at)
    ))


def _flags_to_links() -> None:
    # Flags are JSON, which the two databases search differently: read MARAC cases in order and
    # link each flagged one to the newest earlier referral of the same identity, as it was found.
    connection = op.get_bind()
    previous = None
    for row in _marac_cases(connection):
        flags = list(row.flags or [])
        if REPEAT in flags:
            if previous is not None and previous.subject_index == row.subject_index:
                connection.execute(sa.insert(links).values(
                    case_id=row.id, earlier_case_id=previous.id, found_at=row.created_at))
            connection.execute(sa.update(cases).where(cases.c.id == row.id)
                               .values(flags=[f for f in flags if f != REPEAT]))
        previous = row


def _links_to_flags() -> None:
    connection = op.get_bind()
    linked = set(connection.scalars(sa.select(links.c.case_id)))
    for row in _marac_cases(connection):
        flags = list(row.flags or [])
        if row.id in linked and REPEAT not in flags:
            connection.execute(sa.update(cases).where(cases.c.id == row.id)
                               .values(flags=[*flags, REPEAT]))
