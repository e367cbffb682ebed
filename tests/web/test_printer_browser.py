"""The printer page in headless Chromium (Playwright): jobs, reprint, cancel, supplies, identify.

"Front Desk" prints to a TCP sink and, after each job, reads the recorded
Sharp MX-3570N from snmpsim, so its supply bars are the printer's.  "Back
Room" points at a port nobody listens on: its job stays active until the
page cancels it.  Screenshots at desktop and phone widths go to
``test-artifacts/printer-*.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web import events
from printerapp.web.app import add_dashboard, ranker_for
from printerapp.web.control import control_app
from tests.support.cupsd import free_port
from tests.support.sink import TcpSink
from tests.support.snmpsim import SnmpSim
from tests.support.webapp import served
from tests.web.conftest import PXLMONO, send_testpage
from tests.web.test_browser import ARTIFACTS, CHROMIUM, STEP_MS
from tests.web.test_printer_api import agent, snmp_env

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]
__all__ = ["agent"]  # the module-scoped SNMP agent fixture, shared with the API tests

DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


@contextlib.asynccontextmanager
async def _server(
    tmp_path: Path, db: DatabaseDrivers, sink: TcpSink, snmp_port: int
) -> AsyncIterator[tuple[str, Manager]]:
    settings = ManagerSettings(tmp_path / "state", ports=PortRange(18350, 18390))
    manager = Manager(settings, db, queue_env=snmp_env(snmp_port, "sharp-mx-3570n"))
    await manager.start()
    await manager.add_manual(Device(sink.uri, "HP LaserJet 2100"), PXLMONO, "Front Desk")
    dead = Device(f"socket://127.0.0.1:{free_port()}", "HP LaserJet 2100")
    await manager.add_manual(dead, PXLMONO, "Back Room")
    app = control_app(manager, list)
    add_dashboard(
        app,
        manager,
        bind_host="127.0.0.1",
        state_dir=tmp_path / "state",
        ranker=ranker_for(db.index),
    )
    async with served(app) as url:
        try:
            yield url, manager
        finally:
            await manager.shutdown()


async def _send(manager: Manager, printer: str, name: str) -> None:
    await send_testpage(next(p.port for p in manager.printers() if p.name == printer), name)


@pytest.mark.timeout(240)
def test_printer_page_in_chromium(
    tmp_path: Path, drivers: DatabaseDrivers, agent: SnmpSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)")
    monkeypatch.setattr(events, "WATCH_S", 0.2)
    with TcpSink() as sink:
        asyncio.run(_browse(tmp_path, drivers, sink, agent.port))


async def _browse(tmp_path: Path, db: DatabaseDrivers, sink: TcpSink, snmp_port: int) -> None:
    expect = playwright_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    async with (
        _server(tmp_path, db, sink, snmp_port) as (url, manager),
        playwright_api.async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(STEP_MS)
            # 1. a job prints; from the dashboard, the printer's name leads to its page
            await _send(manager, "Front Desk", "Quarterly <report>")
            await asyncio.to_thread(sink.wait_for_jobs, 1)
            await page.goto(url)
            await page.get_by_role("link", name="Front Desk").click()
            await expect(page).to_have_url(re.compile(r"/printers/[^/]+$"))
            await expect(page.locator("h1")).to_have_text("Front Desk")
            await expect(page.locator("#live")).to_have_text("live")
            row = page.locator("#jobs tr#job-1")
            await expect(row.locator(".job-name")).to_contain_text("Quarterly <report>")
            await expect(row.locator(".job-name")).to_contain_text("alice")
            await expect(row.locator(".job-state")).to_contain_text("completed")
            await expect(row.locator(".job-state")).to_contain_text("job-completed-successfully")
            # 2. the supplies the job read from the recorded Sharp, as bars with their colours
            bars = page.locator("#supplies li.supply")
            await expect(bars).to_have_count(14)
            first = bars.nth(0)
            await expect(first.locator(".supply-name")).to_have_text("Cyan Toner")
            await expect(first.locator(".level")).to_have_text("55 %")
            fill = await first.locator(".fill").get_attribute("style")
            assert fill is not None
            assert "width:55%" in fill
            assert "#00FFFF" in fill.upper()
            await expect(page.locator("#status")).to_contain_text("idle")
            await expect(page.locator("#status")).to_contain_text("toner-low-report")
            await page.screenshot(path=str(ARTIFACTS / "printer-desktop.png"), full_page=True)
            # 3. reprint: the sink receives the document again, and the queue lists job 2
            await row.get_by_role("button", name="Reprint job 1").click()
            await expect(page.locator("#message")).to_contain_text("sent again")
            await asyncio.to_thread(sink.wait_for_jobs, 2)
            assert len(sink.jobs) == 2
            await expect(page.locator("#jobs tr#job-2 .job-state")).to_contain_text("completed")
            # 4. identify, from the keyboard
            await page.get_by_role("button", name="Identify the printer").focus()
            await page.keyboard.press("Enter")
            await expect(page.locator("#message")).to_contain_text("Identify-Printer sent")
            # 5. at phone width: nothing wider than the screen but the scrolling job table
            await page.set_viewport_size(PHONE)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
            await page.screenshot(path=str(ARTIFACTS / "printer-phone.png"), full_page=True)
            # 6. a job that cannot print stays active until "Cancel"
            await page.set_viewport_size(DESKTOP)
            await _send(manager, "Back Room", "stuck")
            await page.goto(url)
            await page.get_by_role("link", name="Back Room").click()
            stuck = page.locator("#jobs tr#job-1")
            await expect(stuck.locator(".job-state")).to_contain_text("processing")
            await expect(page.locator("#supplies-unknown")).to_be_visible()
            await stuck.get_by_role("button", name="Cancel job 1").click()
            await expect(page.locator("#message")).to_contain_text("job 1 canceled")
            await expect(stuck.locator(".job-state")).to_contain_text("canceled")
            await expect(stuck.get_by_role("button", name="Cancel job 1")).to_have_count(0)
            await page.screenshot(path=str(ARTIFACTS / "printer-canceled.png"), full_page=True)
        finally:
            await browser.close()
