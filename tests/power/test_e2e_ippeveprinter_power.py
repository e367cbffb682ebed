"""Scenario 1 through the real ippeveprinter: its job command powers the printer first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ippprint.test_e2e_ippeveprinter import TESTPAGE, Printer
from tests.support.powered import PoweredPrinter, plug_table

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

GetPpd = Callable[[str], Path]


@pytest.fixture
def printers(avahi: None) -> Iterator[list[Printer]]:
    started: list[Printer] = []
    yield started
    for printer in started:
        printer.stop()


def test_ippeveprinter_job_switches_the_plug_on_and_prints(
    tmp_path: Path, get_ppd: GetPpd, printers: list[Printer]
) -> None:
    relay = tmp_path / "relay"
    config = tmp_path / "printerapp.toml"
    config.write_text("[power]\nready_timeout = 30\n" + plug_table(relay))
    with PoweredPrinter(relay, boot_delay=1.0) as device:
        env = {
            "DEVICE_URI": device.uri,
            "PRINTERAPP_PLUG": "desk",
            "PRINTERAPP_CONFIG": str(config),
        }
        printers.append(Printer(tmp_path / "p", get_ppd("lj2100-pxlmono"), env))
        job = printers[0].submit(TESTPAGE, "application/pdf")
        state, message = printers[0].wait_job(job)
        jobs = device.wait_for_jobs(1, 30)
    assert state == "completed", message
    assert relay.read_text() == "on"
    assert len(jobs) == 1
    assert jobs[0].startswith(b"\x1b%-12345X@PJL")
    assert device.ready_at is not None
    assert device.job_connected_at[0] >= device.ready_at
