"""a pending_line work queue; claim_line becomes insert-only (its state column goes)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_line',
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['claim_line.line_id'], ),
    sa.PrimaryKeyConstraint('line_id')
    )
    with op.batch_alter_table('pending_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_line_member_id'), ['member_id'], unique=False)
    op.execute("INSERT INTO pending_line (line_id, member_id) SELECT line_id, member_id FROM claim_line WHERE state = 'pending'")
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_line_state_member')
        batch_op.drop_index(batch_op.f('ix_claim_line_state'))
        batch_op.drop_column('state')


def downgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='decided'))
        batch_op.create_index(batch_op.f('ix_claim_line_state'), ['state'], unique=False)
        batch_op.create_index('ix_claim_line_state_member', ['state', 'member_id'], unique=False)
    op.execute("UPDATE claim_line SET state = 'pending' WHERE line_id IN (SELECT line_id FROM pending_line)")
    op.drop_table('pending_line')
