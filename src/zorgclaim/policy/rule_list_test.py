from pathlib import Path

from zorgclaim.policy import load_library
from zorgclaim.policy.rule_list import rule_list

DOC = Path(__file__).resolve().parents[3] / "docs" / "rule-list.md"


def test_the_committed_rule_list_is_what_the_data_says():
    """docs/rule-list.md is generated: regenerate it (python -m zorgclaim.policy.rule_list > docs/rule-list.md)
    when a check, benefit, restriction, parameter or review rule changes."""
    text = rule_list(load_library())
    assert "| co-payment | pricing | partial | 0613 |" in text
    assert DOC.read_text() == text


def test_every_benefit_and_check_is_listed_with_a_source():
    lib = load_library()
    text = rule_list(lib)
    for bs in lib.benefits.values():
        for b in bs:
            assert f"| {b.id}: " in text
    assert text.count("\n| ") > 150


def test_a_dated_deductible_splits_the_benefit_table_by_date_and_is_listed():
    import datetime as dt

    import polars as pl

    from zorgclaim.policy.library import load_library
    lib = load_library()
    rows = lib.benefit_table.filter((pl.col("product") == "vgz/natura") & (pl.col("benefit") == "fysio-artrose"))
    by_day = {r["seg_from"]: r["deductible"] for r in rows.iter_rows(named=True)}
    assert by_day[dt.date(2026, 1, 1)] is False and all(v for d, v in by_day.items() if d < dt.date(2026, 1, 1))
    assert "deductible: yes from 2018-01-01, no from 2026-01-01" in rule_list(lib)
