"""Meetings: the attendance register, confidentiality acknowledgements, private calendar feeds,
MAPPA category and level with review-due alerts, reminders sent, and versioned encrypted minutes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:06:09.404413
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index('ux_calendar_feeds_live', ['user_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('mappa_management',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('set_by', sa.Uuid(), nullable=False),
    sa.Column('set_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_mappa_management_case_id_cases')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_mappa_management_set_by_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_mappa_management'))
    )
    with op.batch_alter_table('mappa_management', schema=None) as batch_op:
        batch_op.create_index('ix_mappa_management_next_review', ['next_review'], unique=False)

    op.create_table('mappa_review_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('proposed_date', sa.Date(), nullable=False),
    sa.Column('raised_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_mappa_review_alerts_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mappa_review_alerts')),
    sa.UniqueConstraint('case_id', 'due_date', name=op.f('uq_mappa_review_alerts_case_id'))
    )
    op.create_table('meeting_acknowledgements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('acknowledged_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_acknowledgements_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_acknowledgements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_acknowledgements')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_acknowledgements_meeting_id'))
    )
    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_meeting_attendance_agency_id_agencies')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_meeting_attendance_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'agency_id', name=op.f('uq_meeting_attendance_meeting_id'))
    )
    op.create_table('meeting_minutes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('written_by', sa.Uuid(), nullable=False),
    sa.Column('written_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_minutes_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['written_by'], ['users.id'], name=op.f('fk_meeting_minutes_written_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes')),
    sa.UniqueConstraint('meeting_id', 'version', name=op.f('uq_meeting_minutes_meeting_id'))
    )
    op.create_table('meeting_reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurs_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_reminders_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_reminders')),
    sa.UniqueConstraint('meeting_id', 'kind', 'occurs_at', name=op.f('uq_meeting_reminders_meeting_id'))
    )


def downgrade() -> None:
    op.drop_table('meeting_reminders')
    op.drop_table('meeting_minutes')
    op.drop_table('meeting_attendance')
    op.drop_table('meeting_acknowledgements')
    op.drop_table('mappa_review_alerts')
    with op.batch_alter_table('mappa_management', schema=None) as batch_op:
        batch_op.drop_index('ix_mappa_management_next_review')

    op.drop_table('mappa_management')
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index('ux_calendar_feeds_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('calendar_feeds')
