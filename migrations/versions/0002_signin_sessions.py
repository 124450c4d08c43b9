"""sign-in and sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:27:01.440589
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_limit_buckets',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_limit_buckets'))
    )
    op.create_table('seen_logout_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('seen_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_logout_tokens')),
    sa.UniqueConstraint('issuer', 'jti', name='uq_seen_logout_tokens_issuer_jti')
    )
    with op.batch_alter_table('seen_logout_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_logout_tokens_seen_at'), ['seen_at'], unique=False)

    op.create_table('signin_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('next_path', sa.String(length=500), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_attempts')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_signin_attempts_state_hash'))
    )
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_attempts_created_at'), ['created_at'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('sid', sa.String(length=255), nullable=True),
    sa.Column('auth_time', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('absolute_expiry', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_sid'), ['sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_sid'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_attempts_created_at'))

    op.drop_table('signin_attempts')
    with op.batch_alter_table('seen_logout_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_logout_tokens_seen_at'))

    op.drop_table('seen_logout_tokens')
    op.drop_table('rate_limit_buckets')
