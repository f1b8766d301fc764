"""A small generated book taken through the store (intake, process in batches) gives, line by line,
the decisions and money recorded in tests/golden/book-decisions.csv, and the ledger the recorded
trial balance (first recorded with the code before the store's compact explanations and the
faster state read, so a change of the store's write or read path that changes a decision or a cent
fails here; recorded again only with a change of the rules, its reason in the commit).

A deliberate change of the rules or of the generator: record again with
    python tests/test_books_golden.py
and review the difference in the commit.
"""

import datetime as dt
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "book-decisions.csv"
BALANCE = HERE / "golden" / "book-trial-balance.csv"


def books(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from zorgclaim.demo.generate import generate
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    from zorgclaim.store.db import connect
    from zorgclaim.store.ledger import trial_balance
    from zorgclaim.store.repository import decisions_frame, intake, process
    lib, ref = load_library(), load_reference()
    book = generate(lib, ref, members=300, lines=4000, seed=20261126)
    engine = connect(f"sqlite:///{folder / 'golden.db'}")
    for k, (_, part) in enumerate(book.lines.sort("received").group_by(
            pl.col("received").dt.month_end(), maintain_order=True)):
        intake(engine, part, f"month-{k}", f"golden-{k}", part["received"].max())
        process(engine, book.world, batch_size=700, booked=dt.date(2026, 1, 31))
    decisions = decisions_frame(engine).sort("line_id")
    return decisions, trial_balance(engine)


def test_the_books_of_a_small_book_are_as_recorded(tmp_path):
    decisions, balance = books(tmp_path)
    golden = pl.read_csv(GOLDEN, schema=decisions.schema)
    assert decisions.height == golden.height > 3000
    diff = decisions.join(golden, on="line_id", how="full", suffix="_recorded").filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_recorded")) for c in decisions.columns if c != "line_id"))
    assert diff.is_empty(), f"{diff.height} lines differ from the record, e.g. {diff.head(3).to_dicts()}"
    assert balance.equals(pl.read_csv(BALANCE, schema=balance.schema))
    assert balance["balance"].sum() == 0


if __name__ == "__main__":
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        decisions, balance = books(Path(d))
    decisions.write_csv(GOLDEN)
    balance.write_csv(BALANCE)
    print(f"recorded {GOLDEN} ({decisions.height} lines) and {BALANCE}", file=sys.stderr)
