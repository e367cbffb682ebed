"""The dashboard's power interface over a real plug controller and a Shelly simulator."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.errors import PowerError
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine, JobPhase
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.web.app import dashboard_url
from printerapp.web.power import ControllerPower, NoPower
from tests.support.plugsim.shelly_sim import ShellySim


@pytest.fixture
def sim() -> Iterator[ShellySim]:
    with ShellySim(gen=2, power_w=30.0, energy_wh=10.0, is_on=True) as s:
        yield s


def _controller(sim: ShellySim, energy: EnergyLog | None = None) -> PlugController:
    spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port, (("gen", "2"), ("timeout", "0.5")))
    return PlugController(create_plug(spec), IdleMachine(delay=300.0), energy)


def test_switch_off_is_refused_under_an_active_job(sim: ShellySim) -> None:
    async def scenario() -> None:
        ctl = _controller(sim)
        power = ControllerPower({"Office": ctl})
        try:
            ctl.machine.plug_seen(True, time.time())
            ctl.job("Office/1", JobPhase.PROCESSING)
            status = power.status("Office")
            assert status is not None
            assert (status.jobs, status.off_at) == (1, None)  # busy: no countdown
            with pytest.raises(PowerError, match="a job is active"):
                await power.switch("Office", False)
            assert sim.is_on
            ctl.job("Office/1", JobPhase.ENDED)
            await power.switch("Office", False)
            assert not sim.is_on
            assert ctl.switches[-1][1] is False
            assert power.status("Office") is not None
            with pytest.raises(PowerError, match="has no plug"):
                power.hold("Lab", 60)
            assert power.status("Lab") is None
        finally:
            await ctl.plug.close()

    asyncio.run(scenario())


def test_hold_and_delay_move_the_countdown(sim: ShellySim) -> None:
    ctl = _controller(sim)
    now = time.time()
    power = ControllerPower({"Office": ctl}, clock=lambda: now)
    ctl.machine.plug_seen(True, now)
    status = power.status("Office")
    assert status is not None
    assert status.off_at == pytest.approx(now + 300)
    power.set_delay("Office", 60)
    power.hold("Office", 900)
    status = power.status("Office")
    assert status is not None
    assert (status.delay, status.hold_until, status.off_at) == (60, now + 900, now + 900)
    power.hold("Office", 0)
    assert power.status("Office").off_at == pytest.approx(now + 60)  # type: ignore[union-attr]


def test_a_pre_warm_shows_with_its_short_countdown(sim: ShellySim) -> None:
    ctl = _controller(sim)
    now = time.time()
    power = ControllerPower({"Office": ctl}, clock=lambda: now)
    ctl.machine.plug_seen(False, now)
    ctl.prewarm(120)
    ctl.machine.switched(True, now)
    status = power.status("Office")
    assert status is not None
    assert status.prewarm
    assert status.off_at == pytest.approx(now + 120, abs=1)  # not the 300 s idle delay
    ctl.job("Office/1", JobPhase.PROCESSING)
    status = power.status("Office")
    assert status is not None
    assert not status.prewarm


def test_daily_energy_comes_from_the_log(tmp_path: Path, sim: ShellySim) -> None:
    energy = EnergyLog(tmp_path / "e.sqlite3")
    now = time.time()
    energy.record("desk", now - 120, None, 10.0)
    energy.record("desk", now - 60, None, 25.5)
    power = ControllerPower({"Office": _controller(sim, energy)}, energy)
    series = power.daily("Office", 3, now)
    assert [d for d, _ in series][-1] == dt.date.fromtimestamp(now)
    assert sum(wh for _, wh in series) == pytest.approx(15.5)
    assert [wh for _, wh in power.daily("Lab", 3, now)] == [0, 0, 0]
    energy.close()


def test_no_power_refuses_every_action() -> None:
    none = NoPower()
    assert none.status("Office") is None
    with pytest.raises(PowerError):
        asyncio.run(none.switch("Office", True))
    with pytest.raises(PowerError):
        none.set_delay("Office", 5)
    assert len(none.daily("Office", 30, time.time())) == 30


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:7631/"),
        ("::1", "http://[::1]:7631/"),
        ("0.0.0.0", "http://127.0.0.1:7631/"),
        ("192.168.1.4", "http://192.168.1.4:7631/"),
    ],
)
def test_dashboard_url(host: str, url: str) -> None:
    assert dashboard_url(host, 7631) == url
