"""Energy history in SQLite: counters, resets, midnight, jobs, the readout."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.config import Section
from printerapp.power.energy import (
    EnergyLog,
    counter_delta,
    energy_readout,
    energy_report,
    split_by_day,
)
from printerapp.power.tariff import Tariff, parse_tariff

UTC = dt.UTC
#: 2026-11-23 23:00:00 UTC
LATE = dt.datetime(2026, 11, 23, 23, 0, tzinfo=UTC).timestamp()
DAY1, DAY2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EnergyLog]:
    energy = EnergyLog(tmp_path / "state" / "energy.sqlite3", tz=UTC)
    yield energy
    energy.close()


def test_counter_delta_and_reset() -> None:
    assert counter_delta(100.0, 112.5) == 12.5
    assert counter_delta(2134.0, 3.0) == 3.0  # reset: energy since the reset


def test_split_by_day_at_midnight() -> None:
    parts = split_by_day(LATE, LATE + 7200, 20.0, UTC)  # 23:00 -> 01:00
    assert parts == [(DAY1, pytest.approx(10.0)), (DAY2, pytest.approx(10.0))]


@given(st.floats(0, 5 * 86400), st.floats(1, 5 * 86400), st.floats(0, 10_000))
def test_split_by_day_keeps_every_watt_hour(offset: float, length: float, wh: float) -> None:
    parts = split_by_day(LATE + offset, LATE + offset + length, wh, UTC)
    assert sum(p[1] for p in parts) == pytest.approx(wh, rel=1e-9, abs=1e-9)
    assert [d for d, _ in parts] == sorted({d for d, _ in parts})


def test_daily_totals_across_midnight_and_a_counter_reset(log: EnergyLog) -> None:
    log.record("desk", LATE, 5.0, 1000.0)  # 23:00, counter 1000 Wh
    log.record("desk", LATE + 1800, 300.0, 1030.0)  # 23:30: +30
    log.record("desk", LATE + 5400, 300.0, 1090.0)  # 00:30: +60, half on each day
    log.record("desk", LATE + 7200, 0.0, 4.0, "switch-off")  # 01:00, counter reset: +4
    totals = log.daily("desk", 30, LATE + 7200)
    assert [t.day for t in totals] == [DAY1, DAY2]
    assert totals[0].wh == pytest.approx(30 + 30)
    assert totals[1].wh == pytest.approx(30 + 4)
    assert log.switch_offs("desk", 0) == [(LATE + 7200, 0.0, 4.0)]


def test_job_energy_from_counter_and_from_power(log: EnergyLog) -> None:
    log.record("desk", LATE, 2.0, 500.0)
    log.record("desk", LATE + 60, 400.0, 505.0)  # job start reading
    log.record("desk", LATE + 120, 400.0, 512.0)
    log.record("desk", LATE + 180, 3.0, 515.5)  # job end reading
    assert log.record_job("desk", "q/1", LATE + 60, LATE + 180) == pytest.approx(10.5)
    # a plug without a counter: trapezoid of 100 W and 300 W over 36 s = 2 Wh
    log.record("meterless", LATE, 100.0, None)
    log.record("meterless", LATE + 36, 300.0, None)
    assert log.record_job("meterless", "q/2", LATE, LATE + 36) == pytest.approx(2.0)
    assert log.jobs("desk", 0) == [("q/1", LATE + 60, LATE + 180, pytest.approx(10.5))]


def test_report_text(log: EnergyLog) -> None:
    log.record("desk", LATE, 5.0, 1000.0)
    log.record("desk", LATE + 5400, 0.5, 2134.0, "switch-off")
    log.record_job("desk", "office/7", LATE, LATE + 5400)
    text = energy_report(log, "desk", 30, LATE + 5400)
    assert "2026-11-23      0.756 kWh" in text
    assert "2026-11-24      0.378 kWh" in text
    assert "total           1.134 kWh" in text
    assert "office/7" in text
    assert "power 0.50 W  counter 2.134 kWh" in text


def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "energy.sqlite3"
    first = EnergyLog(path, tz=UTC)
    first.record("desk", LATE, None, 10.0)
    first.close()
    second = EnergyLog(path, tz=UTC)
    second.record("desk", LATE + 60, None, 12.0)
    assert second.daily("desk", 1, LATE + 60)[0].wh == pytest.approx(2.0)
    second.close()


def test_readout_from_the_state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRINTERAPP_STATE_DIR", str(tmp_path / "state"))
    log = EnergyLog.open_default(tz=UTC)
    log.record("desk", LATE, 10.0, 100.0)
    log.record("desk", LATE + 60, 0.0, 150.0, "switch-off")
    log.close()
    assert (tmp_path / "state" / "energy.sqlite3").is_file()
    text = energy_readout("desk", 7, now=LATE + 60)
    assert text.startswith("Energy of plug desk, last 7 days")
    assert "0.050 kWh" in text


def _flat(rate: float = 0.30) -> Tariff:
    tariff = parse_tariff(Section("power.tariff", "<test>", {"currency": "EUR", "rate": rate}))
    assert tariff is not None
    return tariff


def test_costs_are_stored_per_day_month_and_job(tmp_path: Path) -> None:
    log = EnergyLog(tmp_path / "energy.sqlite3", tz=UTC, tariff=_flat())
    log.record("desk", LATE, 5.0, 1000.0)
    log.record("desk", LATE + 7200, 5.0, 1100.0)  # 100 Wh, half before midnight
    assert log.record_job("desk", "office/9", LATE, LATE + 7200) == pytest.approx(100.0)
    (job,) = log.job_energy("desk", 0)
    assert (job.job, job.currency, job.estimated) == ("office/9", "EUR", False)
    assert job.cost == pytest.approx(0.03)
    days = log.daily("desk", 30, LATE + 7200)
    assert [d.cost for d in days] == [pytest.approx(0.015), pytest.approx(0.015)]
    assert [(m.month, m.wh) for m in log.monthly("desk", 12, LATE + 7200)] == [
        ("2026-11", pytest.approx(100.0))
    ]
    text = energy_report(log, "desk", 30, LATE + 7200)
    assert "(tariff in EUR)" in text
    assert "2026-11      1.000 kWh" not in text
    assert "  2026-11         0.100 kWh          0.03 EUR" in text
    assert "office/9" in text
    assert "0.0300 EUR" in text
    log.close()


def test_missed_readings_are_marked_estimated_never_silently_zero(log: EnergyLog) -> None:
    log.record("meterless", LATE, 100.0, None)
    wh = log.record("meterless", LATE + 2 * 3600, 100.0, None)  # an hour of samples lost
    assert wh == pytest.approx(200.0)
    days = log.daily("meterless", 2, LATE + 7200)
    assert [d.estimated for d in days] == [True, True]
    assert sum(d.wh for d in days) == pytest.approx(200.0)
    assert "~ estimated" in energy_report(log, "meterless", 2, LATE + 7200)
    # a counter reset is a new segment: never negative, marked
    log.record("desk", LATE, 5.0, 2000.0)
    assert log.record("desk", LATE + 60, 5.0, 1.5) == 1.5
    assert log.daily("desk", 1, LATE)[0].estimated


def test_an_old_database_gains_the_cost_columns(tmp_path: Path) -> None:
    path = tmp_path / "energy.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE readings (plug TEXT NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL, "
        "power_w REAL, counter_wh REAL, delta_wh REAL NOT NULL);"
        "CREATE TABLE daily (plug TEXT NOT NULL, day TEXT NOT NULL, wh REAL NOT NULL, "
        "PRIMARY KEY (plug, day));"
        "CREATE TABLE jobs (plug TEXT NOT NULL, job TEXT NOT NULL, start_ts REAL NOT NULL, "
        "end_ts REAL NOT NULL, wh REAL NOT NULL);"
        "INSERT INTO daily VALUES ('desk', '2026-11-23', 10);"
    )
    rows = [("desk", LATE, "sample", 5, 100, 0), ("desk", LATE + 60, "sample", 5, 110, 10)]
    old.executemany("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?)", rows)
    old.commit()
    old.close()
    log = EnergyLog(path, tz=UTC, tariff=_flat())
    log.record("desk", LATE + 120, 5.0, 130.0)
    (day,) = log.daily("desk", 1, LATE + 120)
    assert day.wh == pytest.approx(30.0)
    assert day.cost == pytest.approx(0.006)  # only what was recorded with the tariff
    assert log.record_job("desk", "q/1", LATE, LATE + 120) == pytest.approx(30.0)
    log.close()
