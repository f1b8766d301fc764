"""prior_treatment: treatments given before the member came to this insurer (the provider's
statement after a switch during a chronic trajectory)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'prior_treatment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.String(length=64), nullable=False),
        sa.Column('benefit', sa.String(length=64), nullable=False),
        sa.Column('diagnosis', sa.String(length=16), nullable=False),
        sa.Column('started', sa.Date(), nullable=False),
        sa.Column('treatments', sa.Integer(), nullable=False),
        sa.Column('entered_by', sa.String(length=100), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.CheckConstraint('treatments > 0', name='ck_prior_treatment_positive'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_prior_treatment_member_id', 'prior_treatment', ['member_id'])


def downgrade() -> None:
    op.drop_index('ix_prior_treatment_member_id', table_name='prior_treatment')
    op.drop_table('prior_treatment')
