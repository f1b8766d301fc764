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
