"""member_deductible: the deductible used per member and year, kept as engine state is written
(backfilled from state_history); state_effect's line_id index goes (the unique (line_id,
counter_key) index finds a line's effects)

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'member_deductible',
        sa.Column('member_id', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('used', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'year'),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO member_deductible (member_id, year, used) SELECT member_id, ded_year, SUM(deductible) "
               "FROM state_history GROUP BY member_id, ded_year HAVING SUM(deductible) <> 0")
    op.drop_index('ix_state_effect_line_id', table_name='state_effect')


def downgrade() -> None:
    op.create_index('ix_state_effect_line_id', 'state_effect', ['line_id'])
    op.drop_table('member_deductible')
