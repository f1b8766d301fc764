"""provider_year: patients and declared amount per provider and year of service, kept by triggers
on provider_year_patient (backfilled from it)

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# a new (provider, year, patient) row: one patient more and its amount; an amount added to a row
# (the upsert of store/variance.py): the difference
ADD = ("INSERT INTO provider_year (provider, year, patients, declared) VALUES (NEW.provider, NEW.year, 1, NEW.declared) "
       "ON CONFLICT (provider, year) DO UPDATE SET patients = provider_year.patients + 1, "
       "declared = provider_year.declared + excluded.declared")
CHANGE = ("UPDATE provider_year SET declared = declared + NEW.declared - OLD.declared "
          "WHERE provider = NEW.provider AND year = NEW.year")


def upgrade() -> None:
    op.create_table(
        'provider_year',
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('patients', sa.BigInteger(), nullable=False),
        sa.Column('declared', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('provider', 'year'),
    )
    op.execute("INSERT INTO provider_year (provider, year, patients, declared) "
               "SELECT provider, year, COUNT(*), SUM(declared) FROM provider_year_patient GROUP BY provider, year")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION provider_year_add() RETURNS trigger AS $$ BEGIN {ADD}; RETURN NULL; END $$ "
                   "LANGUAGE plpgsql")
        op.execute(f"CREATE FUNCTION provider_year_change() RETURNS trigger AS $$ BEGIN {CHANGE}; RETURN NULL; END $$ "
                   "LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER provider_year_add AFTER INSERT ON provider_year_patient "
                   "FOR EACH ROW EXECUTE FUNCTION provider_year_add()")
        op.execute("CREATE TRIGGER provider_year_change AFTER UPDATE OF declared ON provider_year_patient "
                   "FOR EACH ROW EXECUTE FUNCTION provider_year_change()")
    else:
        op.execute(f"CREATE TRIGGER provider_year_add AFTER INSERT ON provider_year_patient BEGIN {ADD}; END")
        op.execute(f"CREATE TRIGGER provider_year_change AFTER UPDATE OF declared ON provider_year_patient "
                   f"BEGIN {CHANGE}; END")


def downgrade() -> None:
    op.execute("DROP TRIGGER provider_year_change" + (" ON provider_year_patient" if op.get_bind().dialect.name == "postgresql" else ""))
    op.execute("DROP TRIGGER provider_year_add" + (" ON provider_year_patient" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION provider_year_change()")
        op.execute("DROP FUNCTION provider_year_add()")
    op.drop_table('provider_year')
