"""learning: the meetings and actions a review's findings concern

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_meetings',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_review_meetings_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_review_meetings_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_meetings_review_id_reviews')),
    sa.PrimaryKeyConstraint('review_id', 'meeting_id', name=op.f('pk_review_meetings'))
    )
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.create_index('ix_review_meetings_meeting', ['meeting_id'], unique=False)

    op.create_table('review_case_actions',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_review_case_actions_action_id_actions')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_case_actions_review_id_reviews')),
    sa.PrimaryKeyConstraint('review_id', 'action_id', name=op.f('pk_review_case_actions'))
    )
    with op.batch_alter_table('review_case_actions', schema=None) as batch_op:
        batch_op.create_index('ix_review_case_actions_action', ['action_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_case_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_review_case_actions_action')

    op.drop_table('review_case_actions')
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_review_meetings_meeting')

    op.drop_table('review_meetings')
