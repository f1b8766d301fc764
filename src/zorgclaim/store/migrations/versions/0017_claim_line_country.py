"""claim_line.country: where the care was given (ISO 3166-1 alpha-2; empty: the Netherlands), for
care abroad paid up to the Dutch tariff

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_column('country')
