from zorgclaim.engine.explain import T, render_step


def test_templates_cover_the_same_checks_in_both_languages():
    assert set(T["nl"]) == set(T["en"])


def test_render_money_and_code():
    step = {"check": "price-contract", "code": "0611",
            "params": '{"unit_rate": 3650, "quantity": 1, "price": 3650, "declared": 3850}'}
    assert render_step(step, "nl") == "Tarief: gecontracteerd tarief € 36,50 x 1 = € 36,50 (gedeclareerd € 38,50). [0611]"
    assert "contracted tariff € 36,50" in render_step(step, "en")


def test_unknown_check_falls_back_to_its_name():
    assert render_step({"check": "something-new", "params": "{}"}, "en") == "something-new"
