"""account_balance: each account's balance kept with its transfers; an index on transfer.due
(payment runs read the balance and the recent legs, not the whole ledger)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'account_balance',
        sa.Column('account', sa.String(length=80), nullable=False),
        sa.Column('balance', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('account'),
    )
    op.create_index('ix_transfer_due', 'transfer', ['due'])
    # the balances of the transfers booked before this revision
    op.execute("INSERT INTO account_balance (account, balance) SELECT account, SUM(amount) FROM ("
               "SELECT credit AS account, amount FROM transfer UNION ALL SELECT debit, -amount FROM transfer) AS legs "
               "GROUP BY account")


def downgrade() -> None:
    op.drop_index('ix_transfer_due', table_name='transfer')
    op.drop_table('account_balance')
