"""The tariff table: parsing, errors naming file and key, rates by time, slices at every cut."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.config import Section, load_config
from printerapp.errors import ConfigError
from printerapp.power.settings import power_settings
from printerapp.power.tariff import Tariff, parse_tariff, slices

UTC = dt.UTC
DAY = dt.datetime(2026, 12, 31, tzinfo=UTC).timestamp()
TIME_OF_DAY = {
    "currency": "EUR",
    "periods": [{"start": "22:00", "rate": 0.20}, {"start": "07:00", "rate": 0.35}],
    "changes": [{"since": "2027-01-01", "rate": 0.30}],
}


def _tariff(values: dict[str, Any]) -> Tariff:
    tariff = parse_tariff(Section("power.tariff", "/etc/p.toml", values))
    assert tariff is not None
    return tariff


def test_flat_rate_and_absent_table() -> None:
    tariff = _tariff({"currency": "EUR", "rate": 0.3})
    assert tariff.rate_at(dt.datetime(2026, 5, 1, 3, 0)) == 0.3
    assert parse_tariff(Section("power.tariff", "/etc/p.toml", {})) is None


def test_time_of_day_wraps_over_midnight_and_changes_on_a_date() -> None:
    tariff = _tariff(TIME_OF_DAY)
    assert tariff.rate_at(dt.datetime(2026, 12, 31, 6, 59)) == 0.20  # last period wraps
    assert tariff.rate_at(dt.datetime(2026, 12, 31, 7, 0)) == 0.35
    assert tariff.rate_at(dt.datetime(2026, 12, 31, 23, 0)) == 0.20
    assert tariff.rate_at(dt.datetime(2027, 1, 1, 12, 0)) == 0.30
    assert tariff.rate_at(dt.datetime(2020, 1, 1, 12, 0)) == 0.35  # before any change: the base


def test_toml_dates_and_times_are_accepted() -> None:
    tariff = _tariff(
        {
            "currency": "GBP",
            "periods": [{"start": dt.time(0, 30), "rate": 0.1}],
            "changes": [{"since": dt.date(2027, 1, 1), "rate": 0.2}],
        }
    )
    assert tariff.versions[1].since == dt.date(2027, 1, 1)
    assert tariff.versions[0].periods[0].start == dt.time(0, 30)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rate": 0.3}, "power.tariff.currency: expected a three-letter code"),
        ({"currency": "euro", "rate": 0.3}, "power.tariff.currency: expected a three-letter"),
        ({"currency": "EUR"}, "power.tariff.rate: give either rate or periods"),
        ({"currency": "EUR", "rate": -1}, "power.tariff.rate: -1 is below the minimum 0"),
        ({"currency": "EUR", "rate": "0.3"}, "power.tariff.rate: expected a number"),
        ({"currency": "EUR", "rate": 1, "colour": 1}, "power.tariff.colour: unknown key"),
        (
            {"currency": "EUR", "periods": [{"start": "25:00", "rate": 1}]},
            'power.tariff.periods[0].start: expected a time of day such as "07:00"',
        ),
        (
            {"currency": "EUR", "periods": [{"start": "07:00"}]},
            "power.tariff.periods[0].rate: missing",
        ),
        (
            {"currency": "EUR", "periods": [{"start": "07:00", "rate": 1}] * 2},
            "power.tariff.periods: two periods start at the same time",
        ),
        ({"currency": "EUR", "periods": "07:00"}, "power.tariff.periods: expected an array"),
        (
            {"currency": "EUR", "rate": 1, "changes": [{"since": "soon", "rate": 1}]},
            "power.tariff.changes[0].since: expected a date such as 2027-01-01",
        ),
        (
            {"currency": "EUR", "rate": 1, "changes": [{"since": "2027-01-01", "rate": 1}] * 2},
            "power.tariff.changes: two changes on the same day",
        ),
    ],
)
def test_bad_tables_name_file_key_and_reason(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_tariff(Section("power.tariff", "/etc/p.toml", values))
    assert str(info.value).startswith("/etc/p.toml: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_slices_cut_at_period_starts_midnight_and_the_change() -> None:
    tariff = _tariff(TIME_OF_DAY)
    # 2026-12-31 21:00 -> 2027-01-01 08:00 UTC
    parts = slices(DAY + 21 * 3600, DAY + 32 * 3600, tariff, UTC)
    hours = [((p.t1 - p.t0) / 3600, p.day.isoformat(), p.rate) for p in parts]
    assert hours == [
        (1.0, "2026-12-31", 0.35),
        (2.0, "2026-12-31", 0.20),
        (8.0, "2027-01-01", 0.30),
    ]


@given(
    st.floats(0, 3 * 86400),
    st.floats(0.001, 3 * 86400),
    st.sampled_from([UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=9))]),
)
def test_slices_tile_the_span_and_carry_the_rate_in_force(
    offset: float, length: float, tz: dt.tzinfo
) -> None:
    tariff = _tariff(TIME_OF_DAY)
    t0, t1 = DAY + offset, DAY + offset + length
    parts = slices(t0, t1, tariff, tz)
    assert parts[0].t0 == t0
    assert parts[-1].t1 == t1
    for a, b in itertools.pairwise(parts):
        assert a.t1 == b.t0
    for p in parts:
        middle = dt.datetime.fromtimestamp((p.t0 + p.t1) / 2, tz)
        assert p.day == middle.date()
        assert p.rate == tariff.rate_at(middle.replace(tzinfo=None))


def test_tariff_from_the_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "printerapp.toml"
    path.write_text(
        '[power.tariff]\ncurrency = "EUR"\n'
        '[[power.tariff.periods]]\nstart = "07:00"\nrate = 0.35\n'
        "[[power.tariff.periods]]\nstart = 22:00:00\nrate = 0.20\n"
        "[[power.tariff.changes]]\nsince = 2027-01-01\nrate = 0.30\n"
    )
    tariff = power_settings(load_config(path)).tariff
    assert tariff is not None
    assert [p.rate for p in tariff.versions[0].periods] == [0.35, 0.20]
    assert power_settings(load_config(tmp_path / "absent.toml")).tariff is None
    path.write_text('[power.tariff]\ncurrency = "EUR"\nperiods = [{start = "7am", rate = 1}]\n')
    with pytest.raises(ConfigError, match=r"printerapp\.toml: power\.tariff\.periods\[0\]\.start"):
        power_settings(load_config(path))
