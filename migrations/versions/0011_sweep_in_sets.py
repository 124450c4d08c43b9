"""Sharing: the escalation sweep works in sets. A challenge the hub opens records why (``reason``:
overdue or not done) instead of an encrypted sentence, and the hub's own steps carry no text (an
empty blob, nothing to encrypt); the sweep's "has this action ever been challenged?" walks an
index of challenges by action

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('challenges', sa.Column('reason', sa.String(length=16), nullable=True))
    op.create_index('ix_challenges_action', 'challenges', ['action_id', 'opened_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_challenges_action', table_name='challenges')
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_column('reason')
