"""Energy between readings and its cost: counters, resets, the power model, missed readings."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.config import Section
from printerapp.power.cost import (
    Interval,
    Reading,
    interval_between,
    portions,
    span_usage,
)
from printerapp.power.tariff import Tariff, parse_tariff

UTC = dt.UTC
#: 2026-12-31 23:00 UTC
LATE = dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC).timestamp()


def _tariff() -> Tariff:
    values = {
        "currency": "EUR",
        "periods": [{"start": "07:00", "rate": 0.40}, {"start": "23:30", "rate": 0.20}],
        "changes": [{"since": "2027-01-01", "rate": 0.30}],
    }
    tariff = parse_tariff(Section("power.tariff", "<test>", values))
    assert tariff is not None
    return tariff


def test_counter_difference_is_exact() -> None:
    got = interval_between(Reading(LATE, 5.0, 100.0), Reading(LATE + 60, 300.0, 112.5))
    assert got == Interval(LATE, LATE + 60, 12.5, estimated=False)


def test_counter_reset_starts_a_new_segment_never_negative() -> None:
    got = interval_between(Reading(LATE, 5.0, 2134.0), Reading(LATE + 60, 5.0, 3.0))
    assert got == Interval(LATE, LATE + 60, 3.0, estimated=True)


def test_power_model_without_a_counter() -> None:
    got = interval_between(Reading(LATE, 100.0, None), Reading(LATE + 36, 300.0, None))
    assert got is not None
    assert got.wh == pytest.approx(2.0)
    assert not got.estimated


def test_after_a_switch_off_the_relay_was_open() -> None:
    prev = Reading(LATE, 4.0, None, "switch-off")
    got = interval_between(prev, Reading(LATE + 7200, 300.0, None))
    assert got == Interval(LATE, LATE + 7200, 0.0, estimated=False)


@pytest.mark.parametrize(
    ("prev", "cur", "wh"),
    [
        (Reading(LATE, 100.0, 50.0), Reading(LATE + 36, 300.0, None), 2.0),  # counter missed
        (Reading(LATE, 100.0, None), Reading(LATE + 7200, 100.0, None), 200.0),  # long gap
        (Reading(LATE, None, None), Reading(LATE + 36, 100.0, None), 1.0),  # power missed
        (Reading(LATE, None, 5.0), Reading(LATE + 36, None, None), 0.0),  # nothing to go on
    ],
)
def test_missed_readings_give_an_estimate_marked_as_such(
    prev: Reading, cur: Reading, wh: float
) -> None:
    got = interval_between(prev, cur)
    assert got is not None
    assert got.wh == pytest.approx(wh)
    assert got.estimated


def test_out_of_order_reading_gives_nothing() -> None:
    assert interval_between(Reading(LATE, 1.0, 1.0), Reading(LATE, 1.0, 2.0)) is None


def test_portions_cut_at_the_period_midnight_and_the_change() -> None:
    # 23:00 -> 01:00, 40 Wh evenly: 23:00-23:30 at 0.40, 23:30-24:00 at 0.20, then 0.30
    parts = portions(Interval(LATE, LATE + 7200, 40.0), _tariff(), UTC)
    assert [p.day.isoformat() for p in parts] == ["2026-12-31", "2027-01-01"]
    assert parts[0].usage.wh == pytest.approx(20.0)
    assert parts[0].usage.cost == pytest.approx(10 / 1000 * 0.40 + 10 / 1000 * 0.20)
    assert parts[1].usage.cost == pytest.approx(20 / 1000 * 0.30)
    assert portions(Interval(LATE, LATE + 60, 1.0), None, UTC)[0].usage.cost is None


def test_span_usage_of_a_job_and_of_a_job_with_a_missed_end() -> None:
    intervals = [Interval(LATE + 60 * i, LATE + 60 * (i + 1), 6.0) for i in range(4)]
    whole = span_usage(intervals, LATE + 30, LATE + 210, _tariff(), UTC)
    assert whole.wh == pytest.approx(3 + 6 + 6 + 3)
    assert whole.cost == pytest.approx(18 / 1000 * 0.40)
    assert not whole.estimated
    # readings stop at +240 while the job ran to +300: filled at the mean power, marked
    late = span_usage(intervals, LATE, LATE + 300, _tariff(), UTC)
    assert late.wh == pytest.approx(30.0)
    assert late.estimated


counters = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=30)


@given(counters, st.floats(1, 3600))
def test_counter_energy_is_never_negative_and_adds_up_between_resets(
    values: list[float], step: float
) -> None:
    readings = [Reading(LATE + i * step, None, v) for i, v in enumerate(values)]
    got = [interval_between(a, b) for a, b in itertools.pairwise(readings)]
    assert all(i is not None and i.wh >= 0 for i in got)
    if values == sorted(values):
        assert sum(i.wh for i in got if i) == pytest.approx(values[-1] - values[0])
        assert not any(i.estimated for i in got if i)


@given(
    st.floats(0, 3 * 86400),
    st.floats(0, 3 * 86400),
    st.floats(0, 1e5),
    st.booleans(),
)
def test_portions_keep_every_watt_hour_and_price_it_between_the_rates(
    offset: float, length: float, wh: float, estimated: bool
) -> None:
    interval = Interval(LATE + offset, LATE + offset + length, wh, estimated)
    parts = portions(interval, _tariff(), UTC)
    assert sum(p.usage.wh for p in parts) == pytest.approx(wh, rel=1e-9, abs=1e-9)
    cost = sum(p.usage.cost or 0.0 for p in parts)
    assert wh / 1000 * 0.20 - 1e-9 <= cost <= wh / 1000 * 0.40 + 1e-9
    assert all(p.usage.estimated == estimated for p in parts)
    assert [p.day for p in parts] == sorted({p.day for p in parts})


@given(st.lists(st.floats(0, 5000), min_size=2, max_size=20), st.floats(0, 1), st.floats(0, 1))
def test_span_usage_of_the_whole_run_is_the_sum(watts: list[float], a: float, b: float) -> None:
    readings = [Reading(LATE + 60 * i, w, None) for i, w in enumerate(watts)]
    intervals = [interval_between(x, y) for x, y in itertools.pairwise(readings)]
    known = [i for i in intervals if i is not None]
    end = readings[-1].ts
    whole = span_usage(known, LATE, end, None, UTC)
    assert whole.wh == pytest.approx(sum(i.wh for i in known), abs=1e-9)
    assert whole.cost is None
    # any sub-span costs no more than the whole
    lo, hi = sorted((LATE + a * (end - LATE), LATE + b * (end - LATE)))
    assert span_usage(known, lo, hi, None, UTC).wh <= whole.wh + 1e-9
