"""deductible_uninvoiced: the deductible transfers no invoice has collected yet (backfilled)

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deductible_uninvoiced',
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id']),
        sa.PrimaryKeyConstraint('transfer_id'),
    )
    op.execute("INSERT INTO deductible_uninvoiced (transfer_id) SELECT id FROM transfer "
               "WHERE ((debit >= 'deductible:' AND debit < 'deductible;') OR (credit >= 'deductible:' AND credit < 'deductible;')) "
               "AND id NOT IN (SELECT transfer_id FROM deductible_invoice_item)")


def downgrade() -> None:
    op.drop_table('deductible_uninvoiced')
