"""Meetings: an index of meetings by the person who convened them, by time ("my meetings")

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:25:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_meetings_organiser', 'meetings', ['organiser_id', 'starts_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_meetings_organiser', table_name='meetings')
