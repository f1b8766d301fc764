from zorgclaim.app.failures import where


def test_where_names_the_kind_and_place_never_the_message():
    try:
        int("111222333x")
    except ValueError as e:
        text = where(e)
    assert text.startswith("ValueError at ") and "failures_test.py:" in text
    assert "111222333" not in text
