"""Inline SVG line charts (the training curves) without any plotting library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

Series = tuple[str, str, Sequence[tuple[float, float]]]  # (name, colour, [(x, y), ...])
_PAD = 36


def _finite(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]


def line_chart(title: str, series: Sequence[Series], width: int = 460, height: int = 200) -> str:
    """One chart with a polyline per series, the axes' ranges written at their ends.

    Returns ``""`` when no series has a finite point.
    """
    clean = [(name, colour, _finite(points)) for name, colour, points in series]
    clean = [s for s in clean if s[2]]
    if not clean:
        return ""
    xs = [x for _, _, pts in clean for x, _ in pts]
    ys = [y for _, _, pts in clean for _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    inner_w, inner_h = width - 2 * _PAD, height - 2 * _PAD

    def at(x: float, y: float) -> str:
        px = _PAD + (x - x0) / (x1 - x0) * inner_w
        py = height - _PAD - (y - y0) / (y1 - y0) * inner_h
        return f"{px:.1f},{py:.1f}"

    parts = [
        # No xmlns: inline SVG in HTML needs none, and the page holds no URL at all.
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="{_PAD}" y="16" class="ct">{escape(title)}</text>',
        f'<rect x="{_PAD}" y="{_PAD}" width="{inner_w}" height="{inner_h}" class="frame"/>',
        f'<text x="2" y="{_PAD + 4}" class="ax">{y1:.3g}</text>',
        f'<text x="2" y="{height - _PAD}" class="ax">{y0:.3g}</text>',
        f'<text x="{_PAD}" y="{height - 18}" class="ax">step {x0:g}</text>',
        f'<text x="{width - _PAD}" y="{height - 18}" class="ax" text-anchor="end">{x1:g}</text>',
    ]
    for i, (name, colour, pts) in enumerate(clean):
        coords = " ".join(at(x, y) for x, y in pts)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>'
        )
        if len(pts) == 1:
            cx, cy = at(*pts[0]).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        lx = _PAD + 8 + 110 * i
        parts.append(
            f'<text x="{lx}" y="{height - 4}" class="ax" fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
