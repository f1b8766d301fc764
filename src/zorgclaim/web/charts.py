"""Small charts as SVG, drawn on the server: columns (optionally stacked) and horizontal bars.
Each is an image with a title and a description for screen readers; the page puts the same
numbers in a table beside it."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#0b5394", "#c55a11", "#38761d", "#7f6000", "#741b47", "#134f5c", "#5b5b5b", "#a61c00",
           "#6fa8dc", "#f6b26b", "#93c47d", "#ffd966", "#c27ba0", "#76a5af", "#b7b7b7", "#e06666"]


def _svg(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    return Markup(f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
                  f'{body}</svg>')


def columns(labels: list[str], series: dict[str, list[float]], title: str, fmt=str, height: int = 220) -> Markup:
    """Columns per label, stacked over the series (one series: plain columns); value labels by `fmt`."""
    n, left, bottom, top = max(len(labels), 1), 60, 40, 10
    width = max(420, 48 * n + left)
    totals = [sum(s[k] for s in series.values()) for k in range(len(labels))]
    peak = max(totals + [1])
    step = (width - left - 10) / n
    plot = height - bottom - top
    parts = [f'<line x1="{left}" y1="{top + plot}" x2="{width - 5}" y2="{top + plot}" stroke="#6b7684"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{escape(fmt(peak))}</text>']
    for k, label in enumerate(labels):
        base = top + plot
        for j, (name, values) in enumerate(series.items()):
            h = plot * values[k] / peak
            base -= h
            parts.append(f'<rect x="{left + k * step + 4:.1f}" y="{base:.1f}" width="{step - 8:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)} {escape(name)}: '
                         f'{escape(fmt(values[k]))}</title></rect>')
        parts.append(f'<text x="{left + k * step + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(label)}</text>')
    legend, per_row = "", max(1, (width - left) // 130)
    if len(series) > 1:
        for j, name in enumerate(series):
            x, y = left + 130 * (j % per_row), height + 6 + 16 * (j // per_row)
            legend += (f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                       f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')
        height += 10 + 16 * ((len(series) - 1) // per_row + 1)
    desc = "; ".join(f"{label}: {fmt(t)}" for label, t in zip(labels, totals))
    return _svg(width, height, title, desc, "".join(parts) + legend)


def bars(labels: list[str], values: list[float], title: str, fmt=str) -> Markup:
    """Horizontal bars, one per label, largest first as given."""
    row, left, width = 24, 230, 640
    height = row * max(len(labels), 1) + 10
    peak = max(values + [1])
    parts = []
    for k, (label, v) in enumerate(zip(labels, values)):
        y = 5 + k * row
        w = (width - left - 70) * v / peak
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label[:34])}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + w + 5:.1f}" y="{y + 15}" font-size="12">{escape(fmt(v))}</text>')
    desc = "; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values))
    return _svg(width, height, title, desc, "".join(parts))
