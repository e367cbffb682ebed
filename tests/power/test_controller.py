"""Idle power-off on the event loop, against a Shelly simulator speaking real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine, JobPhase
from printerapp.power.plugs.base import PlugSpec, create_plug
from tests.support.plugsim.shelly_sim import ShellySim

pytestmark = pytest.mark.usefixtures("quick_timing")

#: 36 kW: 10 Wh a second, so a short test shows a clear figure
POWER_W = 36_000.0


@pytest.fixture
def sim() -> Iterator[ShellySim]:
    with ShellySim(gen=2, power_w=POWER_W, energy_wh=1000.0) as s:
        yield s


def _controller(
    sim: ShellySim, delay: float, *, failsafe: float = 0.0, energy: EnergyLog | None = None
) -> PlugController:
    spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port, (("gen", "2"), ("timeout", "0.3")))
    machine = IdleMachine(delay=delay, failsafe=failsafe)
    return PlugController(create_plug(spec), machine, energy, energy_sample=0.2)


async def _drive(ctl: PlugController, script: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(ctl.run())
    try:
        await script()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ctl.plug.close()


async def _until(check: Callable[[], bool], limit: float = 5.0) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "condition not reached"
        await asyncio.sleep(0.01)
    return time.monotonic()


def test_job_on_then_idle_off(sim: ShellySim) -> None:
    ctl = _controller(sim, delay=0.3)

    async def script() -> None:
        ctl.job("q/1", JobPhase.PENDING)
        await _until(lambda: sim.is_on)
        ctl.job("q/1", JobPhase.ENDED)
        ended = time.monotonic()
        off = await _until(lambda: not sim.is_on)
        assert 0.25 < off - ended < 1.0

    asyncio.run(_drive(ctl, script))
    assert sim.switch_offs() == 1


def test_second_job_during_idle_delay_resets_the_timer(sim: ShellySim) -> None:
    ctl = _controller(sim, delay=0.5)

    async def script() -> None:
        ctl.job("q/1", JobPhase.PROCESSING)
        await _until(lambda: sim.is_on)
        ctl.job("q/1", JobPhase.ENDED)
        await asyncio.sleep(0.35)
        ctl.job("q/2", JobPhase.PROCESSING)
        await asyncio.sleep(0.35)  # past the first job's deadline: still on
        assert sim.is_on
        ctl.job("q/2", JobPhase.ENDED)
        second_end = time.monotonic()
        off = await _until(lambda: not sim.is_on)
        assert off - second_end >= 0.45

    asyncio.run(_drive(ctl, script))
    assert sim.switch_offs() == 1


def test_long_job_outlasting_the_delay_and_the_failsafe(sim: ShellySim) -> None:
    """Scenario 3: never off under a job; the plug-side failsafe is re-armed meanwhile."""
    ctl = _controller(sim, delay=0.2, failsafe=0.6)

    async def script() -> None:
        ctl.job("q/1", JobPhase.PROCESSING)
        await _until(lambda: sim.is_on)
        await asyncio.sleep(2.0)  # > 3 idle delays, > 3 failsafe periods
        assert sim.is_on
        assert sim.switch_offs() == 0
        ctl.job("q/1", JobPhase.ENDED)
        await _until(lambda: not sim.is_on)

    asyncio.run(_drive(ctl, script))
    arms = [r for r in sim.requests if "toggle_after" in r]
    assert len(arms) >= 4


def test_manual_power_on_is_noticed_and_switched_off(sim: ShellySim) -> None:
    ctl = _controller(sim, delay=0.3)

    async def script() -> None:
        await asyncio.sleep(0.15)
        sim.is_on = True  # someone pressed the button
        pressed = time.monotonic()
        off = await _until(lambda: not sim.is_on)
        assert off - pressed >= 0.3

    asyncio.run(_drive(ctl, script))


def test_hold_and_live_delay_change(sim: ShellySim) -> None:
    ctl = _controller(sim, delay=60)

    async def script() -> None:
        ctl.hold(time.time() + 0.4)
        await _until(lambda: sim.is_on)
        await asyncio.sleep(0.2)
        ctl.set_delay(0.1)
        assert sim.is_on  # the hold still runs
        await _until(lambda: not sim.is_on, limit=2)

    asyncio.run(_drive(ctl, script))


def test_unreachable_plug_never_crashes_and_recovers(sim: ShellySim) -> None:
    """Scenario 4 on the daemon side: status shows it, the job is served once it is back."""
    ctl = _controller(sim, delay=0.3)

    async def script() -> None:
        sim.set_reachable(False)
        ctl.job("q/1", JobPhase.PROCESSING)
        await _until(lambda: ctl.status == "unreachable")
        await asyncio.sleep(0.3)
        sim.set_reachable(True)
        await _until(lambda: ctl.status == "on")
        assert sim.is_on

    asyncio.run(_drive(ctl, script))


def test_flaky_plug_never_switches_off_under_a_job(sim: ShellySim) -> None:
    """Scenario 5: 30 % of requests dropped; jobs keep the printer on.

    The pauses between jobs are either well inside the idle delay or well past
    it, so no switch-off is in flight when a job is reported: any switch-off
    seen during a job would be one the controller decided under that job.
    """
    sim.drop_percent = 30
    ctl = _controller(sim, delay=0.15, failsafe=0.8)
    windows: list[tuple[float, float]] = []

    async def script() -> None:
        for n in range(8):
            start = time.monotonic()
            ctl.job(f"q/{n}", JobPhase.PROCESSING)
            await _until(lambda: sim.is_on)
            await asyncio.sleep(0.3)
            ctl.job(f"q/{n}", JobPhase.ENDED)
            windows.append((start, time.monotonic()))
            if n % 2:
                await _until(lambda: not sim.is_on and ctl.status == "off")
                await asyncio.sleep(0.1)
            else:
                await asyncio.sleep(0.03)

    asyncio.run(_drive(ctl, script))
    offs = [t for t, on in sim.switch_log if not on]
    assert len(offs) >= 4
    assert not [t for t in offs for a, b in windows if a <= t <= b]


def test_energy_per_job_and_at_switch_off(sim: ShellySim, tmp_path: Path) -> None:
    log = EnergyLog(tmp_path / "energy.sqlite3")
    ctl = _controller(sim, delay=0.2, energy=log)

    async def script() -> None:
        ctl.job("q/1", JobPhase.PROCESSING)
        await _until(lambda: sim.is_on)
        await asyncio.sleep(0.6)
        ctl.job("q/1", JobPhase.ENDED)
        await _until(lambda: not sim.is_on)
        await asyncio.sleep(0.1)

    try:
        asyncio.run(_drive(ctl, script))
        jobs = log.jobs("desk", 0)
        offs = log.switch_offs("desk", 0)
        total = sum(t.wh for t in log.daily("desk", 2, time.time()))
    finally:
        log.close()
    assert [j[0] for j in jobs] == ["q/1"]
    # ~0.6 s of a 10 Wh/s load, between the readings taken at its start and end
    assert 3.0 < jobs[0][3] < 12.0
    assert len(offs) == 1
    # read just before the relay opened: tens of ms of a 10 Wh/s load short of the end count
    assert offs[0][2] == pytest.approx(sim.energy_wh, abs=1.0)
    assert total == pytest.approx(sim.energy_wh - 1000.0, rel=0.3)
