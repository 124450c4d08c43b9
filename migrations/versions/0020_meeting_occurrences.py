"""meetings: each meeting of a series is a row of its own (its cases, capacity, register and
minutes), linked to the series' first meeting with the start its rule gives it (RECURRENCE-ID)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:00:00.000000

The series convened before this revision get their later meetings here, expanded from the RRULE in
the policy's zone (HUB_CONFIG's ``[policy] timezone``, Europe/London by default); the reminders
already sent for them move to the meeting they were for, so none is sent twice.
"""

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import hub.db
from hub.config import read_config_file
from meetings.calendar import series_starts

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_meetings = sa.table(
    'meetings',
    *(sa.column(name, type_) for name, type_ in (
        ('id', sa.Uuid()), ('uid', sa.String()), ('series_id', sa.Uuid()),
        ('recurrence_id', hub.db.UTCDateTime()), ('kind', sa.String()), ('status', sa.String()),
        ('organiser_agency_id', sa.Integer()), ('organiser_id', sa.Uuid()),
        ('starts_at', hub.db.UTCDateTime()), ('ends_at', hub.db.UTCDateTime()),
        ('location', sa.String()), ('rrule', sa.String()), ('capacity', sa.Integer()),
        ('decided_at', hub.db.UTCDateTime()), ('target_date', sa.Date()), ('sequence', sa.Integer()),
        ('texts_ciphertext', sa.LargeBinary()), ('texts_version', sa.Integer()),
        ('created_at', hub.db.UTCDateTime()), ('updated_at', hub.db.UTCDateTime()))))
_cases = sa.table('meeting_cases', sa.column('meeting_id', sa.Uuid()), sa.column('case_id', sa.Uuid()),
                  sa.column('position', sa.Integer()))
_reminders = sa.table('meeting_reminders', sa.column('meeting_id', sa.Uuid()),
                      sa.column('occurs_at', hub.db.UTCDateTime()))

_COPIED = ('kind', 'status', 'organiser_agency_id', 'organiser_id', 'location', 'capacity', 'decided_at',
           'target_date', 'created_at', 'updated_at')


def _zone() -> ZoneInfo:
    path = os.environ.get('HUB_CONFIG')
    policy = read_config_file(Path(path)).get('policy', {}) if path else {}
    return ZoneInfo(policy.get('timezone', 'Europe/London'))


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('recurrence_id', hub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('texts_ciphertext', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.drop_constraint('uq_meetings_uid', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_meetings_series_id'), ['series_id', 'recurrence_id'])
        batch_op.create_index('ux_meetings_uid', ['uid'], unique=True,
                              sqlite_where=sa.text('series_id IS NULL'),
                              postgresql_where=sa.text('series_id IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_meetings_series_id_meetings'), 'meetings',
                                    ['series_id'], ['id'])
    connection = op.get_bind()
    series = connection.execute(sa.select(_meetings).where(_meetings.c.rrule.is_not(None))).all()
    if not series:
        return
    zone = _zone()
    for first in series:
        length = first.ends_at - first.starts_at
        cases = connection.execute(sa.select(_cases.c.case_id, _cases.c.position)
                                   .where(_cases.c.meeting_id == first.id)).all()
        for start in series_starts(first.starts_at, first.rrule, zone)[1:]:
            later = uuid.uuid4()
            connection.execute(sa.insert(_meetings).values(
                id=later, uid=first.uid, series_id=first.id, recurrence_id=start, starts_at=start,
                ends_at=start + length, rrule=None, sequence=0, texts_ciphertext=None, texts_version=1,
                **{name: getattr(first, name) for name in _COPIED}))
            if cases:
                connection.execute(sa.insert(_cases), [
                    {'meeting_id': later, 'case_id': case_id, 'position': position}
                    for case_id, position in cases])
            connection.execute(sa.update(_reminders).where(_reminders.c.meeting_id == first.id,
                                                           _reminders.c.occurs_at == start)
                               .values(meeting_id=later))


def downgrade() -> None:
    connection = op.get_bind()
    later = sa.select(_meetings.c.id).where(_meetings.c.series_id.is_not(None))
    for kept in ('meeting_attendance', 'meeting_acknowledgements', 'meeting_minutes', 'marac_research'):
        table = sa.table(kept, sa.column('meeting_id', sa.Uuid()))
        if connection.scalar(sa.select(sa.func.count()).where(table.c.meeting_id.in_(later))):
            raise RuntimeError(f"{kept} holds rows for the later meetings of a series, which this "
                               "revision made; going back would lose them")
    referrals = sa.table('marac_referrals', sa.column('listed_meeting_id', sa.Uuid()))
    connection.execute(sa.update(referrals).where(referrals.c.listed_meeting_id.in_(later)).values(
        listed_meeting_id=sa.select(_meetings.c.series_id)
        .where(_meetings.c.id == referrals.c.listed_meeting_id).scalar_subquery()))
    connection.execute(sa.delete(_reminders).where(_reminders.c.meeting_id.in_(later)))
    connection.execute(sa.delete(_cases).where(_cases.c.meeting_id.in_(later)))
    connection.execute(sa.delete(_meetings).where(_meetings.c.series_id.is_not(None)))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_series_id_meetings'), type_='foreignkey')
        batch_op.drop_index('ux_meetings_uid', sqlite_where=sa.text('series_id IS NULL'),
                            postgresql_where=sa.text('series_id IS NULL'))
        batch_op.drop_constraint(batch_op.f('uq_meetings_series_id'), type_='unique')
        batch_op.create_unique_constraint('uq_meetings_uid', ['uid'])
        batch_op.alter_column('texts_ciphertext', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('recurrence_id')
        batch_op.drop_column('series_id')
