"""sign-in attempts are bound to the browser that started them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An attempt lives ten minutes and one started before the upgrade has no browser secret to be
    # checked against: it could only be refused, so it goes (the person just signs in again).
    op.execute(sa.text("DELETE FROM signin_attempts"))
    # SQLite cannot add a NOT NULL column without a default in place: copy the table instead.
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table('signin_attempts', schema=None, recreate=recreate) as batch_op:
        batch_op.add_column(sa.Column('browser_hash', sa.String(length=64), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.drop_column('browser_hash')
