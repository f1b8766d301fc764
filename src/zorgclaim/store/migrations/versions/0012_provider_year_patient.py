"""provider_year_patient: the provider-variance sums kept as lines are decided (backfilled from
the stored lines not on the work queue)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'provider_year_patient',
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.String(length=64), nullable=False),
        sa.Column('declared', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('provider', 'year', 'member_id'),
        sqlite_with_rowid=False,
    )
    year = ("CAST(EXTRACT(YEAR FROM service_date) AS INTEGER)" if op.get_bind().dialect.name == "postgresql"
            else "CAST(strftime('%Y', service_date) AS INTEGER)")
    op.execute(f"INSERT INTO provider_year_patient (provider, year, member_id, declared) "
               f"SELECT provider, {year}, member_id, SUM(declared) FROM claim_line "
               f"WHERE credits IS NULL AND declared > 0 AND line_id NOT IN (SELECT line_id FROM pending_line) "
               f"GROUP BY provider, {year}, member_id")


def downgrade() -> None:
    op.drop_table('provider_year_patient')
