"""One job with a known power profile, through the controller and each plug simulator.

Shelly Gen2 over HTTP (with its counter, and without: the power model), a
legacy Kasa HS110 through the npm simulator (hardware 1's W/kWh, hardware
2's mW/whole Wh, and an answer without the counter) and a Tapo P110 over
KLAP.  The simulated load follows a scripted profile (warm-up, printing, idle).  The
controller reads the plug as in the daemon: at the job's start and end and
every sample.  Its clock is shifted so that the job spans midnight of New
Year 2027 (UTC), where the tariff also changes, inside the night period of
both versions.  The stored job and the daily totals must match the profile's
energy and the cost at the two rates, within the stated tolerances.

The figures are printed (``-s``) for the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from printerapp.config import Section
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine, JobPhase
from printerapp.power.plugs.base import Credentials, PlugSpec, create_plug
from printerapp.power.tariff import parse_tariff
from tests.power.test_controller import _drive, _until
from tests.support.plugsim import KasaSim, KlapSim, ShellySim, kasa_simulator_available

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
IDLE_W = 360.0
#: (s, W): 1 s warm-up at 360 kW, 2 s printing at 180 kW, then idle; 200 Wh in all
#: (shrunk time: large enough that a whole-Wh counter's truncation stays under 0.5 %)
PROFILE = ((0.0, 360_000.0), (1.0, 180_000.0), (3.0, IDLE_W))
PROFILE_WH = 200.0
#: the profile starts this long after the job's start reading
LEAD_S = 0.3
#: midnight comes this long after the controller starts: in the print (profile's 1..3 s)
MIDNIGHT_AFTER_S = 2.0
SAMPLE_S = 0.1
#: relative tolerance: with a counter, only the idle watts around the edges differ (and a
#: whole-Wh counter's truncation, < 1 Wh); without one, the trapezoid over 0.1 s samples
#: blurs each step by up to half a sample
TOLERANCE = {True: 0.01, False: 0.06}
LOGIN = Credentials("user@example.com", "secret")


class Meter(Protocol):
    """What the test needs of a simulator: the relay and the scripted load."""

    port: int

    @property
    def is_on(self) -> bool: ...

    def play_profile(self, steps: Sequence[tuple[float, float]]) -> float: ...

    def profile_wh(self, a: float, b: float) -> float: ...


@dataclass(frozen=True, slots=True)
class Case:
    """One plug as the energy path meets it."""

    type: str
    #: the plug reports a cumulative counter (else: the power model)
    counter: bool
    #: the counter's resolution in Wh (the day split may be off by one step)
    step_wh: float
    sim: Callable[[], AbstractContextManager[Meter]]
    options: tuple[tuple[str, str], ...] = ()


def _kasa(model: str, meter: bool) -> Callable[[], AbstractContextManager[Meter]]:
    @contextlib.contextmanager
    def make() -> Iterator[Meter]:
        if not kasa_simulator_available():
            pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
        with KasaSim(model=model, meter=meter) as sim:
            sim.set_emeter(power_w=IDLE_W, total_kwh=5.0)
            yield sim

    return make


CASES = {
    # Shelly Gen2: aenergy.total Wh with decimals, apower W
    "shelly-counter": Case(
        "shelly",
        True,
        0.001,
        lambda: ShellySim(gen=2, meter=True, power_w=IDLE_W, energy_wh=5000.0),
        (("gen", "2"),),
    ),
    "shelly-power-model": Case(
        "shelly",
        False,
        0.0,
        lambda: ShellySim(gen=2, meter=False, power_w=IDLE_W, energy_wh=5000.0),
        (("gen", "2"),),
    ),
    # HS110 hardware 1: get_realtime power W, total kWh
    "kasa-hs110": Case("kasa", True, 0.0, _kasa("hs110", True)),
    # HS110 hardware 2: power_mw, total_wh in whole Wh
    "kasa-hs110v2": Case("kasa", True, 1.0, _kasa("hs110v2", True)),
    # a get_realtime without the counter: power only
    "kasa-power-model": Case("kasa", False, 0.0, _kasa("hs110", False)),
    # Tapo P110 over KLAP: month_energy whole Wh, current_power mW
    "tapo-p110": Case("tapo", True, 1.0, lambda: KlapSim(power_w=IDLE_W, energy_wh=5000.0), ()),
}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


def _controller(case: Case, sim: Meter, log: EnergyLog, clock_base: list[float]) -> PlugController:
    spec = PlugSpec("desk", case.type, "127.0.0.1", sim.port, (*case.options, ("timeout", "1")))
    machine = IdleMachine(delay=30.0, failsafe=0.0)

    def clock() -> float:
        return clock_base[0] + time.monotonic()

    plug = create_plug(spec, LOGIN if case.type == "tapo" else None)
    return PlugController(plug, machine, log, energy_sample=SAMPLE_S, clock=clock)


def test_job_energy_and_cost_across_midnight_and_a_tariff_change(
    case: Case, tmp_path: Path
) -> None:
    with case.sim() as sim:
        _job_across_midnight(case, sim, tmp_path)


def _job_across_midnight(case: Case, sim: Meter, tmp_path: Path) -> None:
    log = EnergyLog(tmp_path / "energy.sqlite3", tz=UTC, tariff=TARIFF)
    # the controller's epoch is monotonic time shifted so that midnight comes MIDNIGHT_AFTER_S
    # after now: after the start reading and the lead, within the 18 kW part of the profile
    base = [MIDNIGHT - time.monotonic() - MIDNIGHT_AFTER_S]
    ctl = _controller(case, sim, log, base)
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
        f"\n[{case.type} {'counter' if case.counter else 'power model'}] job {job.job}: "
        f"expected {expected_wh:.3f} Wh ({PROFILE_WH:.1f} Wh profile + idle), "
        f"measured {job.wh:.3f} Wh; expected cost {expected_cost:.6f} EUR, "
        f"measured {job.cost:.6f} EUR; days {[(d.day.isoformat(), round(d.wh, 3)) for d in days]}"
    )
    tolerance = TOLERANCE[case.counter]
    assert PROFILE_WH <= expected_wh < PROFILE_WH * 1.01  # the job spans the whole profile
    assert marks["start"] + 1.0 < midnight_mono < marks["start"] + 3.0  # midnight in the print
    assert job.wh == pytest.approx(expected_wh, rel=tolerance)
    assert job.cost == pytest.approx(expected_cost, rel=tolerance)
    assert job.currency == "EUR"
    assert not job.estimated
    by_day = {d.day: d for d in days}
    assert set(by_day) == {dt.date(2026, 12, 31), dt.date(2027, 1, 1)}
    # a reading is stamped when its answer arrives: under load that lags the simulator's own
    # clock by tens of ms, at 180 kW 50 ms is 2.5 Wh (a whole sample late would be 5 Wh)
    slack = max(2.5, case.step_wh)
    assert by_day[dt.date(2026, 12, 31)].wh == pytest.approx(before, rel=tolerance, abs=slack)
    assert by_day[dt.date(2027, 1, 1)].wh == pytest.approx(after, rel=tolerance, abs=slack)
