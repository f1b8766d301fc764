import os
import uuid

import pytest

from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference


@pytest.fixture(scope="session")
def library():
    return load_library()


@pytest.fixture(scope="session")
def reference():
    return load_reference()


PG = os.environ.get("ZORGCLAIM_TEST_POSTGRES_URL")  # set by scripts/with-postgres.sh (make test)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_url(request, tmp_path):
    """A function that gives a fresh, empty database URL on the backend of this run."""
    if request.param == "sqlite":
        yield lambda name: f"sqlite:///{tmp_path / name}"
        return
    if not PG:
        pytest.skip("no PostgreSQL server (make test starts one with scripts/with-postgres.sh)")
    from sqlalchemy import create_engine, text
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    made = []

    def make(name):
        db = f"zc_{uuid.uuid4().hex[:12]}"
        with admin.connect() as c:
            c.execute(text(f"CREATE DATABASE {db}"))
        made.append(db)
        return PG.rsplit("/", 1)[0] + "/" + db
    yield make
    with admin.connect() as c:
        for db in made:
            c.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
    admin.dispose()


def _fresh_database(backend: str, folder) -> tuple[str, callable]:
    """A new empty database URL on `backend` and a function that drops it."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'store.db'}", lambda: None
    if not PG:
        pytest.skip("no PostgreSQL server (make test starts one with scripts/with-postgres.sh)")
    from sqlalchemy import create_engine, text
    db = f"zc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {db}"))

    def drop():
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()
    return PG.rsplit("/", 1)[0] + "/" + db, drop


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service_book(request, tmp_path_factory):
    """A small decided book in a store, with users for every role (tests/service_support.py), on
    SQLite and on PostgreSQL; shared by the tests of one module."""
    from service_support import make_book
    folder = tmp_path_factory.mktemp(f"book-{request.param}")
    url, drop = _fresh_database(request.param, folder)
    book = make_book(folder, url)
    yield book
    book.ctx.engine.dispose()
    drop()
