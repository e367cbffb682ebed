"""The log page, the log-level switch and both identify modes in headless Chromium (Playwright).

"Front Desk" prints to a TCP sink and identifies with IPP Identify-Printer;
"Back Office" has ``identify = "print"`` and prints to a sink of its own, so
its identify page is a job that sink receives.  Screenshots go to
``test-artifacts/log-*.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.settings import PrinterOverride
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web import events, queuelog
from printerapp.web.app import add_dashboard, ranker_for
from printerapp.web.control import control_app
from printerapp.web.identify import IDENTIFY_JOB_NAME
from tests.support.sink import TcpSink
from tests.support.webapp import served
from tests.web.conftest import PXLMONO
from tests.web.test_browser import ARTIFACTS, CHROMIUM, STEP_MS

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
#: a job through the pxlmono driver takes several seconds here
JOB_MS = 60_000


@pytest.fixture(autouse=True)
def _root_level() -> Iterator[None]:
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


@contextlib.asynccontextmanager
async def _server(
    tmp_path: Path, db: DatabaseDrivers, desk: TcpSink, back: TcpSink
) -> AsyncIterator[str]:
    overrides = {back.uri: PrinterOverride(identify="print")}
    settings = ManagerSettings(
        tmp_path / "state", ports=PortRange(18400, 18440), overrides=overrides
    )
    manager = Manager(settings, db)
    await manager.start()
    await manager.add_manual(Device(desk.uri, "HP LaserJet 2100"), PXLMONO, "Front Desk")
    await manager.add_manual(Device(back.uri, "HP LaserJet 2100"), PXLMONO, "Back Office")
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
            yield url
        finally:
            await manager.shutdown()


@pytest.mark.timeout(300)
def test_log_page_level_switch_and_identify_in_chromium(
    tmp_path: Path, drivers: DatabaseDrivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)")
    monkeypatch.setattr(events, "WATCH_S", 0.2)
    monkeypatch.setattr(queuelog, "TAIL_S", 0.2)
    with TcpSink() as desk, TcpSink() as back:
        asyncio.run(_browse(tmp_path, drivers, desk, back))


async def _browse(tmp_path: Path, db: DatabaseDrivers, desk: TcpSink, back: TcpSink) -> None:
    expect = playwright_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    async with _server(tmp_path, db, desk, back) as url, playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(STEP_MS)
            answer = await page.request.post(url + "api/log-level", data={"level": "INFO"})
            assert answer.ok, await answer.text()
            # 1. a test page from the dashboard; its records on Front Desk's log page
            await page.goto(url)
            row = page.locator("tr", has=page.get_by_role("link", name="Front Desk"))
            await row.get_by_role("button", name="Test page").click()
            await expect(page.locator("#message")).to_contain_text("test page sent to Front Desk")
            await asyncio.to_thread(desk.wait_for_jobs, 1)
            await page.get_by_role("link", name="Front Desk").click()
            await page.get_by_role("link", name="Log").click()
            await expect(page).to_have_url(re.compile(r"/printers/[^/]+/log$"))
            log = page.locator("#log")
            await expect(log).to_contain_text("printer 'Front Desk': test page sent")
            await expect(log).to_contain_text("[Job 1] Running command", timeout=JOB_MS)
            await expect(log).to_contain_text("completed successfully", timeout=JOB_MS)
            await expect(log.locator("tr.debug")).to_have_count(0)
            await expect(log).not_to_contain_text("Back Office")
            await page.screenshot(path=str(ARTIFACTS / "log-desktop.png"), full_page=True)
            # 2. DEBUG from the page's form: the next job's DEBUG records appear, no restart
            await page.get_by_label("Daemon log level").select_option("DEBUG")
            await page.get_by_role("button", name="Apply").click()
            await expect(page.locator("#message")).to_have_text("Log level: DEBUG")
            await expect(page.get_by_label("Daemon log level")).to_have_value("DEBUG")
            await page.request.post(url + "api/printers/Front%20Desk/testpage", data={})
            await expect(log.locator("tr.debug").first).to_be_visible(timeout=JOB_MS)
            await expect(log.locator("tr.debug")).to_contain_text(["Print-Job successful-ok"])
            await asyncio.to_thread(desk.wait_for_jobs, 2)
            # 3. back to INFO: the DEBUG records leave the page (the live reload drops them)
            await page.get_by_label("Daemon log level").select_option("INFO")
            await page.get_by_role("button", name="Apply").click()
            await expect(page.locator("#message")).to_have_text("Log level: INFO")
            await expect(log.locator("tr.debug")).to_have_count(0)
            await expect(log).to_contain_text("[Job 2] Running command")  # INFO ones stay
            # 4. identify by IPP: the queue's Identify-Printer, and a record of it
            await page.get_by_role("link", name="Front Desk").click()
            await page.get_by_role("button", name="Identify the printer").click()
            await expect(page.locator("#message")).to_contain_text("Identify-Printer sent")
            await page.get_by_role("link", name="Log").click()
            await expect(log).to_contain_text("printer 'Front Desk': Identify-Printer sent")
            # 5. identify by print: Back Office's sink gets a page, its queue lists the job
            await page.goto(url)
            await page.get_by_role("link", name="Back Office").click()
            await page.get_by_role("button", name="Identify the printer").click()
            await expect(page.locator("#message")).to_contain_text(
                "Back Office: identify page sent"
            )
            jobs = await asyncio.to_thread(back.wait_for_jobs, 1)
            assert len(jobs) == 1
            assert jobs[0].startswith(b"\x1b%-12345X"), jobs[0][:40]  # PJL: the driver's output
            assert len(desk.jobs) == 2  # nothing went to the other printer
            await expect(page.locator("#jobs")).to_contain_text(IDENTIFY_JOB_NAME)
            await page.get_by_role("link", name="Log").click()
            await expect(log).to_contain_text("printer 'Back Office': identify page sent")
            await expect(log).to_contain_text("completed successfully", timeout=JOB_MS)
            # 6. at phone width nothing is wider than the screen
            await page.set_viewport_size(PHONE)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
            await page.screenshot(path=str(ARTIFACTS / "log-phone.png"), full_page=True)
        finally:
            await browser.close()
