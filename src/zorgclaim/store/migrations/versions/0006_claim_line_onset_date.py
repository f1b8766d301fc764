"""claim_line.onset_date: when the condition began (the CVA, the diagnosis), for rules that count
from it (lange zitting)

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onset_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_column('onset_date')
