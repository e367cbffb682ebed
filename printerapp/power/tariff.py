"""The electricity tariff: a flat rate or time-of-day rates, with dated changes.

::

    [power.tariff]
    currency = "EUR"
    rate = 0.30                   # per kWh, all day
    # or, instead of rate, time-of-day periods (each runs until the next;
    # the last one runs over midnight until the first):
    # periods = [{start = "07:00", rate = 0.35}, {start = "22:00", rate = 0.20}]

    [[power.tariff.changes]]      # from this local day on (optional, any number)
    since = 2027-01-01
    rate = 0.32                   # or periods = [...]

Pure: :func:`parse_tariff` turns the table into a frozen :class:`Tariff`, and
:func:`slices` cuts a time span at local midnights, period starts and tariff
changes, so every piece has one day and one rate.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from printerapp.config import Section
from printerapp.errors import ConfigError

__all__ = [
    "MAX_RATE",
    "Period",
    "Rates",
    "Slice",
    "Tariff",
    "local_instant",
    "parse_tariff",
    "slices",
]

#: no tariff charges more than this per kWh in any currency we know of: a typo
MAX_RATE = 1_000_000.0
MAX_PERIODS = 96
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Period:
    """From *start* (local time of day) on, *rate* per kWh applies."""

    start: dt.time
    rate: float


@dataclass(frozen=True, slots=True)
class Rates:
    """One version of the tariff: its periods, in force from local day *since* on."""

    since: dt.date | None
    #: sorted by start, never empty; the last one wraps over midnight
    periods: tuple[Period, ...]

    def rate_at(self, when: dt.time) -> float:
        """Return the rate at local time of day *when*."""
        rate = self.periods[-1].rate
        for period in self.periods:
            if period.start <= when:
                rate = period.rate
        return rate


@dataclass(frozen=True, slots=True)
class Tariff:
    """The currency and every version of the rates, oldest first."""

    currency: str
    versions: tuple[Rates, ...]

    def rates_on(self, day: dt.date) -> Rates:
        """Return the rates in force on local day *day* (before the first change: the base)."""
        found = self.versions[0]
        for version in self.versions:
            if version.since is None or version.since <= day:
                found = version
        return found

    def rate_at(self, when: dt.datetime) -> float:
        """Return the rate per kWh at local time *when*."""
        return self.rates_on(when.date()).rate_at(when.time())


@dataclass(frozen=True, slots=True)
class Slice:
    """A piece of a time span within one local day and one rate (None: no tariff)."""

    t0: float
    t1: float
    day: dt.date
    rate: float | None


def _wall(ts: float, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz).replace(tzinfo=None)


def local_instant(day: dt.date, at: dt.time, tz: dt.tzinfo | None) -> float:
    """Return the first instant whose local wall time is *day* *at* or later.

    A time that a daylight-saving jump skips (02:30 on a spring-forward day
    in Europe) begins at the jump, when the clocks read 03:00: a period that
    starts then is in force from that instant.  A time that occurs twice
    (autumn) is its first occurrence.
    """
    naive = dt.datetime.combine(day, at)
    first, second = sorted(naive.replace(tzinfo=tz, fold=f).timestamp() for f in (0, 1))
    if _wall(first, tz) >= naive:
        return first
    # in a gap: the wall clock reads before *at* at `first` and after it at `second`;
    # the jump is on a whole second (as every time zone's transitions are)
    lo, hi = math.floor(first), math.ceil(second)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _wall(mid, tz) >= naive else (mid, hi)
    return float(hi)


def _day_cuts(
    day: dt.date, tariff: Tariff | None, tz: dt.tzinfo | None
) -> list[tuple[float, float | None]]:
    """Return (epoch, rate from then on) for midnight and each period start of *day*."""
    midnight = local_instant(day, dt.time(), tz)
    if tariff is None:
        return [(midnight, None)]
    rates = tariff.rates_on(day)
    cuts = [(midnight, rates.rate_at(dt.time()))]
    for period in rates.periods:
        if period.start != dt.time():
            cuts.append((local_instant(day, period.start, tz), period.rate))
    return sorted(cuts)


def _days(t0: float, t1: float, tz: dt.tzinfo | None) -> Iterator[dt.date]:
    day = dt.datetime.fromtimestamp(t0, tz).date()
    if local_instant(day, dt.time(), tz) > t0:
        # fromtimestamp rounds to the microsecond: t0 a hair before midnight is the day before
        day -= dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(t1, tz).date()
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def slices(t0: float, t1: float, tariff: Tariff | None, tz: dt.tzinfo | None) -> list[Slice]:
    """Cut [*t0*, *t1*] at local midnights, period starts and tariff changes."""
    if t1 <= t0:
        when = dt.datetime.fromtimestamp(t1, tz)
        return [Slice(t1, t1, when.date(), None if tariff is None else tariff.rate_at(when))]
    out: list[Slice] = []
    for day in _days(t0, t1, tz):
        cuts = _day_cuts(day, tariff, tz)
        ends = [c[0] for c in cuts[1:]]
        ends.append(local_instant(day + dt.timedelta(days=1), dt.time(), tz))
        for (start, rate), end in zip(cuts, ends, strict=True):
            lo, hi = max(start, t0), min(end, t1)
            if hi > lo:
                out.append(Slice(lo, hi, day, rate))
    return out


# -- the configuration table -------------------------------------------------------------


def _clock(table: Section, key: str) -> dt.time:
    value = table.values.get(key)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(f'{table.where(key)}: expected a time of day such as "07:00"')
    return dt.time(int(match.group(1)), int(match.group(2)))


def _periods(table: Section) -> tuple[Period, ...]:
    has_rate, has_periods = "rate" in table.values, "periods" in table.values
    if has_rate == has_periods:
        raise ConfigError(f"{table.where('rate')}: give either rate or periods, not both or none")
    if has_rate:
        return (Period(dt.time(), table.number("rate", 0, minimum=0, maximum=MAX_RATE)),)
    items = table.table_list("periods")
    if not 1 <= len(items) <= MAX_PERIODS:
        raise ConfigError(f"{table.where('periods')}: give 1 to {MAX_PERIODS} periods")
    periods = []
    for item in items:
        item.reject_unknown({"start", "rate"})
        rate = item.number("rate", 0, minimum=0, maximum=MAX_RATE) if "rate" in item.values else -1
        if rate < 0:
            raise ConfigError(f"{item.where('rate')}: missing")
        periods.append(Period(_clock(item, "start"), rate))
    starts = [p.start for p in periods]
    if len(set(starts)) != len(starts):
        raise ConfigError(f"{table.where('periods')}: two periods start at the same time")
    return tuple(sorted(periods, key=lambda p: p.start))


def _since(table: Section) -> dt.date:
    value = table.values.get("since")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{table.where('since')}: expected a date such as 2027-01-01")


def parse_tariff(table: Section) -> Tariff | None:
    """Read ``[power.tariff]``; None when the table is absent or empty."""
    if not table.values:
        return None
    table.reject_unknown({"currency", "rate", "periods", "changes"})
    currency = table.string("currency")
    if not _CURRENCY.match(currency):
        raise ConfigError(f'{table.where("currency")}: expected a three-letter code such as "EUR"')
    versions = [Rates(None, _periods(table))]
    for change in table.table_list("changes"):
        change.reject_unknown({"since", "rate", "periods"})
        versions.append(Rates(_since(change), _periods(change)))
    days = [v.since for v in versions[1:]]
    if len(set(days)) != len(days):
        raise ConfigError(f"{table.where('changes')}: two changes on the same day")
    versions[1:] = sorted(versions[1:], key=lambda v: v.since or dt.date.min)
    return Tariff(currency, tuple(versions))
