"""Where the database is, and bringing it up to date with the Alembic migrations."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url() -> str:
    url = os.environ.get("ZORGCLAIM_DATABASE_URL")
    if url:
        return url
    home = Path(os.environ.get("ZORGCLAIM_HOME", ".zorgclaim"))
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'zorgclaim.db'}"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


# A new SQLite store gets 16 KiB pages: a batch inserts into a dozen indexes at scattered keys,
# and with bigger pages the trees are shallower and a commit writes fewer pages (books-demo: about
# 1.5 s of 26 faster than with the default 4 KiB; docs/performance.md). A page size is fixed when
# the file is made; an existing store keeps its own.
SQLITE_PAGE_SIZE = 16384


def _new_sqlite_file(url: str) -> None:
    """Create the SQLite file of `url` with SQLITE_PAGE_SIZE pages, when it does not exist yet."""
    path = make_url(url).database
    if not path or path == ":memory:" or Path(path).exists():
        return
    import sqlite3
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        conn.execute("VACUUM")              # writes the header, so the page size holds
    finally:
        conn.close()


def connect(url: str | None = None, migrate: bool = True) -> Engine:
    """An engine for `url` (default: database_url()), migrated to the newest schema."""
    url = url or database_url()
    if url.startswith("sqlite"):
        _new_sqlite_file(url)
    if migrate:
        command.upgrade(alembic_config(url), "head")
    sqlite = url.startswith("sqlite")
    # SQLite has one writer at a time: wait for the other writer rather than fail
    engine = create_engine(url, connect_args={"timeout": 120} if sqlite else {})
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _):
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # A batch inserts into a dozen indexes at scattered keys (members, services, accounts),
            # so it dirties thousands of pages. The default 2 MiB page cache re-read them from
            # disk, and a checkpoint after every 1,000 WAL pages wrote the same pages to the
            # database again and again (books-demo: 1.3M page writes). A 64 MiB cache (allocated
            # as used) and a checkpoint every 20,000 pages (~80 MiB of WAL) cut books-demo by
            # about 1.5 s of 27 (docs/performance.md). Durability is unchanged: every commit still
            # syncs the WAL.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA wal_autocheckpoint=20000")
            cur.close()
    return engine
