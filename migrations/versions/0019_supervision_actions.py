"""concerns: each action a supervision session set is linked to the case discussion it came from

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_actions',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('discussion_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_supervision_actions_action_id_actions')),
    sa.ForeignKeyConstraint(['discussion_id'], ['supervision_discussions.id'], name=op.f('fk_supervision_actions_discussion_id_supervision_discussions')),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_supervision_actions'))
    )
    with op.batch_alter_table('supervision_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_actions_discussion_id'), ['discussion_id'], unique=False)
    # Sessions recorded before the link: their actions are those the supervisor created for the
    # supervisee on a case discussed, in the same transaction (the same instant) as the session.
    op.execute("""
        INSERT INTO supervision_actions (action_id, discussion_id)
        SELECT actions.id, supervision_discussions.id
        FROM supervision_discussions
        JOIN supervision_sessions ON supervision_sessions.id = supervision_discussions.session_id
        JOIN actions ON actions.case_id = supervision_discussions.case_id
                    AND actions.created_by_id = supervision_sessions.supervisor_id
                    AND actions.assignee_id = supervision_sessions.supervisee_id
                    AND actions.created_at = supervision_sessions.recorded_at
    """)


def downgrade() -> None:
    with op.batch_alter_table('supervision_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_actions_discussion_id'))

    op.drop_table('supervision_actions')
