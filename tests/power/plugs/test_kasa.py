"""The legacy Kasa driver against the npm tplink-smarthome-simulator (hs110)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs import retry
from printerapp.power.plugs.base import Plug, PlugFeature, PlugSpec, create_plug
from printerapp.power.plugs.retry import RetryingPlug
from tests.support.plugsim.kasa_sim import KasaSim, simulator_available

T = TypeVar("T")


@pytest.fixture
def sim() -> Iterator[KasaSim]:
    if not simulator_available():
        pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
    with KasaSim() as s:
        yield s


def _run(sim: KasaSim, body: Callable[[Plug], Awaitable[T]]) -> T:
    spec = PlugSpec("desk", "kasa", "127.0.0.1", sim.port, (("timeout", "1"),))

    async def go() -> T:
        plug = create_plug(spec)
        try:
            return await body(plug)
        finally:
            await plug.close()

    return asyncio.run(go())


def test_switch_state_power_and_lifetime_counter(sim: KasaSim) -> None:
    sim.set_emeter(power_w=12.5, total_kwh=3.25)  # a live meter: the counter grows while on

    async def body(plug: Plug) -> list[object]:
        seen: list[object] = [await plug.state()]
        await plug.switch(True)
        seen += [await plug.state(), sim.is_on, await plug.power_w(), await plug.energy_wh()]
        return seen

    assert _run(sim, body) == [False, True, True, 12.5, pytest.approx(3250.0, abs=0.01)]


def test_no_failsafe_is_claimed(sim: KasaSim) -> None:
    async def body(plug: Plug) -> None:
        assert PlugFeature.FAILSAFE not in plug.features
        with pytest.raises(PowerError, match="no failsafe timer"):
            await plug.arm_failsafe(60)

    _run(sim, body)


def test_the_button_and_an_unreachable_plug(sim: KasaSim) -> None:
    async def body(plug: Plug) -> bool:
        sim.is_on = True
        assert await plug.state()
        sim.set_reachable(False)
        with pytest.raises(PlugUnreachableError):
            await plug.state()
        sim.set_reachable(True)
        return await plug.state()

    assert _run(sim, body) is True


def test_an_hs100_has_no_meter() -> None:
    if not simulator_available():
        pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
    with KasaSim(model="hs100") as sim:

        async def body(plug: Plug) -> None:
            await plug.switch(True)
            with pytest.raises(PowerError, match="has no energy meter"):
                await plug.power_w()

        _run(sim, body)


@pytest.mark.e2e
def test_unreliable_plug_loses_no_switch(sim: KasaSim, monkeypatch: pytest.MonkeyPatch) -> None:
    """30 % of the simulator's answers are garbage; every switch still lands."""
    monkeypatch.setattr(retry, "RETRY_BASE_S", 0.05)
    sim.set_drop_percent(30)

    async def body(plug: Plug) -> list[bool]:
        wrapped = RetryingPlug(plug, attempts=6)
        seen = []
        for i in range(6):
            await wrapped.switch(i % 2 == 0)
            seen.append(await wrapped.state())
        return seen

    assert _run(sim, body) == [True, False, True, False, True, False]
    sim.set_drop_percent(0)
    assert not sim.is_on
