"""MARAC: each referral's criteria (DASH count, the criteria met, incidents, children) for the
coordinator's queue and the agenda's order, its details encrypted; a MARAC's capacity per meeting

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:34:48.408594
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('marac_referrals',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('referring_agency_id', sa.Integer(), nullable=False),
    sa.Column('referred_by', sa.Uuid(), nullable=False),
    sa.Column('referred_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dash_score', sa.Integer(), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('incidents_12_months', sa.Integer(), nullable=False),
    sa.Column('children', sa.Boolean(), nullable=False),
    sa.Column('details_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('listed_meeting_id', sa.Uuid(), nullable=True),
    sa.Column('listed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_marac_referrals_case_id_cases')),
    sa.ForeignKeyConstraint(['listed_meeting_id'], ['meetings.id'], name=op.f('fk_marac_referrals_listed_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['referred_by'], ['users.id'], name=op.f('fk_marac_referrals_referred_by_users')),
    sa.ForeignKeyConstraint(['referring_agency_id'], ['agencies.id'], name=op.f('fk_marac_referrals_referring_agency_id_agencies')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_marac_referrals'))
    )
    with op.batch_alter_table('marac_referrals', schema=None) as batch_op:
        batch_op.create_index('ix_marac_referrals_queue', ['listed_meeting_id', 'referred_at'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('capacity')

    with op.batch_alter_table('marac_referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_marac_referrals_queue')

    op.drop_table('marac_referrals')
