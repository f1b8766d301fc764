"""state_history: indexes for reading only the rows a batch can touch (service key, credited
line) and the deductible per member-year from an index alone (member, year, deductible; it takes
the place of the member index)

Revision ID: 0013
Revises: 0012
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_state_history_member_year', 'state_history', ['member_id', 'ded_year', 'deductible'])
    op.drop_index('ix_state_history_member_id', table_name='state_history')
    op.create_index('ix_state_history_svc_key', 'state_history', ['svc_key'])
    op.create_index('ix_state_history_credits', 'state_history', ['credits'])


def downgrade() -> None:
    op.drop_index('ix_state_history_credits', table_name='state_history')
    op.drop_index('ix_state_history_svc_key', table_name='state_history')
    op.create_index('ix_state_history_member_id', 'state_history', ['member_id'])
    op.drop_index('ix_state_history_member_year', table_name='state_history')
