"""Small inline-SVG charts for the weekly report file.

The report must open offline and stay one file, and no renderer for Altair
specs (vl-convert) is installed, so the report draws its own plain SVG: a
title, labelled axes with units, human tick labels and the Okabe-Ito palette.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from .charts import OKABE_ITO

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 36, 56
Number = float | None


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value, four equal steps of 1, 2 or 5
    x 10^n, so every tick label is a round number."""
    if value <= 0:
        return 1.0
    raw_step = value / 4
    exponent = 10 ** math.floor(math.log10(raw_step))
    for step in (1, 2, 5, 10):
        if raw_step <= step * exponent:
            return 4 * step * exponent
    return 40 * exponent


def _frame(
    title: str, x_title: str, y_title: str, top: float, tick: Callable[[float], str]
) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="600">{escape(title)}</text>',
        f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(x_title)}</text>',
        f'<text transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_title)}</text>',
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(tick(value))}</text>"
        )
    return parts


def _x_positions(n: int) -> list[float]:
    plot_w = WIDTH - LEFT - RIGHT
    return [LEFT + plot_w * (i + 0.5) / n for i in range(n)]


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    return [
        f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
        f"{escape(label)}</text>"
        for x, label in zip(xs, labels, strict=True)
    ]


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * value / top


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    tick: Callable[[float], str],
) -> str:
    """One line per series over the labelled x positions; gaps for None."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = _nice_max(max(values, default=0.0))
    xs = _x_positions(len(labels))
    parts = _frame(title, x_title, y_title, top, tick) + _x_labels(labels, xs)
    for index, (name, points) in enumerate(series.items()):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        coords = [
            (x, _y(v, top)) for x, v in zip(xs, points, strict=True) if v is not None
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
            f'points="{path}"/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
            for x, y in coords
        ]
        parts.append(
            f'<rect x="{LEFT + 8 + 150 * index}" y="{TOP - 12}" width="10" '
            f'height="10" fill="{colour}"/><text x="{LEFT + 22 + 150 * index}" '
            f'y="{TOP - 3}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    x_title: str,
    y_title: str,
    tick: Callable[[float], str],
    highlight: int | None = None,
) -> str:
    """Bars per label; the `highlight` bar (the report's week) in orange."""
    top = _nice_max(max((v for v in values if v is not None), default=0.0))
    xs = _x_positions(len(labels))
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels)) * 0.7
    parts = _frame(title, x_title, y_title, top, tick) + _x_labels(labels, xs)
    base = _y(0, top)
    for index, (x, value) in enumerate(zip(xs, values, strict=True)):
        if value is None:
            continue
        colour = OKABE_ITO[1] if index == highlight else OKABE_ITO[0]
        y = _y(value, top)
        parts.append(
            f'<rect x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{base - y:.1f}" fill="{colour}"><title>{escape(labels[index])}: '
            f"{escape(tick(value))}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
