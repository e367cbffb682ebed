"""The Tapo driver: python-kasa's real KLAP v2 transport against a KLAP simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Credentials, Plug, PlugFeature, PlugSpec, create_plug
from printerapp.power.plugs.retry import RetryingPlug
from printerapp.power.plugs.tapo import auto_off_minutes
from tests.support.plugsim.klap_sim import KlapSim

T = TypeVar("T")
LOGIN = Credentials("me@example.com", "tapo-pass")


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[KlapSim]:
    monkeypatch.setattr(KlapSim, "minute_s", 0.25)
    with KlapSim(username=LOGIN.username, password=LOGIN.password, power_w=30.0) as s:
        yield s


def _run(sim: KlapSim, body: Callable[[Plug], Awaitable[T]], login: Credentials = LOGIN) -> T:
    spec = PlugSpec("desk", "tapo", "127.0.0.1", sim.port, (("timeout", "2"),))

    async def go() -> T:
        plug = create_plug(spec, login)
        try:
            return await body(plug)
        finally:
            await plug.close()

    return asyncio.run(go())


def test_switch_and_read_over_one_cached_session(sim: KlapSim) -> None:
    sim.energy_wh = 321.0

    async def body(plug: Plug) -> list[object]:
        seen: list[object] = [await plug.state()]
        await plug.switch(True)
        seen += [await plug.state(), await plug.power_w(), await plug.energy_wh()]
        await plug.switch(False)
        seen.append(await plug.state())
        return seen

    assert _run(sim, body) == [False, True, 30.0, 321.0, False]
    assert sim.handshakes == 1, "the connection must be cached, not redone per call"
    assert sim.methods.count("component_nego") == 1
    assert sim.switch_offs() == 1


def test_auto_off_is_the_failsafe(sim: KlapSim) -> None:
    sim.is_on = True

    async def arm(plug: Plug) -> None:
        assert PlugFeature.FAILSAFE in plug.features
        await plug.arm_failsafe(30)  # rounds up to one (shrunk) minute

    _run(sim, arm)
    assert (sim.auto_off_enabled, sim.auto_off_min) == (True, 1)
    assert sim.is_on
    time.sleep(0.35)
    assert not sim.is_on


def test_a_rebooted_plug_gets_a_new_handshake(sim: KlapSim) -> None:
    """A lost session (HTTP 403) is retryable: the retry policy handshakes again."""

    async def body(plug: Plug) -> bool:
        await plug.switch(True)
        sim.forget_sessions()
        return await RetryingPlug(plug).state()

    assert _run(sim, body) is True
    assert sim.handshakes == 2


def test_unreachable_then_back(sim: KlapSim) -> None:
    async def body(plug: Plug) -> bool:
        await plug.state()
        sim.set_reachable(False)
        with pytest.raises(PlugUnreachableError, match="no answer to state"):
            await plug.state()
        sim.set_reachable(True)
        await plug.switch(True)
        return await plug.state()

    assert _run(sim, body) is True


def test_login_errors(sim: KlapSim) -> None:
    async def state(plug: Plug) -> bool:
        return await plug.state()

    with pytest.raises(PowerError, match="login refused; check the credentials"):
        _run(sim, state, Credentials(LOGIN.username, "nope"))
    with pytest.raises(PowerError, match="needs the TP-Link login: set TAPO_EMAIL"):
        create_plug(PlugSpec("desk", "tapo", "127.0.0.1", sim.port))


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (60, 1), (61, 2), (1800, 30)])
def test_auto_off_minutes(seconds: float, minutes: int) -> None:
    assert auto_off_minutes(seconds) == minutes
