"""The Tasmota driver against a Tasmota simulator on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Credentials, Plug, PlugSpec, create_plug
from printerapp.power.plugs.tasmota import MAX_PULSE_S, pulse_time_value
from tests.support.plugsim.tasmota_sim import TasmotaSim, pulse_seconds

T = TypeVar("T")


def _run(
    sim: TasmotaSim, body: Callable[[Plug], Awaitable[T]], credentials: Credentials | None = None
) -> T:
    spec = PlugSpec("desk", "tasmota", "127.0.0.1", sim.port)

    async def go() -> T:
        plug = create_plug(spec, credentials)
        try:
            return await body(plug)
        finally:
            await plug.close()

    return asyncio.run(go())


def test_switch_state_power_and_energy() -> None:
    with TasmotaSim(power_w=55.0, energy_wh=2500.0) as sim:

        async def body(plug: Plug) -> tuple[bool, bool, float, float]:
            before = await plug.state()
            await plug.switch(True)
            return before, await plug.state(), await plug.power_w(), await plug.energy_wh()

        before, after, watts, wh = _run(sim, body)
        assert (before, after, watts) == (False, True, 55.0)
        assert wh == pytest.approx(2500.0, abs=0.01)
        assert sim.requests[:2] == ["/cm?cmnd=Power1", "/cm?cmnd=Power1+On"]

        async def off(plug: Plug) -> float:
            await plug.switch(False)
            return await plug.power_w()

        assert _run(sim, off) == 0.0
        assert not sim.is_on


def test_pulse_time_is_the_failsafe() -> None:
    with TasmotaSim() as sim:
        sim.is_on = True

        async def arm(plug: Plug) -> None:
            await plug.arm_failsafe(0.3)

        _run(sim, arm)
        assert sim.pulse_time == 3
        assert sim.is_on
        time.sleep(0.45)
        assert not sim.is_on
        sim.is_on = False


def test_a_login_goes_in_the_parameters() -> None:
    with TasmotaSim(password="s3cret") as sim:  # noqa: S106

        async def state(plug: Plug) -> bool:
            return await plug.state()

        assert _run(sim, state, Credentials("admin", "s3cret")) is False
        with pytest.raises(PowerError, match=r"login refused \(HTTP 401\)") as caught:
            _run(sim, state, Credentials("admin", "wrong"))
        assert "wrong" not in str(caught.value)
        with pytest.raises(PowerError, match="login refused"):
            _run(sim, state)


def test_unreachable() -> None:
    with TasmotaSim() as sim:
        sim.set_reachable(False)

        async def state(plug: Plug) -> bool:
            return await plug.state()

        with pytest.raises(PlugUnreachableError):
            _run(sim, state)


@pytest.mark.parametrize(
    ("seconds", "value"), [(0.05, 1), (0.1, 1), (0.3, 3), (11.1, 111), (11.2, 112), (600, 700)]
)
def test_pulse_time_encoding(seconds: float, value: int) -> None:
    assert pulse_time_value(seconds) == value


@given(st.floats(min_value=0.001, max_value=MAX_PULSE_S))
def test_pulse_time_covers_the_delay(seconds: float) -> None:
    value = pulse_time_value(seconds)
    assert 1 <= value <= MAX_PULSE_S + 100
    assert pulse_seconds(value) >= min(seconds, 11.1) - 1e-9
    assert pulse_seconds(value) < max(seconds, 0.1) + 1.0001
