"""Held documents in headless Chromium (Playwright): counted on the dashboard, resubmitted once.

"Flaky" prints to a raw-socket printer that closes after 1 KB on its first
two connections (:mod:`tests.support.faultsink`), with CUPS's retry interval
and limit shrunk (0.5 s, one retry): the job is aborted and its document
held.  The page lists it; Resubmit sends it to the queue again, and the
printer, working by then, receives it whole, once.  A screenshot goes to
``test-artifacts/printer-held.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.ippprint.policy import RETRY_INTERVAL_ENV, RETRY_LIMIT_ENV
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.held import list_held
from printerapp.manager.ports import PortRange
from printerapp.manager.state import QueueRecord
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web.app import add_dashboard
from printerapp.web.control import control_app
from tests.support.faultsink import Fault, FaultSink
from tests.support.webapp import served, until
from tests.web.conftest import PXLMONO, send_testpage
from tests.web.test_browser import ARTIFACTS, CHROMIUM, STEP_MS

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]


def _fast_retries(_record: QueueRecord) -> dict[str, str]:
    return {RETRY_INTERVAL_ENV: "0.5", RETRY_LIMIT_ENV: "1"}


@contextlib.asynccontextmanager
async def _server(
    tmp_path: Path, db: DatabaseDrivers, sink: FaultSink
) -> AsyncIterator[tuple[str, Manager]]:
    settings = ManagerSettings(tmp_path / "state", ports=PortRange(18400, 18440))
    manager = Manager(settings, db, queue_env=_fast_retries)
    await manager.start()
    await manager.add_manual(Device(sink.uri, "HP LaserJet 2100"), PXLMONO, "Flaky")
    app = control_app(manager, list)
    add_dashboard(app, manager, bind_host="127.0.0.1", state_dir=tmp_path / "state")
    async with served(app) as url:
        try:
            yield url, manager
        finally:
            await manager.shutdown()


@pytest.mark.timeout(240)
def test_resubmit_a_held_document_from_the_printer_page(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)")
    with FaultSink(Fault.CLOSE_1K, faulty=2) as sink:
        asyncio.run(_browse(tmp_path, drivers, sink))


async def _browse(tmp_path: Path, db: DatabaseDrivers, sink: FaultSink) -> None:
    expect = playwright_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    async with (
        _server(tmp_path, db, sink) as (url, manager),
        playwright_api.async_playwright() as pw,
    ):
        [info] = manager.printers()
        spool = manager.spool_dir / info.key
        await send_testpage(info.port, "Budget <2027>")
        await until(lambda: bool(list_held(spool)), "the job's document held", 90)
        assert sink.complete_count() == 0
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(STEP_MS)
            # the dashboard's card counts it, and its name leads to the page that lists it
            await page.goto(url)
            await expect(page.locator(f"#printer-{info.key} .held")).to_have_text("1 held")
            await page.get_by_role("link", name="Flaky").click()
            section = page.locator("section", has=page.locator("#held"))
            await expect(section.locator("h2")).to_contain_text("Held documents (kept 7 days)")
            row = page.locator("#held tr.held-doc")
            await expect(row).to_have_count(1)
            await expect(row).to_contain_text("Budget <2027>")
            await expect(row).to_contain_text("alice")
            await expect(row).to_contain_text("aborted after 2 attempts")
            await page.screenshot(path=str(ARTIFACTS / "printer-held.png"), full_page=True)
            await row.get_by_role("button", name="Resubmit Budget <2027>").click()
            await expect(page.locator("#message")).to_contain_text("sent to the queue again")
            await expect(page.locator("#held")).to_have_count(0)
            await until(lambda: sink.complete_count() == 1, "the document printed", 90)
            assert list_held(spool) == []
            await asyncio.sleep(2)  # and only once
            assert sink.complete_count() == 1
        finally:
            await browser.close()
