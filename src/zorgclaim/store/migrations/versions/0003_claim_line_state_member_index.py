"""claim_line (state, member_id) index: the next batch reads the head of it

Revision ID: 0003
Revises: 0002
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_claim_line_state_member', 'claim_line', ['state', 'member_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_claim_line_state_member', table_name='claim_line')
