"""learning: reviews, the agencies and cases they concern, their action plans

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 15:48:55
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=False),
    sa.Column('raised_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('review_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('feedback_by_id', sa.Uuid(), nullable=True),
    sa.Column('feedback_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('feedback_read_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('sar_care_and_support_needs', sa.Boolean(), nullable=True),
    sa.Column('sar_joint_working_concern', sa.Boolean(), nullable=True),
    sa.Column('sar_harm', sa.String(length=32), nullable=True),
    sa.Column('sar_known_or_suspected', sa.Boolean(), nullable=True),
    sa.Column('sar_decision', sa.String(length=16), nullable=True),
    sa.Column('sar_decided_on', sa.Date(), nullable=True),
    sa.Column('sar_decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('sar_rationale_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('aware_on', sa.Date(), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('rapid_review_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('reminded', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_reviews_agency_id_agencies')),
    sa.ForeignKeyConstraint(['feedback_by_id'], ['users.id'], name=op.f('fk_reviews_feedback_by_id_users')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_reviews_raised_by_id_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['sar_decided_by_id'], ['users.id'], name=op.f('fk_reviews_sar_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_cspr_running', ['aware_on'], unique=False, postgresql_where=sa.text("kind = 'cspr' AND status <> 'closed'"), sqlite_where=sa.text("kind = 'cspr' AND status <> 'closed'"))
        batch_op.create_index('ix_reviews_kind_raised', ['kind', 'raised_at'], unique=False)
        batch_op.create_index('ix_reviews_raised_by', ['raised_by_id', 'raised_at'], unique=False)

    op.create_table('review_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('owner_role', sa.String(length=32), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalation', sa.Integer(), nullable=False),
    sa.Column('title_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_review_actions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_review_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_actions_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_actions'))
    )
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.create_index('ix_review_actions_agency_status', ['agency_id', 'status', 'due'], unique=False)
        batch_op.create_index('ix_review_actions_open_due', ['due'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_review_actions_review', ['review_id', 'due'], unique=False)

    op.create_table('review_agencies',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_review_agencies_agency_id_agencies')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_agencies_review_id_reviews')),
    sa.PrimaryKeyConstraint('review_id', 'agency_id', name=op.f('pk_review_agencies'))
    )
    with op.batch_alter_table('review_agencies', schema=None) as batch_op:
        batch_op.create_index('ix_review_agencies_agency', ['agency_id', 'review_id'], unique=False)

    op.create_table('review_cases',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_review_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_cases_review_id_reviews')),
    sa.PrimaryKeyConstraint('review_id', 'case_id', name=op.f('pk_review_cases'))
    )
    with op.batch_alter_table('review_cases', schema=None) as batch_op:
        batch_op.create_index('ix_review_cases_case', ['case_id'], unique=False)

    op.create_table('review_action_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('changed_by_id', sa.Uuid(), nullable=True),
    sa.Column('changed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['review_actions.id'], name=op.f('fk_review_action_changes_action_id_review_actions')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_review_action_changes_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_action_changes'))
    )
    with op.batch_alter_table('review_action_changes', schema=None) as batch_op:
        batch_op.create_index('ix_review_action_changes_action', ['action_id', 'changed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_action_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_review_action_changes_action')

    op.drop_table('review_action_changes')
    with op.batch_alter_table('review_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cases_case')

    op.drop_table('review_cases')
    with op.batch_alter_table('review_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_review_agencies_agency')

    op.drop_table('review_agencies')
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_review_actions_review')
        batch_op.drop_index('ix_review_actions_open_due', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_review_actions_agency_status')

    op.drop_table('review_actions')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_raised_by')
        batch_op.drop_index('ix_reviews_kind_raised')
        batch_op.drop_index('ix_reviews_cspr_running', postgresql_where=sa.text("kind = 'cspr' AND status <> 'closed'"), sqlite_where=sa.text("kind = 'cspr' AND status <> 'closed'"))

    op.drop_table('reviews')
