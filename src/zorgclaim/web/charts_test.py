"""The server-drawn charts: nothing a reader needs is cut off, and colours stay distinguishable."""

import re

from zorgclaim.web import charts
from zorgclaim.web.format import euro


def _texts(svg: str) -> list[str]:
    return re.findall(r"<(?:text|tspan)[^>]*>([^<]+)</", svg)


def test_a_long_bar_label_is_wrapped_whole_and_kept_whole_in_its_tooltip():
    label = "0613 Prestatie niet (volledig) declarabel volgens de verzekeringsvoorwaarden"
    svg = str(charts.bars([label, "0551 Geen machtiging afgegeven"], [209, 71], "Afgewezen"))
    assert " ".join(t for t in _texts(svg) if not t.isdigit()).startswith(label)
    assert f"<title>{label}: 209</title>" in svg


def test_wrap_breaks_between_words_and_ends_what_does_not_fit_with_an_ellipsis():
    assert charts.wrap("een twee drie", 8) == ["een twee", "drie"]
    lines = charts.wrap("woord " * 30, 20)
    assert len(lines) == 2 and lines[-1].endswith("…") and all(len(x) <= 20 for x in lines)


def test_the_left_margin_holds_the_peak_value_label():
    svg = str(charts.columns(["2026-01", "2026-02"], {"": [264532, 1000]}, "Eigen risico", euro))
    left = float(re.search(r'<text x="([\d.]+)" y="20" text-anchor="end"', svg).group(1))
    assert left >= charts.text_width(euro(264532), 11)


def test_more_series_than_colours_tell_apart_are_summed_as_other():
    series = {f"k{n}": [n, n] for n in range(14)}
    kept = charts.largest(series, "overige", keep=9)
    assert list(kept)[-1] == "overige" and len(kept) == 10
    assert kept["overige"] == [sum(range(5))] * 2          # k0..k4 are the smallest
    assert sum(sum(v) for v in kept.values()) == sum(sum(v) for v in series.values())
    assert charts.largest({"a": [1], "b": [2]}, "overige") == {"a": [1], "b": [2]}
