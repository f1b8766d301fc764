"""A new SQLite store is made with 16 KiB pages and the connection settings; an existing store
keeps the page size it was made with."""

import sqlite3

from zorgclaim.store.db import SQLITE_PAGE_SIZE, connect


def _pragma(engine, name):
    with engine.connect() as c:
        return c.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_a_new_store_gets_big_pages_and_the_settings(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'new.db'}")
    assert _pragma(engine, "page_size") == SQLITE_PAGE_SIZE
    assert _pragma(engine, "journal_mode") == "wal"
    assert _pragma(engine, "cache_size") == -65536
    assert _pragma(engine, "wal_autocheckpoint") == 20000


def test_an_existing_store_keeps_its_page_size(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")          # made with SQLite's default page size
    conn.close()
    assert _pragma(connect(f"sqlite:///{path}"), "page_size") == 4096
