"""concerns: supervision focused on risk: case allocations, sessions and the cases discussed (notes encrypted)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:08:33.429152
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Uuid(), nullable=False),
    sa.Column('supervisee_id', sa.Uuid(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_supervision_sessions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_supervision_sessions_supervisee_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervision_sessions_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_sessions'))
    )
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_sessions_agency', ['agency_id', 'held_on'], unique=False)

    op.create_table('case_allocations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('allocated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('allocated_by_id', sa.Uuid(), nullable=False),
    sa.Column('ended_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_allocations_agency_id_agencies')),
    sa.ForeignKeyConstraint(['allocated_by_id'], ['users.id'], name=op.f('fk_case_allocations_allocated_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_allocations_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_allocations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_allocations'))
    )
    with op.batch_alter_table('case_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_case_allocations_agency', ['agency_id', 'ended_at'], unique=False)
        batch_op.create_index('ix_case_allocations_user', ['user_id', 'ended_at'], unique=False)
        batch_op.create_index('uq_case_allocations_active', ['case_id', 'agency_id'], unique=True, postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))

    op.create_table('supervision_discussions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('supervisee_id', sa.Uuid(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('note_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervision_discussions_case_id_cases')),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_sessions.id'], name=op.f('fk_supervision_discussions_session_id_supervision_sessions')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_supervision_discussions_supervisee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_discussions'))
    )
    with op.batch_alter_table('supervision_discussions', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_discussions_last', ['supervisee_id', 'case_id', 'held_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervision_discussions', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_discussions_last')

    op.drop_table('supervision_discussions')
    with op.batch_alter_table('case_allocations', schema=None) as batch_op:
        batch_op.drop_index('uq_case_allocations_active', postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_case_allocations_user')
        batch_op.drop_index('ix_case_allocations_agency')

    op.drop_table('case_allocations')
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_sessions_agency')

    op.drop_table('supervision_sessions')
