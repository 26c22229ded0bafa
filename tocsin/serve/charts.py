"""SVG charts drawn on the server: no JavaScript, no inline styles (CSP), labels escaped.

Used by the dashboard pages and by the self-contained briefing. Colours are classes
(``s0``..``s7``) styled by the page's stylesheet, so the markup carries no style attributes.
"""
from __future__ import annotations

import html
from typing import Sequence

PALETTE = 8


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def empty(msg: str = "nothing to plot yet") -> str:
    return f'<p class="empty">{_e(msg)}</p>'


def bars(counts: Sequence[tuple[str, float]], *, width: int = 460, bar_h: int = 16,
         label_w: int = 170, title: str = "") -> str:
    """Horizontal bar chart."""
    counts = [(str(k), float(v)) for k, v in counts]
    if not counts:
        return empty()
    top = max(v for _, v in counts) or 1.0
    rows = []
    for i, (label, v) in enumerate(counts):
        y = i * (bar_h + 4)
        w = (width - label_w - 40) * v / top
        rows.append(
            f'<g><title>{_e(label)}: {v:g}</title><text class="axis" x="0" y="{y + 12}">{_e(label[:28])}</text>'
            f'<rect class="bar s0" x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}"></rect>'
            f'<text class="axis" x="{label_w + w + 4:.1f}" y="{y + 12}">{v:g}</text></g>')
    h = len(counts) * (bar_h + 4)
    return (f'<svg class="chart" role="img" aria-label="{_e(title or "bar chart")}" width="{width}" '
            f'height="{h}" viewBox="0 0 {width} {h}">{"".join(rows)}</svg>')


def stacked(categories: Sequence[str], series: dict[str, Sequence[float]], *, width: int = 640,
            height: int = 220, title: str = "") -> str:
    """Vertical stacked bars: one bar per category (e.g. month), one colour per series."""
    if not categories or not series:
        return empty()
    names = list(series)
    totals = [sum(series[n][i] for n in names) for i in range(len(categories))]
    top = max(totals) or 1.0
    left, bottom, legend_h = 34, 34, 18 * ((len(names) + 2) // 3)
    plot_h = height - bottom - 8
    step = (width - left - 8) / len(categories)
    bw = max(step * 0.7, 1.0)
    parts = [_y_axis(top, left, plot_h, width)]
    for i, cat in enumerate(categories):
        x = left + i * step + (step - bw) / 2
        y = 8 + plot_h
        for j, n in enumerate(names):
            v = float(series[n][i])
            if v <= 0:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(f'<rect class="bar s{j % PALETTE}" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" '
                         f'height="{h:.1f}"><title>{_e(cat)} · {_e(n)}: {v:g}</title></rect>')
        if len(categories) <= 16 or i % max(1, len(categories) // 12) == 0:
            parts.append(f'<text class="axis" x="{x + bw / 2:.1f}" y="{height - bottom + 22}" '
                         f'text-anchor="middle">{_e(cat)}</text>')
    parts.append(_legend(names, height, width))
    total_h = height + legend_h
    return (f'<svg class="chart" role="img" aria-label="{_e(title or "stacked bars")}" width="{width}" '
            f'height="{total_h}" viewBox="0 0 {width} {total_h}">{"".join(parts)}</svg>')


def lines(xs: Sequence[str], series: dict[str, Sequence[float | None]], *, width: int = 640,
          height: int = 220, title: str = "", threshold: float | None = None) -> str:
    """Line chart over ordered x labels (dates); gaps (None) break a line."""
    if not xs or not series:
        return empty()
    vals = [float(v) for s in series.values() for v in s if v is not None]
    if threshold is not None:
        vals.append(threshold)
    top = max(vals or [1.0]) or 1.0
    left, bottom = 34, 34
    plot_h = height - bottom - 8
    step = (width - left - 12) / max(len(xs) - 1, 1)
    names = list(series)
    parts = [_y_axis(top, left, plot_h, width)]
    if threshold is not None:
        ty = 8 + plot_h - plot_h * threshold / top
        parts.append(f'<line class="threshold" x1="{left}" x2="{width - 4}" y1="{ty:.1f}" y2="{ty:.1f}">'
                     f'<title>threshold {threshold:g}</title></line>')
    for j, n in enumerate(names):
        seg: list[str] = []
        paths: list[str] = []
        for i, v in enumerate(series[n]):
            if v is None:
                if seg:
                    paths.append(" ".join(seg))
                seg = []
                continue
            x, y = left + i * step, 8 + plot_h - plot_h * float(v) / top
            seg.append(f"{'M' if not seg else 'L'}{x:.1f},{y:.1f}")
            parts.append(f'<circle class="dot s{j % PALETTE}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                         f'<title>{_e(xs[i])} · {_e(n)}: {float(v):g}</title></circle>')
        if seg:
            paths.append(" ".join(seg))
        for d in paths:
            parts.append(f'<path class="line s{j % PALETTE}" d="{d}"></path>')
    every = max(1, len(xs) // 8)
    for i, x in enumerate(xs):
        if i % every == 0 or i == len(xs) - 1:
            parts.append(f'<text class="axis" x="{left + i * step:.1f}" y="{height - bottom + 22}" '
                         f'text-anchor="middle">{_e(x)}</text>')
    parts.append(_legend(names, height, width))
    total_h = height + 18 * ((len(names) + 2) // 3)
    return (f'<svg class="chart" role="img" aria-label="{_e(title or "line chart")}" width="{width}" '
            f'height="{total_h}" viewBox="0 0 {width} {total_h}">{"".join(parts)}</svg>')


def _y_axis(top: float, left: int, plot_h: float, width: int) -> str:
    out = [f'<line class="axisline" x1="{left}" x2="{left}" y1="8" y2="{8 + plot_h:.1f}"></line>',
           f'<line class="axisline" x1="{left}" x2="{width - 4}" y1="{8 + plot_h:.1f}" y2="{8 + plot_h:.1f}"></line>']
    for frac in (0.5, 1.0):
        y = 8 + plot_h - plot_h * frac
        out.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{top * frac:.3g}</text>')
    return "".join(out)


def _legend(names: Sequence[str], top: int, width: int) -> str:
    col = width / 3
    out = []
    for j, n in enumerate(names):
        x, y = (j % 3) * col + 4, top + (j // 3) * 18
        out.append(f'<rect class="bar s{j % PALETTE}" x="{x:.1f}" y="{y}" width="10" height="10"></rect>'
                   f'<text class="axis" x="{x + 14:.1f}" y="{y + 9}">{_e(n[:34])}</text>')
    return "".join(out)


# The chart classes, for pages that embed charts without the dashboard stylesheet (briefing).
CSS = (".chart .axis{font-size:11px;fill:#555}.chart .axisline{stroke:#999}.chart .line{fill:none;stroke-width:2}"
       ".chart .threshold{stroke:#c00;stroke-dasharray:4 3}.empty{color:#777}"
       + "".join(f".s{i}{{fill:{c};stroke:{c}}}.line.s{i}{{fill:none}}" for i, c in enumerate(
           ("#8b1e1e", "#1e4f8b", "#5a8b1e", "#c07a12", "#6d3b8f", "#178a84", "#a33c70", "#666666"))))
