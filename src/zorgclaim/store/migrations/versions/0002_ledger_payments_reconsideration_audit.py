"""ledger payments reconsideration audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:37:15.130977
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    lock = op.create_table('store_lock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(lock, [{'id': 1, 'n': 0}])
    op.create_table('added_authorization',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('benefit', sa.String(length=64), nullable=False),
    sa.Column('from', sa.Date(), nullable=False),
    sa.Column('to', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('added_authorization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_added_authorization_member_id'), ['member_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_line_id'), ['line_id'], unique=False)

    op.create_table('deductible_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deductible_invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deductible_invoice_member_id'), ['member_id'], unique=False)

    op.create_table('payment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('execution_date', sa.Date(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('file', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ledger_transaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('booked', sa.Date(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('payment_run_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.ForeignKeyConstraint(['payment_run_id'], ['payment_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transaction_booked'), ['booked'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('end_to_end', sa.String(length=35), nullable=False),
    sa.CheckConstraint('amount > 0', name='payment_amount_positive'),
    sa.ForeignKeyConstraint(['run_id'], ['payment_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('end_to_end')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_run_id'), ['run_id'], unique=False)

    op.create_table('reconsideration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('credit_line_id', sa.String(length=64), nullable=True),
    sa.Column('new_line_id', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['claim_line.line_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconsideration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconsideration_line_id'), ['line_id'], unique=False)

    op.create_table('transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=True),
    sa.Column('debit', sa.String(length=80), nullable=False),
    sa.Column('credit', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.CheckConstraint('amount > 0', name='transfer_amount_positive'),
    sa.CheckConstraint('debit <> credit', name='transfer_two_accounts'),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transaction.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_credit'), ['credit'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_debit'), ['debit'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('deductible_invoice_item',
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['deductible_invoice.id'], ),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], ),
    sa.PrimaryKeyConstraint('transfer_id')
    )
    with op.batch_alter_table('deductible_invoice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deductible_invoice_item_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_by', sa.String(length=64), nullable=True))



def downgrade() -> None:
    op.drop_table('store_lock')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('superseded_by')

    with op.batch_alter_table('deductible_invoice_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deductible_invoice_item_invoice_id'))

    op.drop_table('deductible_invoice_item')
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_line_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_debit'))
        batch_op.drop_index(batch_op.f('ix_transfer_credit'))

    op.drop_table('transfer')
    with op.batch_alter_table('reconsideration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconsideration_line_id'))

    op.drop_table('reconsideration')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_run_id'))
        batch_op.drop_index(batch_op.f('ix_payment_account'))

    op.drop_table('payment')
    with op.batch_alter_table('ledger_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transaction_booked'))

    op.drop_table('ledger_transaction')
    op.drop_table('payment_run')
    with op.batch_alter_table('deductible_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deductible_invoice_member_id'))

    op.drop_table('deductible_invoice')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_line_id'))

    op.drop_table('audit_event')
    with op.batch_alter_table('added_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_added_authorization_member_id'))

    op.drop_table('added_authorization')
