"""The per-printer energy chart: daily Wh (and cost) as a server-rendered SVG bar chart.

Pure: it takes (day, Wh) pairs, optionally each day's cost and which days
hold estimated energy (drawn hatched, marked "estimated" in the bar's title),
and returns the SVG text.  Every text that goes into the SVG is escaped, so a
printer name can never inject markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = ["Money", "energy_svg", "nice_ceiling"]

WIDTH, HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 8, 24, 28


def nice_ceiling(value: float) -> float:
    """Return the smallest 1, 2 or 5 times a power of ten that is at least *value* (>= 1)."""
    if value <= 1:
        return 1.0
    scale = 1.0
    while scale * 10 < value:
        scale *= 10
    return next(m * scale for m in (1, 2, 5, 10) if m * scale >= value)


@dataclass(frozen=True, slots=True)
class Money:
    """Each day's cost and the currency, for the bars' titles and the heading."""

    currency: str
    cost: Mapping[dt.date, float | None]


def _bar(
    i: int, day: dt.date, wh: float, geometry: tuple[float, float], note: str, estimated: bool
) -> str:
    top, slot = geometry
    plot_h = HEIGHT - _TOP - _BOTTOM
    h = plot_h * wh / top
    x = _LEFT + i * slot + slot * 0.15
    y = _TOP + plot_h - h
    cls = "bar est" if estimated else "bar"
    text = f"{day.isoformat()}: {wh:.1f} Wh{note}" + (" (estimated)" if estimated else "")
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
        f'height="{h:.1f}"><title>{escape(text)}</title></rect>'
    )


def _note(money: Money | None, day: dt.date) -> str:
    if money is None or (cost := money.cost.get(day)) is None:
        return ""
    return f", {cost:.2f} {money.currency}"


def _axes(series: Sequence[tuple[dt.date, float]], top: float, slot: float) -> list[str]:
    plot_h = HEIGHT - _TOP - _BOTTOM
    out = [
        f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - _RIGHT}" y2="{_TOP + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top:g}</text>',
        f'<text x="{_LEFT - 4}" y="{_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (day, _wh) in enumerate(series):
        if (len(series) - 1 - i) % 7 == 0:  # weekly, ending today
            x = _LEFT + (i + 0.5) * slot
            label = day.strftime("%m-%d")
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{label}</text>')
    return out


def energy_svg(
    series: Sequence[tuple[dt.date, float]],
    title: str,
    *,
    money: Money | None = None,
    estimated: Collection[dt.date] = (),
) -> str:
    """Return an SVG bar chart of daily Wh for *series* (oldest first)."""
    top = nice_ceiling(max((wh for _d, wh in series), default=0.0))
    slot = (WIDTH - _LEFT - _RIGHT) / max(len(series), 1)
    total = sum(wh for _d, wh in series)
    costs = [c for c in (money.cost.values() if money else ()) if c is not None]
    spent = f", {sum(costs):.2f} {money.currency}" if money and costs else ""
    heading = f"{title}: {total:.1f} Wh{spent} in {len(series)} days (Wh per day)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="energy" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(heading, {chr(34): "&quot;"})}">',
        "<style>text{font:11px sans-serif;fill:#333}.bar{fill:#3b7dd8}"
        ".est{fill:#9dbcea;stroke:#3b7dd8;stroke-dasharray:3 2}</style>",
        f'<text x="{_LEFT}" y="14">{escape(heading)}</text>',
        *_axes(series, top, slot),
        *(
            _bar(i, d, wh, (top, slot), _note(money, d), d in estimated)
            for i, (d, wh) in enumerate(series)
            if wh > 0
        ),
        "</svg>",
    ]
    return "\n".join(parts)
