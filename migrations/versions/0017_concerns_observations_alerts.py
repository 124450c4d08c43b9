"""concerns: concerns and their triage, deputies, daily observation plans, observations and alerts (the texts encrypted)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 02:46:28.095670
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('safeguarding_deputies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('named_by_id', sa.Uuid(), nullable=False),
    sa.Column('named_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_safeguarding_deputies_agency_id_agencies')),
    sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], name=op.f('fk_safeguarding_deputies_named_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_safeguarding_deputies_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_deputies'))
    )
    with op.batch_alter_table('safeguarding_deputies', schema=None) as batch_op:
        batch_op.create_index('ix_safeguarding_deputies_agency', ['agency_id', 'ends'], unique=False)

    op.create_table('concerns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=False),
    sa.Column('raised_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('subject_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('child', sa.Boolean(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('immediate_risk', sa.Boolean(), nullable=False),
    sa.Column('person_aware', sa.Boolean(), nullable=False),
    sa.Column('consent_status', sa.String(length=32), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('triage_due', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('triaged_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('triaged_by_id', sa.Uuid(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('dash_score', sa.Integer(), nullable=True),
    sa.Column('outcome_case_id', sa.Uuid(), nullable=True),
    sa.Column('strategy_due', sa.Date(), nullable=True),
    sa.Column('triage_ciphertext', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_concerns_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_concerns_case_id_cases')),
    sa.ForeignKeyConstraint(['outcome_case_id'], ['cases.id'], name=op.f('fk_concerns_outcome_case_id_cases')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_concerns_raised_by_id_users')),
    sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], name=op.f('fk_concerns_triaged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerns'))
    )
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index('ix_concerns_agency_raised', ['agency_id', 'raised_at'], unique=False)
        batch_op.create_index('ix_concerns_awaiting', ['agency_id', 'triage_due'], unique=False, postgresql_where=sa.text("status = 'awaiting_triage'"), sqlite_where=sa.text("status = 'awaiting_triage'"))
        batch_op.create_index('ix_concerns_case', ['case_id'], unique=False)
        batch_op.create_index('ix_concerns_raised_by', ['raised_by_id', 'raised_at'], unique=False)

    op.create_table('observation_plans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('agreed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agreed_by_id', sa.Uuid(), nullable=False),
    sa.Column('ended_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Uuid(), nullable=True),
    sa.Column('last_observed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('missing_due', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_observation_plans_agency_id_agencies')),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['users.id'], name=op.f('fk_observation_plans_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_observation_plans_case_id_cases')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_observation_plans_ended_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_plans'))
    )
    with op.batch_alter_table('observation_plans', schema=None) as batch_op:
        batch_op.create_index('ix_observation_plans_missing_due', ['missing_due'], unique=False)
        batch_op.create_index('uq_observation_plans_active', ['case_id', 'agency_id'], unique=True, postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))

    op.create_table('observations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('observed_by_id', sa.Uuid(), nullable=False),
    sa.Column('observed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_observations_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_observations_case_id_cases')),
    sa.ForeignKeyConstraint(['observed_by_id'], ['users.id'], name=op.f('fk_observations_observed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['observation_plans.id'], name=op.f('fk_observations_plan_id_observation_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations'))
    )
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index('ix_observations_case', ['case_id', 'observed_at'], unique=False)
        batch_op.create_index('ix_observations_plan', ['plan_id', 'observed_at'], unique=False)

    op.create_table('observation_alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Uuid(), nullable=True),
    sa.Column('threshold', sa.String(length=64), nullable=False),
    sa.Column('raised_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalate_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('escalated_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Uuid(), nullable=True),
    sa.Column('action_taken', sa.String(length=32), nullable=True),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_observation_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_observation_alerts_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_observation_alerts_case_id_cases')),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_observation_alerts_observation_id_observations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_alerts'))
    )
    with op.batch_alter_table('observation_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_observation_alerts_agency', ['agency_id', 'status', 'raised_at'], unique=False)
        batch_op.create_index('ix_observation_alerts_case', ['case_id', 'raised_at'], unique=False)
        batch_op.create_index('ix_observation_alerts_escalate', ['escalate_at'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))



def downgrade() -> None:
    with op.batch_alter_table('observation_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_alerts_escalate', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_observation_alerts_case')
        batch_op.drop_index('ix_observation_alerts_agency')

    op.drop_table('observation_alerts')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index('ix_observations_plan')
        batch_op.drop_index('ix_observations_case')

    op.drop_table('observations')
    with op.batch_alter_table('observation_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_observation_plans_active', postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_observation_plans_missing_due')

    op.drop_table('observation_plans')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index('ix_concerns_raised_by')
        batch_op.drop_index('ix_concerns_case')
        batch_op.drop_index('ix_concerns_awaiting', postgresql_where=sa.text("status = 'awaiting_triage'"), sqlite_where=sa.text("status = 'awaiting_triage'"))
        batch_op.drop_index('ix_concerns_agency_raised')

    op.drop_table('concerns')
    with op.batch_alter_table('safeguarding_deputies', schema=None) as batch_op:
        batch_op.drop_index('ix_safeguarding_deputies_agency')

    op.drop_table('safeguarding_deputies')
