"""One job with a known power profile, through the controller and a Shelly simulator over HTTP.

The simulated load follows a scripted profile (warm-up, printing, idle).  The
controller reads the plug as in the daemon: at the job's start and end and
every sample.  Its clock is shifted so that the job spans midnight of New
Year 2027 (UTC), where the tariff also changes, inside the night period of
both versions.  The stored job and the daily totals must match the profile's
energy and the cost at the two rates, within the stated tolerances.

The figures are printed (``-s``) for the report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.config import Section
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine, JobPhase
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.power.tariff import parse_tariff
from tests.power.test_controller import _drive, _until
from tests.support.plugsim.shelly_sim import ShellySim

pytestmark = pytest.mark.usefixtures("quick_timing")

UTC = dt.UTC
MIDNIGHT = dt.datetime(2027, 1, 1, tzinfo=UTC).timestamp()
TARIFF = parse_tariff(
    Section(
        "power.tariff",
        "<test>",
        {
            "currency": "EUR",
            "periods": [{"start": "07:00", "rate": 0.35}, {"start": "22:00", "rate": 0.20}],
            "changes": [
                {
                    "since": dt.date(2027, 1, 1),
                    "periods": [{"start": "07:00", "rate": 0.40}, {"start": "22:00", "rate": 0.25}],
                }
            ],
        },
    )
)
OLD_RATE, NEW_RATE = 0.20, 0.25
IDLE_W = 36.0
#: (s, W): 1 s warm-up at 36 kW, 2 s printing at 18 kW, then idle; 20 Wh in all
PROFILE = ((0.0, 36_000.0), (1.0, 18_000.0), (3.0, IDLE_W))
PROFILE_WH = 20.0
#: the profile starts this long after the job's start reading
LEAD_S = 0.3
#: midnight comes this long after the controller starts: in the print (profile's 1..3 s)
MIDNIGHT_AFTER_S = 2.0
SAMPLE_S = 0.1
#: relative tolerance: with a counter, only the idle watts around the edges differ;
#: without one, the trapezoid over 0.1 s samples blurs each step by up to half a sample
TOLERANCE = {True: 0.01, False: 0.06}


@pytest.fixture(params=[True, False], ids=["counter", "power-model"])
def sim(request: pytest.FixtureRequest) -> Iterator[ShellySim]:
    with ShellySim(gen=2, meter=request.param, power_w=IDLE_W, energy_wh=5000.0) as s:
        yield s


def _controller(sim: ShellySim, log: EnergyLog, clock_base: list[float]) -> PlugController:
    spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port, (("gen", "2"), ("timeout", "0.5")))
    machine = IdleMachine(delay=30.0, failsafe=0.0)

    def clock() -> float:
        return clock_base[0] + time.monotonic()

    return PlugController(create_plug(spec), machine, log, energy_sample=SAMPLE_S, clock=clock)


def test_job_energy_and_cost_across_midnight_and_a_tariff_change(
    sim: ShellySim, tmp_path: Path
) -> None:
    log = EnergyLog(tmp_path / "energy.sqlite3", tz=UTC, tariff=TARIFF)
    # the controller's epoch is monotonic time shifted so that midnight comes MIDNIGHT_AFTER_S
    # after now: after the start reading and the lead, within the 18 kW part of the profile
    base = [MIDNIGHT - time.monotonic() - MIDNIGHT_AFTER_S]
    ctl = _controller(sim, log, base)
    marks: dict[str, float] = {}

    async def script() -> None:
        ctl.job("office/7", JobPhase.PROCESSING)
        await _until(lambda: sim.is_on and len(log.readings("desk", 0)) >= 1)
        await asyncio.sleep(LEAD_S)
        marks["start"] = sim.play_profile(PROFILE)
        await asyncio.sleep(PROFILE[-1][0] + 0.3)
        ctl.job("office/7", JobPhase.ENDED)
        marks["ended"] = time.monotonic()
        await _until(lambda: bool(log.job_energy("desk", 0)))

    try:
        asyncio.run(_drive(ctl, script))
        (job,) = log.job_energy("desk", 0)
        days = log.daily("desk", 3, MIDNIGHT + 60)
    finally:
        log.close()
    measured_window = (job.start - base[0], job.end - base[0])  # monotonic
    expected_wh = sim.profile_wh(*measured_window)
    midnight_mono = MIDNIGHT - base[0]
    before = sim.profile_wh(measured_window[0], midnight_mono)
    after = expected_wh - before
    expected_cost = before / 1000 * OLD_RATE + after / 1000 * NEW_RATE
    print(
        f"\n[{'counter' if sim.meter else 'power model'}] job {job.job}: "
        f"expected {expected_wh:.3f} Wh ({PROFILE_WH:.1f} Wh profile + idle), "
        f"measured {job.wh:.3f} Wh; expected cost {expected_cost:.6f} EUR, "
        f"measured {job.cost:.6f} EUR; days {[(d.day.isoformat(), round(d.wh, 3)) for d in days]}"
    )
    tolerance = TOLERANCE[sim.meter]
    assert PROFILE_WH <= expected_wh < PROFILE_WH * 1.01  # the job spans the whole profile
    assert marks["start"] + 1.0 < midnight_mono < marks["start"] + 3.0  # midnight in the print
    assert job.wh == pytest.approx(expected_wh, rel=tolerance)
    assert job.cost == pytest.approx(expected_cost, rel=tolerance)
    assert job.currency == "EUR"
    assert not job.estimated
    by_day = {d.day: d for d in days}
    assert set(by_day) == {dt.date(2026, 12, 31), dt.date(2027, 1, 1)}
    assert by_day[dt.date(2026, 12, 31)].wh == pytest.approx(before, rel=tolerance, abs=0.05)
    assert by_day[dt.date(2027, 1, 1)].wh == pytest.approx(after, rel=tolerance, abs=0.05)
