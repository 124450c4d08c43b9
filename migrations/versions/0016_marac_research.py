"""MARAC: each agency's research on a case for a meeting, what it chose not to share and why,
linked to a disclosure decision (the texts encrypted)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 23:51:50.062580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('marac_research',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('withheld', sa.Boolean(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('content_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_marac_research_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_marac_research_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['disclosure_decisions.id'], name=op.f('fk_marac_research_decision_id_disclosure_decisions')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_marac_research_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_marac_research_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marac_research')),
    sa.UniqueConstraint('meeting_id', 'case_id', 'agency_id', name=op.f('uq_marac_research_meeting_id'))
    )
    with op.batch_alter_table('marac_research', schema=None) as batch_op:
        batch_op.create_index('ix_marac_research_case', ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('marac_research', schema=None) as batch_op:
        batch_op.drop_index('ix_marac_research_case')

    op.drop_table('marac_research')
