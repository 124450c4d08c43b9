"""Meetings: strategy meetings, MARAC and MAPPA convened against the law's clocks, with the cases
they consider and the people invited (title and late reason encrypted)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('uid', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('organiser_agency_id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('rrule', sa.String(length=200), nullable=True),
    sa.Column('decided_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('texts_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('texts_version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organiser_agency_id'], ['agencies.id'], name=op.f('fk_meetings_organiser_agency_id_agencies')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_meetings_organiser_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_starts_at', ['starts_at'], unique=False)

    op.create_table('meeting_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_cases_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_cases')),
    sa.UniqueConstraint('meeting_id', 'case_id', name=op.f('uq_meeting_cases_meeting_id'))
    )
    with op.batch_alter_table('meeting_cases', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_cases_case', ['case_id'], unique=False)

    op.create_table('meeting_invitees',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('partstat', sa.String(length=16), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_meeting_invitees_agency_id_agencies')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_invitees_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitees')),
    sa.UniqueConstraint('meeting_id', 'email', name=op.f('uq_meeting_invitees_meeting_id'))
    )
    with op.batch_alter_table('meeting_invitees', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_invitees_email', ['email'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_invitees', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_invitees_email')
    op.drop_table('meeting_invitees')
    with op.batch_alter_table('meeting_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_cases_case')
    op.drop_table('meeting_cases')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_starts_at')
    op.drop_table('meetings')
