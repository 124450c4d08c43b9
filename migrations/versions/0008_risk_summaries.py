"""Sharing: a case's risk summary and crisis plan in versions (content encrypted), and the keyed
blind index of each version's text fields (for noticing a plan copied from another case's)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:08.817647
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_summaries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_risk_summaries_agency_id_agencies')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_risk_summaries_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_risk_summaries_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_summaries')),
    sa.UniqueConstraint('case_id', 'version', name=op.f('uq_risk_summaries_case_id'))
    )
    with op.batch_alter_table('risk_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_risk_summaries_next_review', ['next_review'], unique=False)

    op.create_table('risk_summary_texts',
    sa.Column('summary_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('text_index', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_risk_summary_texts_case_id_cases')),
    sa.ForeignKeyConstraint(['summary_id'], ['risk_summaries.id'], name=op.f('fk_risk_summary_texts_summary_id_risk_summaries')),
    sa.PrimaryKeyConstraint('summary_id', 'field', name=op.f('pk_risk_summary_texts'))
    )
    with op.batch_alter_table('risk_summary_texts', schema=None) as batch_op:
        batch_op.create_index('ix_risk_summary_texts_match', ['text_index', 'field'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_summary_texts', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_summary_texts_match')

    op.drop_table('risk_summary_texts')
    with op.batch_alter_table('risk_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_summaries_next_review')

    op.drop_table('risk_summaries')
