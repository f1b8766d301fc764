"""The store: SQLAlchemy 2 models, Alembic migrations, idempotent intake, and processing pending
lines in batches (one transaction per batch). SQLite in $ZORGCLAIM_HOME by default; any
SQLAlchemy URL in ZORGCLAIM_DATABASE_URL. The engine stays pure: this package loads its inputs
and saves its outputs."""
