"""Energy and cost over real time zones: daylight-saving days, and random runs of readings.

Unit tests pin the 23- and 25-hour days and a period start that the spring
jump skips.  Property tests (hypothesis) check, over zones with DST (Europe,
North America, Santiago's jump at midnight, Lord Howe's half hour):

* :func:`slices` tiles any span, each piece on its local day at the rate the
  wall clock says (a wall time that occurs twice keeps the first's rate);
* the energy log, fed random readings (missed counters and powers, counter
  resets, switch-offs, gaps of hours, across midnights and tariff changes),
  never stores negative energy, keeps every Wh and its cost in the daily
  totals, marks every day an estimate touched, and never gives a silent
  zero: an interval with nothing to go on is an estimate.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printerapp.config import Section
from printerapp.power.energy import EnergyLog
from printerapp.power.tariff import Tariff, local_instant, parse_tariff, slices

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [BERLIN, ZoneInfo("America/New_York"), ZoneInfo("America/Santiago")]
ZONES.append(ZoneInfo("Australia/Lord_Howe"))
#: 2027's transitions: Berlin spring and autumn, New York's, Santiago's, Lord Howe's
TRANSITIONS = [
    dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2027, 10, 31, 1, 0, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2027, 9, 5, 4, 0, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2027, 4, 3, 15, 0, tzinfo=dt.UTC).timestamp(),
]
MIN_RATE, MAX_RATE = 0.10, 0.50


def _tariff() -> Tariff:
    values = {
        "currency": "EUR",
        "periods": [
            {"start": "02:30", "rate": 0.40},
            {"start": "06:00", "rate": 0.20},
            {"start": "23:45", "rate": MIN_RATE},
        ],
        "changes": [
            {
                "since": "2027-03-28",  # a change on a DST day
                "periods": [{"start": "00:00", "rate": 0.30}, {"start": "02:15", "rate": MAX_RATE}],
            },
            {"since": "2027-09-05", "rate": 0.25},
        ],
    }
    tariff = parse_tariff(Section("power.tariff", "<test>", values))
    assert tariff is not None
    return tariff


TARIFF = _tariff()


def _local(year: int, month: int, day: int, hour: int, tz: dt.tzinfo) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=tz).timestamp()


def _ambiguous(wall: dt.datetime, tz: dt.tzinfo) -> bool:
    return (
        wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()
    )


def test_a_period_start_the_spring_jump_skips_begins_at_the_jump() -> None:
    day = dt.date(2027, 3, 28)  # 02:00 CET -> 03:00 CEST; 02:15 does not exist
    jump = dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC).timestamp()
    assert local_instant(day, dt.time(2, 15), BERLIN) == jump
    assert local_instant(day, dt.time(3, 0), BERLIN) == jump
    assert local_instant(day, dt.time(1, 59), BERLIN) == jump - 60
    pieces = slices(_local(2027, 3, 28, 1, BERLIN), _local(2027, 3, 28, 4, BERLIN), TARIFF, BERLIN)
    assert [(p.t1 - p.t0, p.rate) for p in pieces] == [(3600.0, 0.30), (3600.0, MAX_RATE)]
    # Santiago skips midnight itself: the day starts at 01:00
    santiago = ZoneInfo("America/Santiago")
    start = local_instant(dt.date(2027, 9, 5), dt.time(), santiago)
    assert dt.datetime.fromtimestamp(start, santiago).hour == 1


@pytest.mark.parametrize(
    ("first", "hours"),
    [(dt.date(2027, 3, 27), 23), (dt.date(2027, 10, 30), 25)],
    ids=["spring-23h", "autumn-25h"],
)
def test_daily_totals_on_the_short_and_the_long_day(
    first: dt.date, hours: int, tmp_path: Path
) -> None:
    log = EnergyLog(tmp_path / "energy.sqlite3", tz=BERLIN, tariff=TARIFF)
    start = dt.datetime.combine(first, dt.time(22, 0), BERLIN).timestamp()
    end = dt.datetime.combine(first + dt.timedelta(days=2), dt.time(2, 0), BERLIN).timestamp()
    try:
        # a meterless plug drawing 100 W, read every 10 minutes of real time
        for ts in range(int(start), int(end) + 1, 600):
            log.record("desk", float(ts), 100.0, None)
        days = log.daily("desk", 5, end)
    finally:
        log.close()
    assert [(d.day, round(d.wh, 6)) for d in days] == [
        (first, 200.0),
        (first + dt.timedelta(days=1), hours * 100.0),
        (first + dt.timedelta(days=2), 200.0),
    ]
    assert not any(d.estimated for d in days)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.sampled_from(TRANSITIONS),
    st.floats(-2 * 86400, 2 * 86400),
    st.floats(0.001, 3 * 86400),
)
def test_slices_tile_dst_days_at_the_wall_clocks_rate(
    tz: dt.tzinfo, near: float, offset: float, length: float
) -> None:
    t0, t1 = near + offset, near + offset + length
    pieces = slices(t0, t1, TARIFF, tz)
    assert pieces[0].t0 == t0
    assert pieces[-1].t1 == t1
    for a, b in itertools.pairwise(pieces):
        assert a.t1 == b.t0
    for p in pieces:
        assert p.t1 > p.t0
        # down to the microsecond: fromtimestamp rounds, and a hair before a jump is before it
        middle = math.floor((p.t0 + p.t1) / 2 * 1e6) / 1e6
        wall = dt.datetime.fromtimestamp(middle, tz).replace(tzinfo=None)
        assert p.day == wall.date()
        if not _ambiguous(wall, tz):
            assert p.rate == TARIFF.rate_at(wall), (p, wall)


#: one reading: seconds since the previous one, power W (None: missed), counter
#: (None: missed, "run": grows with the power, "reset": the plug rebooted), switched off after
steps = st.lists(
    st.tuples(
        st.floats(1, 3 * 3600),
        st.one_of(st.none(), st.floats(0, 3000)),
        st.sampled_from([None, "run", "run", "run", "reset"]),
        st.booleans(),
    ),
    min_size=2,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(TRANSITIONS), st.floats(-86400, 86400), steps)
def test_a_run_of_readings_keeps_every_wh_and_marks_every_estimate(
    tz: dt.tzinfo,
    near: float,
    offset: float,
    run: list[tuple[float, float | None, str | None, bool]],
) -> None:
    log = EnergyLog(Path(":memory:"), tz=tz, tariff=TARIFF)
    ts, counter = near + offset, 1000.0
    fed: list[tuple[float, float | None, float | None, str]] = []
    got: list[float] = []
    try:
        for gap, watts, action, off in run:
            ts += gap
            counter = 3.0 if action == "reset" else counter + (watts or 0.0) * gap / 3600
            reading = (
                ts,
                watts,
                None if action is None else counter,
                "switch-off" if off else "sample",
            )
            fed.append(reading)
            got.append(log.record("desk", *reading))
        intervals = {round(i.t1, 6): i for i in log.intervals("desk", -math.inf, math.inf)}
        days = {d.day: d for d in log.daily("desk", 40, ts + 86400)}
    finally:
        log.close()
    assert all(wh >= 0 for wh in got)
    total = sum(got)
    assert sum(d.wh for d in days.values()) == pytest.approx(total, rel=1e-9, abs=1e-6)
    cost = sum(d.cost or 0.0 for d in days.values())
    assert total / 1000 * MIN_RATE - 1e-9 <= cost <= total / 1000 * MAX_RATE + 1e-9
    for prev, cur in itertools.pairwise(fed):
        interval = intervals[round(cur[0], 6)]
        assert interval.t0 == pytest.approx(prev[0])
        middle = dt.datetime.fromtimestamp((interval.t0 + interval.t1) / 2, tz).date()
        if interval.estimated:
            assert days[middle].estimated, (prev, cur, interval)
        elif interval.wh == 0 and prev[3] != "switch-off":
            # a zero that is no estimate is one the readings say: an unchanged counter,
            # or no power on either side
            same_counter = prev[2] is not None and prev[2] == cur[2]
            no_power = prev[2] is None and cur[2] is None and prev[1] == 0 and cur[1] == 0
            assert same_counter or no_power, (prev, cur, interval)
