"""Sharing: cross-agency actions and the history of their status (what each says is encrypted)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:05:23.252907
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_actions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_actions_assignee_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_actions_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_agency_status_due', ['agency_id', 'status', 'due'], unique=False)
        batch_op.create_index('ix_actions_case', ['case_id', 'due'], unique=False)
        batch_op.create_index('ix_actions_status_due', ['status', 'due'], unique=False)

    op.create_table('action_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('changed_by_id', sa.Uuid(), nullable=True),
    sa.Column('changed_by_agency_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_changes_action_id_actions')),
    sa.ForeignKeyConstraint(['changed_by_agency_id'], ['agencies.id'], name=op.f('fk_action_changes_changed_by_agency_id_agencies')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_action_changes_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_changes'))
    )
    with op.batch_alter_table('action_changes', schema=None) as batch_op:
        batch_op.create_index('ix_action_changes_action', ['action_id', 'changed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('action_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_action_changes_action')

    op.drop_table('action_changes')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_status_due')
        batch_op.drop_index('ix_actions_case')
        batch_op.drop_index('ix_actions_agency_status_due')

    op.drop_table('actions')
