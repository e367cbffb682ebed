"""The daily-energy SVG chart and the zero-filled series behind it."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.web.chart import energy_svg, nice_ceiling
from printerapp.web.power import daily_series

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.4, 1), (1, 1), (1.2, 2), (3, 5), (7, 10), (10, 10), (11, 20), (420, 500)],
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == ceiling


def test_series_fills_missing_days_with_zero() -> None:
    series = daily_series({TODAY: 5.0, dt.date(2026, 11, 20): 2.5}, 7, TODAY)
    assert [d.isoformat() for d, _ in series][:2] == ["2026-11-18", "2026-11-19"]
    assert [wh for _, wh in series] == [0, 0, 2.5, 0, 0, 0, 5.0]
    assert len(daily_series({}, 30, TODAY)) == 30


def test_chart_draws_one_bar_per_day_with_energy() -> None:
    series = daily_series({TODAY: 120.0, TODAY - dt.timedelta(days=3): 60.0}, 30, TODAY)
    root = ET.fromstring(energy_svg(series, "Office"))  # noqa: S314 - our own output
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2
    heights = sorted(float(b.get("height", "0")) for b in bars)
    assert heights[1] == pytest.approx(2 * heights[0])
    titles = [b.find(f"{SVG}title") for b in bars]
    assert [t.text for t in titles if t is not None][-1] == "2026-11-24: 120.0 Wh"
    assert "Office: 180.0 Wh in 30 days" in ET.tostring(root, encoding="unicode")


def test_chart_escapes_the_printer_name() -> None:
    svg = energy_svg(daily_series({}, 3, TODAY), '<script>alert("x")</script>&')
    root = ET.fromstring(svg)  # noqa: S314 - our own output, still well-formed
    assert root.find(f"{SVG}script") is None
    assert "<script>" not in svg


@given(
    st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=0, max_size=60),
    st.text(max_size=40),
)
def test_chart_is_always_well_formed(values: list[float], name: str) -> None:
    name = "".join(c for c in name if c.isprintable())
    series = [(TODAY - dt.timedelta(days=len(values) - i), v) for i, v in enumerate(values)]
    root = ET.fromstring(energy_svg(series, name))  # noqa: S314 - our own output
    for bar in root.findall(f"{SVG}rect"):
        assert 0 <= float(bar.get("height", "-1")) <= 220
