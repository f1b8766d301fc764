"""state_effect.prev_period, prev_pcount: for a line that started a new window of a count limit on
an authorization, the window before it and its count, so that a credit of the line brings that
window back

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('state_effect', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_period', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('prev_pcount', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('state_effect', schema=None) as batch_op:
        batch_op.drop_column('prev_pcount')
        batch_op.drop_column('prev_period')
