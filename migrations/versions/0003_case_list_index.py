"""case lists: one index in "newest first" order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_newest', ['created_at', 'ref'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_created_at'))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_created_at'), ['created_at'], unique=False)
        batch_op.drop_index('ix_cases_newest')
