"""consent: an IG review names the decision's maker, so that the concerns they have not yet opened
are found through a partial index of their own instead of through every decision they made

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNSEEN_CONCERN = sa.text("outcome = 'concerns_raised' AND seen_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('disclosure_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by_id', sa.Uuid(), nullable=True))
    # A decision is never edited: its maker is copied once.
    op.execute("UPDATE disclosure_reviews SET decided_by_id = (SELECT disclosure_decisions.decided_by_id "
               "FROM disclosure_decisions WHERE disclosure_decisions.id = disclosure_reviews.decision_id)")
    with op.batch_alter_table('disclosure_reviews', schema=None) as batch_op:
        batch_op.alter_column('decided_by_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_disclosure_reviews_decided_by_id_users'), 'users',
                                    ['decided_by_id'], ['id'])
        batch_op.create_index('ix_disclosure_reviews_unseen_concerns', ['decided_by_id', 'reviewed_at'],
                              unique=False, postgresql_where=_UNSEEN_CONCERN, sqlite_where=_UNSEEN_CONCERN)


def downgrade() -> None:
    with op.batch_alter_table('disclosure_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosure_reviews_unseen_concerns')
        batch_op.drop_constraint(batch_op.f('fk_disclosure_reviews_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('decided_by_id')
