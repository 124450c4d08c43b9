"""Sharing: professional challenges on the escalation ladder and their history (concern,
evidence, outcome and plan encrypted); one open challenge per action, by a partial unique index

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:12:00.725276
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('challenges',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('raised_by_agency_id', sa.Integer(), nullable=False),
    sa.Column('against_agency_id', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('immediate_risk', sa.Boolean(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('opened_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Uuid(), nullable=True),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_challenges_action_id_actions')),
    sa.ForeignKeyConstraint(['against_agency_id'], ['agencies.id'], name=op.f('fk_challenges_against_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_challenges_case_id_cases')),
    sa.ForeignKeyConstraint(['raised_by_agency_id'], ['agencies.id'], name=op.f('fk_challenges_raised_by_agency_id_agencies')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_challenges_raised_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_challenges_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.create_index('ix_challenges_against', ['against_agency_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenges_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_challenges_open_deadline', ['deadline'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_challenges_raised_by', ['raised_by_agency_id', 'status'], unique=False)
        batch_op.create_index('uq_challenges_open_action', ['action_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('challenge_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('challenge_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Uuid(), nullable=True),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_challenge_events_by_id_users')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_events_challenge_id_challenges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_events'))
    )
    with op.batch_alter_table('challenge_events', schema=None) as batch_op:
        batch_op.create_index('ix_challenge_events_challenge', ['challenge_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('challenge_events', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_events_challenge')

    op.drop_table('challenge_events')
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index('uq_challenges_open_action', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_challenges_raised_by')
        batch_op.drop_index('ix_challenges_open_deadline', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_challenges_case_id'))
        batch_op.drop_index('ix_challenges_against')

    op.drop_table('challenges')
