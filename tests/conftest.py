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
