"""The Shelly driver against Gen1 and Gen2 simulators on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Plug, PlugSpec, create_plug
from printerapp.power.plugs.shelly import ShellyPlug
from tests.support.plugsim.shelly_sim import ShellySim

T = TypeVar("T")


@pytest.fixture(params=[1, 2], ids=["gen1", "gen2"])
def sim(request: pytest.FixtureRequest) -> Iterator[ShellySim]:
    with ShellySim(gen=request.param, power_w=40.0, energy_wh=1200.0) as s:
        yield s


def _run(sim: ShellySim, body: Callable[[Plug], Awaitable[T]], **options: str) -> T:
    spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port, tuple(options.items()))

    async def go() -> T:
        plug = create_plug(spec)
        try:
            return await body(plug)
        finally:
            await plug.close()

    return asyncio.run(go())


def test_switch_state_power_and_energy(sim: ShellySim) -> None:
    async def body(plug: Plug) -> tuple[bool, bool, float, float, bool]:
        before = await plug.state()
        await plug.switch(True)
        return before, await plug.state(), await plug.power_w(), await plug.energy_wh(), sim.is_on

    before, after, watts, wh, sim_on = _run(sim, body)
    assert isinstance(create_plug(PlugSpec("x", "shelly", "h")), ShellyPlug)
    assert (before, after, sim_on) == (False, True, True)
    assert watts == 40.0
    # Gen1 counts watt-minutes; both must read as Wh.
    assert wh == pytest.approx(1200.0, abs=0.1)


def test_the_generation_is_asked_once(sim: ShellySim) -> None:
    async def body(plug: Plug) -> None:
        for _ in range(3):
            await plug.state()

    _run(sim, body)
    assert sim.requests.count("/shelly") == 1
    sim.requests.clear()
    _run(sim, body, gen=str(sim.gen))
    assert "/shelly" not in sim.requests


def test_failsafe_switches_a_plug_that_is_on_off(sim: ShellySim) -> None:
    sim.is_on = True

    async def body(plug: Plug) -> float | None:
        await plug.arm_failsafe(0.3)
        return sim.failsafe_remaining()

    remaining = _run(sim, body)
    assert remaining is not None
    assert 0 < remaining <= 0.3
    assert sim.is_on
    time.sleep(0.4)
    assert not sim.is_on
    assert sim.switch_offs() == 1


def test_failsafe_leaves_a_plug_that_is_off_off(sim: ShellySim) -> None:
    async def body(plug: Plug) -> None:
        await plug.arm_failsafe(5)

    _run(sim, body)
    assert not sim.is_on
    assert not any("timer" in r or "toggle_after" in r for r in sim.requests)


def test_unreachable_and_errors(sim: ShellySim) -> None:
    sim.set_reachable(False)

    async def state(plug: Plug) -> bool:
        return await plug.state()

    with pytest.raises(PlugUnreachableError, match="no answer"):
        _run(sim, state, gen=str(sim.gen))
    sim.set_reachable(True)
    assert _run(sim, state) is False
    with pytest.raises(PowerError):
        _run(sim, state, channel="2")
    with pytest.raises(PowerError, match="option channel"):
        create_plug(PlugSpec("x", "shelly", "h", options=(("channel", "a"),)))
