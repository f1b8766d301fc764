"""line_attachment: a document sent with a line (a member's nota as PDF or photo)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'line_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=100), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_line_attachment_line_id', 'line_attachment', ['line_id'])


def downgrade() -> None:
    op.drop_index('ix_line_attachment_line_id', table_name='line_attachment')
    op.drop_table('line_attachment')
