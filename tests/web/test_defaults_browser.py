"""The Printing defaults and Media forms in headless Chromium; a job then uses what was set.

A LaserJet 2100 queue prints to a TCP sink; the sink's PCL XL shows the page
size and duplex mode, foomatic's PJL header the Economode option.  A
screenshot goes to ``test-artifacts/printer-defaults.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web.app import add_dashboard, ranker_for
from printerapp.web.control import control_app
from tests.support.sink import TcpSink
from tests.support.webapp import served
from tests.web.conftest import PXLMONO, send_testpage
from tests.web.test_browser import ARTIFACTS, CHROMIUM, STEP_MS
from tests.web.test_defaults import A4, ECONOMODE_ON, PXL_A4, PXL_DUPLEX, PXL_LETTER

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

PHONE = {"width": 390, "height": 844}


@contextlib.asynccontextmanager
async def _server(
    state: Path, db: DatabaseDrivers, sink: TcpSink
) -> AsyncIterator[tuple[str, Manager]]:
    manager = Manager(ManagerSettings(state, ports=PortRange(18400, 18440)), db)
    await manager.start()
    await manager.add_manual(Device(sink.uri, "HP LaserJet 2100"), PXLMONO, "Front Desk")
    app = control_app(manager, list)
    add_dashboard(app, manager, bind_host="127.0.0.1", state_dir=state, ranker=ranker_for(db.index))
    async with served(app) as url:
        try:
            yield url, manager
        finally:
            await manager.shutdown()


@pytest.mark.timeout(240)
def test_defaults_form_then_a_job_uses_them(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)")
    with TcpSink() as sink:
        asyncio.run(_browse(tmp_path / "state", drivers, sink))


async def _browse(state: Path, db: DatabaseDrivers, sink: TcpSink) -> None:
    expect = playwright_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    async with _server(state, db, sink) as (url, manager), playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(STEP_MS)
            [info] = manager.printers()
            await page.goto(f"{url}printers/{info.key}")
            form = page.locator("#defaults-form")
            size = form.get_by_label("Media", exact=True)
            await expect(size).to_have_value("")
            await expect(size).to_contain_text("Printer default (US Letter)")
            # 1. choose A4, long-edge duplex and economy mode, from the keyboard as well
            await size.select_option(A4)
            await form.get_by_label("Sides", exact=True).select_option("two-sided-long-edge")
            await form.get_by_label("Economy Mode").select_option("On")
            await page.get_by_role("button", name="Save printing defaults").focus()
            await page.keyboard.press("Enter")
            await expect(page.locator("#message")).to_contain_text("printing defaults saved")
            # the page shows what is saved now
            await expect(size).to_have_value(A4)
            await expect(form.get_by_label("Economy Mode")).to_have_value("On")
            # 2. the media form: A4 in the upper tray
            media = page.locator("#media-form")
            await media.get_by_label("Upper Tray (top)").select_option(A4)
            await page.get_by_role("button", name="Save loaded media").click()
            await expect(page.locator("#message")).to_contain_text("media saved")
            await expect(media.get_by_label("Upper Tray (top)")).to_have_value(A4)
            saved = json.loads((state / "defaults" / f"{info.key}.json").read_text())
            assert saved["media-ready"] == [{"slot": "Upper", "media": A4, "media-type": ""}]
            # 3. a bad value (a hand-made post) is refused with the option named
            await form.get_by_label("Economy Mode").evaluate(
                "s => { s.options[1].value = 'Maybe'; s.selectedIndex = 1; }"
            )
            await page.get_by_role("button", name="Save printing defaults").click()
            await expect(page.locator("#message")).to_contain_text(
                "Not saved: option 'Economode': 'Maybe' is not one of"
            )
            await page.screenshot(path=str(ARTIFACTS / "printer-defaults.png"), full_page=True)
            # 4. at phone width the forms fit the screen
            await page.set_viewport_size(PHONE)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
            # 5. a job that asks nothing prints with what the form set
            await send_testpage(info.port, "from the form")
            [out] = await asyncio.to_thread(sink.wait_for_jobs, 1)
            assert PXL_A4 in out
            assert PXL_LETTER not in out
            assert PXL_DUPLEX in out
            assert ECONOMODE_ON in out
        finally:
            await browser.close()
