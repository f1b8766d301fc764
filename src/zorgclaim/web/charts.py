"""Small charts as SVG, drawn on the server: columns (optionally stacked) and horizontal bars.
Each is an image with a title and a description for screen readers; the page puts the same
numbers in a table beside it."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#0b5394", "#c55a11", "#38761d", "#7f6000", "#741b47", "#134f5c", "#5b5b5b", "#a61c00",
           "#6fa8dc", "#f6b26b", "#93c47d", "#ffd966", "#c27ba0", "#76a5af", "#b7b7b7", "#e06666"]


def text_width(text: str, size: int) -> float:
    """About how wide `text` is drawn at font `size` (px): the page's sans-serif averages a bit
    over half the size per character; a little more, so that nothing is cut."""
    return len(text) * size * 0.62


def wrap(text: str, chars: int, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of about `chars` characters, broken between words; what
    does not fit ends the last line with an ellipsis."""
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > chars:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:chars - 1].rstrip() + "…"
    return [o if len(o) <= chars else o[:chars - 1] + "…" for o in out]


def largest(series: dict[str, list[float]], other: str, keep: int = 9) -> dict[str, list[float]]:
    """The `keep` series with the largest totals, in their order, and the rest summed as `other`:
    more stacked series than that cannot be told apart by colour (the table beside has them all)."""
    if len(series) <= keep + 1:
        return series
    ranked = sorted(series, key=lambda name: -sum(series[name]))
    kept, rest = set(ranked[:keep]), ranked[keep:]
    out = {name: values for name, values in series.items() if name in kept}
    out[other] = [sum(series[name][k] for name in rest) for k in range(len(next(iter(series.values()))))]
    return out


def _svg(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    return Markup(f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
                  f'{body}</svg>')


def columns(labels: list[str], series: dict[str, list[float]], title: str, fmt=str, height: int = 220) -> Markup:
    """Columns per label, stacked over the series (one series: plain columns); value labels by `fmt`."""
    totals = [sum(s[k] for s in series.values()) for k in range(len(labels))]
    peak = max(totals + [1])
    # room on the left for the peak's value label, whatever its length (an amount in euros)
    n, left, bottom, top = max(len(labels), 1), max(60, round(text_width(fmt(peak), 11)) + 12), 40, 10
    width = max(420, 48 * n + left)
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
    # legend columns as wide as the longest name needs
    column = max(130, round(max((text_width(name, 11) for name in series), default=0)) + 24)
    legend, per_row = "", max(1, (width - left) // column)
    if len(series) > 1:
        for j, name in enumerate(series):
            x, y = left + column * (j % per_row), height + 6 + 16 * (j // per_row)
            legend += (f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                       f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')
        height += 10 + 16 * ((len(series) - 1) // per_row + 1)
    desc = "; ".join(f"{label}: {fmt(t)}" for label, t in zip(labels, totals))
    return _svg(width, height, title, desc, "".join(parts) + legend)


LABEL_CHARS = 44     # a bar's label is wrapped at about this many characters, in at most two lines


def bars(labels: list[str], values: list[float], title: str, fmt=str) -> Markup:
    """Horizontal bars, one per label, largest first as given. A long label is wrapped over two
    lines (its row grows); the whole label is the bar's tooltip and in the description."""
    line, pad, width = 15, 9, 720
    wrapped = [wrap(label, LABEL_CHARS) for label in labels]
    left = min(max(round(max((text_width(t, 12) for w in wrapped for t in w), default=0)) + 12, 80), 340)
    peak = max(values + [1])
    parts, y = [], 5
    for label, lines, v in zip(labels, wrapped, values):
        row = pad + line * len(lines)
        w = (width - left - 70) * v / peak
        text = "".join(f'<tspan x="{left - 6}" dy="{0 if k == 0 else line}">{escape(t)}</tspan>'
                       for k, t in enumerate(lines))
        parts.append(f'<g><title>{escape(label)}: {escape(fmt(v))}</title>'
                     f'<text y="{y + 15}" text-anchor="end" font-size="12">{text}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + w + 5:.1f}" y="{y + 15}" font-size="12">{escape(fmt(v))}</text></g>')
        y += row
    desc = "; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values))
    return _svg(width, y + 5, title, desc, "".join(parts))
