"""The engine's state as Parquet files: a round trip, and a folder written before a column existed."""

import datetime as dt

import polars as pl
import pytest

from zorgclaim.engine.state import EFFECTS_SCHEMA, State
from zorgclaim.formats.state_files import load_state, save_state
from zorgclaim.formats.tabular import InputError


def _effects() -> pl.DataFrame:
    return pl.DataFrame({"line_id": ["L1", "L2"], "counter_key": ["M1|vgz/natura|b", "M1|vgz/natura|b"],
                         "count": [1, 1], "pcount": [1, 1], "amount": [100, 100],
                         "period": [dt.date(2022, 3, 2), dt.date(2022, 7, 1)],
                         "prev_period": [None, dt.date(2022, 3, 2)], "prev_pcount": [0, 1]}, schema=EFFECTS_SCHEMA)


def test_a_saved_state_loads_as_it_was(tmp_path):
    save_state(State(effects=_effects()), tmp_path)
    assert load_state(tmp_path).effects.equals(_effects())


def test_effects_written_before_the_window_columns_load_as_no_earlier_window(tmp_path):
    save_state(State(effects=_effects()), tmp_path)
    _effects().drop("prev_period", "prev_pcount").write_parquet(tmp_path / "effects.parquet")
    effects = load_state(tmp_path).effects
    assert dict(effects.schema) == EFFECTS_SCHEMA
    assert effects["prev_period"].null_count() == 2 and effects["prev_pcount"].to_list() == [0, 0]


def test_a_file_with_other_columns_is_refused_by_name(tmp_path):
    save_state(State(), tmp_path)
    pl.DataFrame({"line_id": ["L1"], "something": [1]}).write_parquet(tmp_path / "effects.parquet")
    with pytest.raises(InputError, match="effects.parquet: not a zorgclaim state file"):
        load_state(tmp_path)
