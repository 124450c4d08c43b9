"""Consent: consent records, disclosure decisions and their IG reviews, information-sharing
agreements with their parties, the ground of each admission to a case, and the guided form's
encrypted drafts (free text in each is envelope-encrypted; nothing personal is stored in the clear)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:02:08.638519
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sharing_agreements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('case_kinds', sa.JSON(), nullable=False),
    sa.Column('art6_basis', sa.String(length=64), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=False),
    sa.Column('dpia_ref', sa.String(length=100), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sharing_agreements_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements'))
    )
    op.create_table('consent_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('given_by', sa.String(length=64), nullable=False),
    sa.Column('gillick_competent', sa.Boolean(), nullable=True),
    sa.Column('capacity_assessed', sa.Boolean(), nullable=False),
    sa.Column('capacity_outcome', sa.String(length=64), nullable=True),
    sa.Column('consent_type', sa.String(length=64), nullable=True),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('agencies', sa.JSON(), nullable=False),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('method', sa.String(length=64), nullable=True),
    sa.Column('advocate_present', sa.Boolean(), nullable=True),
    sa.Column('obtained_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_from', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('withdrawn_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_channel', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_by_id', sa.Uuid(), nullable=True),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('texts_version', sa.Integer(), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_consent_records_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consent_records_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consent_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_consent_records_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index('ix_consent_records_case', ['case_id', 'recorded_at'], unique=False)

    op.create_table('disclosure_drafts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('answers_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('answers_version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosure_drafts_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disclosure_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_drafts'))
    )
    with op.batch_alter_table('disclosure_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_drafts_owner', ['user_id', 'case_id'], unique=False)
        batch_op.create_index('ix_disclosure_drafts_updated', ['updated_at'], unique=False)

    op.create_table('sharing_agreement_parties',
    sa.Column('agreement_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sharing_agreement_parties_agency_id_agencies')),
    sa.ForeignKeyConstraint(['agreement_id'], ['sharing_agreements.id'], name=op.f('fk_sharing_agreement_parties_agreement_id_sharing_agreements')),
    sa.PrimaryKeyConstraint('agreement_id', 'agency_id', name=op.f('pk_sharing_agreement_parties'))
    )
    with op.batch_alter_table('sharing_agreement_parties', schema=None) as batch_op:
        batch_op.create_index('ix_sharing_agreement_parties_agency', ['agency_id', 'agreement_id'], unique=False)

    op.create_table('disclosure_decisions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=False),
    sa.Column('decision_maker_role', sa.String(length=200), nullable=True),
    sa.Column('subject_category', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=64), nullable=False),
    sa.Column('date_received', sa.Date(), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('regime', sa.String(length=64), nullable=False),
    sa.Column('art6_basis', sa.String(length=64), nullable=True),
    sa.Column('special_category', sa.Boolean(), nullable=False),
    sa.Column('art9_condition', sa.String(length=64), nullable=True),
    sa.Column('sch1_condition', sa.String(length=64), nullable=True),
    sa.Column('sch8_condition', sa.String(length=64), nullable=True),
    sa.Column('legal_power', sa.String(length=64), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('confidentiality_override', sa.String(length=64), nullable=True),
    sa.Column('consent_status', sa.String(length=64), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=True),
    sa.Column('no_consent_reason', sa.String(length=64), nullable=True),
    sa.Column('subject_informed', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('advice_sought', sa.JSON(), nullable=False),
    sa.Column('quality_checks', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('security_marking', sa.String(length=64), nullable=True),
    sa.Column('dsa_ref', sa.String(length=100), nullable=True),
    sa.Column('dpia_ref', sa.String(length=100), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('supersedes_id', sa.Uuid(), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('decided_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('texts_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_disclosure_decisions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosure_decisions_case_id_cases')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent_records.id'], name=op.f('fk_disclosure_decisions_consent_id_consent_records')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_disclosure_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['disclosure_decisions.id'], name=op.f('fk_disclosure_decisions_supersedes_id_disclosure_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_decisions'))
    )
    with op.batch_alter_table('disclosure_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_decisions_agency_review', ['agency_id', 'needs_review', 'decided_at'], unique=False)
        batch_op.create_index('ix_disclosure_decisions_decided_by', ['decided_by_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_disclosure_decisions_case', ['case_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_disclosure_decisions_decided', ['decided_at'], unique=False)
        batch_op.create_index('uq_disclosure_decisions_supersedes', ['supersedes_id'], unique=True)

    op.create_table('case_admission_grounds',
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('agreement_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['sharing_agreements.id'], name=op.f('fk_case_admission_grounds_agreement_id_sharing_agreements')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_admission_grounds_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['disclosure_decisions.id'], name=op.f('fk_case_admission_grounds_decision_id_disclosure_decisions')),
    sa.ForeignKeyConstraint(['membership_id'], ['case_memberships.id'], name=op.f('fk_case_admission_grounds_membership_id_case_memberships')),
    sa.PrimaryKeyConstraint('membership_id', name=op.f('pk_case_admission_grounds'))
    )
    with op.batch_alter_table('case_admission_grounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_admission_grounds_case_id'), ['case_id'], unique=False)

    op.create_table('disclosure_reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('comment_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('reviewed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosure_reviews_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['disclosure_decisions.id'], name=op.f('fk_disclosure_reviews_decision_id_disclosure_decisions')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_disclosure_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_reviews')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_disclosure_reviews_decision_id'))
    )


def downgrade() -> None:
    op.drop_table('disclosure_reviews')
    with op.batch_alter_table('case_admission_grounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_admission_grounds_case_id'))

    op.drop_table('case_admission_grounds')
    with op.batch_alter_table('disclosure_decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_disclosure_decisions_supersedes')
        batch_op.drop_index('ix_disclosure_decisions_decided')
        batch_op.drop_index('ix_disclosure_decisions_case')
        batch_op.drop_index('ix_disclosure_decisions_decided_by')
        batch_op.drop_index('ix_disclosure_decisions_agency_review')

    op.drop_table('disclosure_decisions')
    with op.batch_alter_table('sharing_agreement_parties', schema=None) as batch_op:
        batch_op.drop_index('ix_sharing_agreement_parties_agency')

    op.drop_table('sharing_agreement_parties')
    with op.batch_alter_table('disclosure_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosure_drafts_updated')
        batch_op.drop_index('ix_disclosure_drafts_owner')

    op.drop_table('disclosure_drafts')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_records_case')

    op.drop_table('consent_records')
    op.drop_table('sharing_agreements')
