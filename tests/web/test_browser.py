"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

A real manager runs one printer (the HP LaserJet 2100 pxlmono PPD, printing
to a TCP sink) whose plug is a Shelly simulator speaking real HTTP.  The test
loads the page, watches a plug change arrive live over ``/api/events``, clicks
"Power off" (the simulator switches), prints a test page (it reaches the
sink), switches the plug on again and keeps a screenshot in
``test-artifacts/dashboard.png``.  Then the queue crash-loops (its program
is a stand-in that fails while a cause file exists): the page shows it
waiting with the next try and a Restart button, which brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.manager import queue as queue_mod
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.power import controller as controller_module
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.web import events
from printerapp.web.app import add_dashboard, ranker_for
from printerapp.web.control import control_app
from printerapp.web.power import ControllerPower
from tests.manager.conftest import failing_ippeveprinter
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.sink import TcpSink
from tests.support.webapp import served, until
from tests.web.conftest import PXLMONO

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("PRINTERAPP_CHROMIUM", "/usr/bin/chromium"))
#: one browser step (page load, a click and its redirect, a live update)
STEP_MS = 20_000
#: the idle countdown of a 600 s delay, as the page shows it
_COUNTDOWN = re.compile(r"^(9|10):\d\d$")


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the plug and publish changes often, so live updates show within a second."""
    monkeypatch.setattr(controller_module, "STATE_POLL_S", 0.2)
    monkeypatch.setattr(controller_module, "MAX_SLEEP_S", 0.2)
    monkeypatch.setattr(events, "WATCH_S", 0.1)
    # two fast restarts, then a wait beyond the test: only "Restart" brings the queue back
    monkeypatch.setattr(queue_mod, "MAX_CRASHES", 2)
    monkeypatch.setattr(queue_mod, "RESTART_DELAYS", (0.0,))
    monkeypatch.setattr(queue_mod, "SLOW_RESTART_INTERVAL", 3600.0)


def _history(path: Path, now: float) -> tuple[EnergyLog, float]:
    """An energy log with a month of daily use; return it and the plug's counter now."""
    log = EnergyLog(path)
    counter = 5000.0
    for back in range(29, 0, -1):
        start = now - back * 86400
        log.record("desk", start, 3.0, counter)
        counter += 40 + (back * 37) % 90  # a different figure every day
        log.record("desk", start + 8 * 3600, 40.0, counter)
    return log, counter


@contextlib.asynccontextmanager
async def _server(
    tmp_path: Path, db: DatabaseDrivers, sink: TcpSink, shelly: ShellySim, energy: EnergyLog
) -> AsyncIterator[tuple[str, Manager]]:
    program, _cause = failing_ippeveprinter(tmp_path)
    settings = ManagerSettings(
        tmp_path / "state", ports=PortRange(18260, 18299), program=str(program)
    )
    manager = Manager(settings, db)
    await manager.start()
    device = Device(sink.uri, "HP LaserJet 2100")
    await manager.add_manual(device, ppd_name=PXLMONO, name="Office")
    spec = PlugSpec("desk", "shelly", "127.0.0.1", shelly.port, (("gen", "2"),))
    ctl = PlugController(create_plug(spec), IdleMachine(delay=600.0), energy)
    ctl_task = asyncio.create_task(ctl.run())
    app = control_app(manager, lambda: [device])
    add_dashboard(
        app,
        manager,
        bind_host="127.0.0.1",
        state_dir=tmp_path / "state",
        power=ControllerPower({"Office": ctl}, energy),
        ranker=ranker_for(db.index),
    )
    async with served(app) as url:
        try:
            yield url, manager
        finally:
            ctl_task.cancel()
            await asyncio.gather(ctl_task, return_exceptions=True)
            await ctl.plug.close()
            await manager.shutdown()


@pytest.mark.usefixtures("quick")
@pytest.mark.timeout(180)
def test_dashboard_in_chromium(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)")
    energy, counter = _history(tmp_path / "energy.sqlite3", time.time())
    with (
        ShellySim(gen=2, power_w=42.0, energy_wh=counter, is_on=True) as shelly,
        TcpSink() as sink,
    ):
        asyncio.run(_browse(tmp_path, drivers, sink, shelly, energy))
    energy.close()


async def _browse(
    tmp_path: Path, db: DatabaseDrivers, sink: TcpSink, shelly: ShellySim, energy: EnergyLog
) -> None:
    expect = playwright_api.expect
    async with (
        _server(tmp_path, db, sink, shelly, energy) as (url, manager),
        playwright_api.async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            page.set_default_timeout(STEP_MS)
            # 1. the page shows the printer, connected live, with its plug and countdown
            await page.goto(url)
            row = page.locator("#printers tbody tr")
            await expect(row).to_have_count(1)
            await expect(row.locator("td.name")).to_contain_text("Office")
            await expect(page.locator("#live")).to_have_text("live")
            await expect(row.locator("td.plug")).to_have_text("desk: on")
            await expect(row.locator("td.countdown")).to_have_text(_COUNTDOWN)
            # 2. a change made elsewhere (someone presses the plug) arrives without a reload
            shelly.is_on = False
            await expect(row.locator("td.plug")).to_have_text("desk: off")
            shelly.is_on = True
            await expect(row.locator("td.plug")).to_have_text("desk: on")
            # 3. "Power off": the simulator switches
            await row.get_by_role("button", name="Power off").click()
            await expect(page.locator("#message")).to_contain_text("plug switched off")
            await until(lambda: not shelly.is_on, "the simulator to switch off", 20.0)
            await expect(row.locator("td.plug")).to_have_text("desk: off")
            # 4. "Test page": the job arrives at the sink
            await row.get_by_role("button", name="Test page").click()
            await expect(page.locator("#message")).to_contain_text("test page sent to Office")
            await until(lambda: bool(sink.jobs), "the test page at the sink", 60)
            assert b"HP-PCL XL" in sink.jobs[0]
            # 5. power on again: the countdown to the idle switch-off runs
            await row.get_by_role("button", name="Power on").click()
            await until(lambda: shelly.is_on, "the simulator to switch on", 20.0)
            await expect(row.locator("td.countdown")).to_have_text(_COUNTDOWN)
            await expect(page.locator("figure svg rect.bar")).not_to_have_count(0)
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            # 6. the queue crash-loops: waiting, with the reason, the next try and "Restart"
            restart = row.get_by_role("button", name="Restart")
            await expect(restart).to_be_hidden()
            cause = tmp_path / "cause"
            cause.touch()
            pid = manager.printers()[0].pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            state = row.locator("td.state")
            await expect(state).to_contain_text("waiting")
            await expect(state.locator(".reason")).to_contain_text("crashed 2 times in 60 s")
            await expect(state.locator(".reason")).to_contain_text("device firmware missing")
            await expect(state.locator(".retry")).to_have_text(re.compile(r"^next try in 59:\d\d$"))
            await expect(restart).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "dashboard-waiting.png"), full_page=True)
            # 7. the cause is gone; "Restart" brings the queue back now, not in an hour
            cause.unlink()
            await restart.click()
            await expect(page.locator("#message")).to_contain_text("Office restarted: running")
            await expect(state).to_contain_text("running")
            await expect(state.locator(".crash")).to_contain_text("device firmware missing")
            await expect(restart).to_be_hidden()
            assert manager.printers()[0].state == "running"
        finally:
            await browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
