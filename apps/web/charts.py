"""Charts as inline SVG drawn on the server: no chart library, no external service, readable
without JavaScript, each with a text alternative (title/desc and a data table beside it)."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#1f5f99", "#2e7d32", "#8f5600", "#8e24aa", "#c62828", "#00796b", "#5d4037", "#455a64"]


def bar_chart(points: list[tuple[str, float]], title: str, width: int = 720, height: int = 220,
              label_every: int = 5, label=lambda s: s) -> Markup:
    """Vertical bars, e.g. calls per day."""
    pad_l, pad_b, pad_t = 36, 28, 10
    inner_w, inner_h = width - pad_l - 8, height - pad_b - pad_t
    top = max([v for _, v in points] + [1])
    top = float(int(top) + (0 if float(top).is_integer() else 1))  # counts: whole-number axis
    step = inner_w / max(1, len(points))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c-{id(points)}">',
             f'<title id="c-{id(points)}">{escape(title)}</title>']
    for frac in ((0, 0.5, 1) if top % 2 == 0 else (0, 1)):
        y = pad_t + inner_h * (1 - frac)
        parts.append(f'<line x1="{pad_l}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{_fmt(top * frac)}</text>')
    for i, (name, value) in enumerate(points):
        h = inner_h * value / top
        x = pad_l + i * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{PALETTE[0]}">'
                     f'<title>{escape(label(name))}: {_fmt(value)}</title></rect>')
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" text-anchor="middle" class="axis">{escape(label(name))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bar(parts_in: list[tuple[str, int]], title: str, width: int = 720, height: int = 36) -> Markup:
    """One stacked horizontal bar of shares (answered / forwarded / called back ...)."""
    total = sum(v for _, v in parts_in) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    x = 0.0
    for i, (name, value) in enumerate(parts_in):
        w = width * value / total
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{PALETTE[i % len(PALETTE)]}">'
                     f'<title>{escape(name)}: {value} ({100 * value / total:.0f} %)</title></rect>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(rows: list[tuple[str, float]], title: str, width: int = 480, row_h: int = 26) -> Markup:
    """Horizontal bars with labels, e.g. top services or the latency histogram."""
    label_w = 190
    max_chars = label_w // 7
    height = max(row_h, row_h * len(rows)) + 4
    top = max([v for _, v in rows] + [1])
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for i, (name, value) in enumerate(rows):
        y = i * row_h + 2
        w = (width - label_w - 50) * value / top
        short = name if len(name) <= max_chars else name[:max_chars - 1] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + row_h * 0.65:.1f}" text-anchor="end" class="label">{escape(short)}'
                     f'<title>{escape(name)}</title></text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[1]}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + row_h * 0.65:.1f}" class="label">{_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}".replace(".", ",")
