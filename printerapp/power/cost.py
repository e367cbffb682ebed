"""Energy and cost from plug readings: pure functions over frozen records.

Between two readings of a plug lies an :class:`Interval` with its energy:

* both readings carry the plug's cumulative counter: their difference.  A
  counter that went *down* was reset (plug rebooted or re-paired): a new
  segment starts, and the energy is the new value itself, the least that was
  used; it is marked estimated, as the part before the reset is unknown.
* otherwise, from the power readings (a plug without a counter): the trapezoid
  of the two.  After a switch-off reading the relay was open, so nothing.
* a missing reading (a counter on one side only, a gap longer than
  :data:`MAX_POWER_GAP_S`, a power reading on one side only) still gives the
  best estimate there is, marked estimated: never a silent zero.

:func:`portions` cuts an interval's energy over local days and tariff rates
(the energy spread evenly over the interval's time), and :func:`span_usage`
gives the energy and cost of a span such as a job's from the intervals it
overlaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from printerapp.power.tariff import Tariff, slices

__all__ = [
    "MAX_POWER_GAP_S",
    "Interval",
    "Portion",
    "Reading",
    "Usage",
    "interval_between",
    "portions",
    "span_usage",
]

#: the longest gap between two power samples that is integrated without being an estimate
MAX_POWER_GAP_S = 3600.0
#: slack in seconds when checking that readings cover a whole span
_COVER_SLACK_S = 0.5


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a plug: time, power in W, cumulative counter in Wh, and why."""

    ts: float
    power_w: float | None
    counter_wh: float | None
    #: ``sample``, or ``switch-off`` when the relay was opened right after it
    kind: str = "sample"


@dataclass(frozen=True, slots=True)
class Interval:
    """The energy used between two readings."""

    t0: float
    t1: float
    wh: float
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Usage:
    """Energy in Wh, its cost (None without a tariff), and whether any of it was estimated."""

    wh: float = 0.0
    cost: float | None = None
    estimated: bool = False

    def __add__(self, other: Usage) -> Usage:
        if self.cost is None and other.cost is None:
            cost = None
        else:
            cost = (self.cost or 0.0) + (other.cost or 0.0)
        return Usage(self.wh + other.wh, cost, self.estimated or other.estimated)


@dataclass(frozen=True, slots=True)
class Portion:
    """The part of an interval that fell on one local day."""

    day: dt.date
    usage: Usage


def _trapezoid(p0: float, p1: float, seconds: float) -> float:
    return (p0 + p1) / 2 * seconds / 3600


def interval_between(
    prev: Reading, cur: Reading, max_gap: float = MAX_POWER_GAP_S
) -> Interval | None:
    """Return the energy between two readings of one plug; None when *cur* is not later."""
    seconds = cur.ts - prev.ts
    if seconds <= 0:
        return None
    if prev.counter_wh is not None and cur.counter_wh is not None:
        if cur.counter_wh >= prev.counter_wh:
            return Interval(prev.ts, cur.ts, cur.counter_wh - prev.counter_wh)
        return Interval(prev.ts, cur.ts, max(cur.counter_wh, 0.0), estimated=True)
    if prev.kind == "switch-off":
        return Interval(prev.ts, cur.ts, 0.0, estimated=cur.counter_wh is not None)
    # a counter on one side only means a reading of it was missed
    missed = (prev.counter_wh is None) != (cur.counter_wh is None)
    if prev.power_w is not None and cur.power_w is not None:
        wh = _trapezoid(prev.power_w, cur.power_w, seconds)
        return Interval(prev.ts, cur.ts, wh, estimated=missed or seconds > max_gap)
    known = cur.power_w if cur.power_w is not None else prev.power_w
    wh = 0.0 if known is None else known * seconds / 3600
    return Interval(prev.ts, cur.ts, wh, estimated=True)


def portions(interval: Interval, tariff: Tariff | None, tz: dt.tzinfo | None) -> list[Portion]:
    """Cut an interval over local days and rates; the energy is spread evenly over its time."""
    length = interval.t1 - interval.t0
    by_day: dict[dt.date, Usage] = {}
    for piece in slices(interval.t0, interval.t1, tariff, tz):
        share = 1.0 if length <= 0 else (piece.t1 - piece.t0) / length
        wh = interval.wh * share
        cost = None if piece.rate is None else wh / 1000 * piece.rate
        usage = Usage(wh, cost, interval.estimated)
        by_day[piece.day] = by_day[piece.day] + usage if piece.day in by_day else usage
    return [Portion(day, usage) for day, usage in by_day.items()]


def _clip(interval: Interval, start: float, end: float) -> Interval | None:
    """Return the part of *interval* inside [start, end], its energy in proportion to time."""
    if interval.t1 <= interval.t0:  # a point (an old reading without its start)
        return interval if start < interval.t1 <= end else None
    lo, hi = max(interval.t0, start), min(interval.t1, end)
    if hi <= lo:
        return None
    share = (hi - lo) / (interval.t1 - interval.t0)
    return Interval(lo, hi, interval.wh * share, interval.estimated)


def span_usage(
    intervals: Iterable[Interval],
    start: float,
    end: float,
    tariff: Tariff | None,
    tz: dt.tzinfo | None,
) -> Usage:
    """Return the energy and cost between *start* and *end* from the intervals overlapping it.

    Time the intervals do not cover (readings missed at the span's edges) is
    filled at the mean power of the covered part, and the result is marked
    estimated.
    """
    total = Usage(0.0, None if tariff is None else 0.0)
    covered = 0.0
    for interval in intervals:
        part = _clip(interval, start, end)
        if part is None:
            continue
        covered += part.t1 - part.t0
        for portion in portions(part, tariff, tz):
            total = total + portion.usage
    missing = (end - start) - covered
    if missing <= _COVER_SLACK_S:
        return total
    mean_w = total.wh * 3600 / covered if covered > 0 else 0.0
    fill = Interval(end - missing, end, mean_w * missing / 3600, estimated=True)
    for portion in portions(fill, tariff, tz):
        total = total + portion.usage
    return Usage(total.wh, total.cost, estimated=True)
