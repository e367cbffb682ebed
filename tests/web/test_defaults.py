"""Printing defaults and loaded media end to end: API -> saved file -> job -> the sink's bytes.

A LaserJet 2100 (foomatic pxlmono) queue prints to a TCP sink.  Its PCL XL
output names the page size (``MediaSize``), one- or two-sided printing
(``SimplexPageMode``/``DuplexPageMode``) and foomatic's PJL header carries
``Economode``, so the bytes show which defaults a job got.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from printerapp.ipp.request import KEYWORD, IppAttribute
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.front import QueueFront
from printerapp.manager.ports import PortRange
from printerapp.manager.procfs import cmdline
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web.app import add_dashboard, ranker_for
from printerapp.web.control import control_app
from tests.support.server import queue_processes
from tests.support.sink import TcpSink
from tests.web.conftest import PXLMONO, send_testpage

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

A4 = "iso_a4_210x297mm"
LETTER = "na_letter_8.5x11in"
Client = TestClient[web.Request, web.Application]
#: PCL XL: ubyte enum, attribute id (MediaSize 0x25: eLetterPaper 0, eA4Paper 2)
PXL_A4 = b"\xc0\x02\xf8\x25"
PXL_LETTER = b"\xc0\x00\xf8\x25"
PXL_DUPLEX = b"\xf8\x35"  # DuplexPageMode
PXL_SIMPLEX = b"\xf8\x34"  # SimplexPageMode
ECONOMODE_ON = b"@PJL SET ECONOMODE=ON"


@contextlib.asynccontextmanager
async def serve(state: Path, db: DatabaseDrivers) -> AsyncIterator[tuple[Client, Manager]]:
    settings = ManagerSettings(
        state, ports=PortRange(18450, 18490), internal_ports=PortRange(18500, 18540)
    )
    # as the daemon runs them: behind their fronts, which show IPP clients the saved defaults
    manager = Manager(settings, db, front=QueueFront())
    await manager.start()
    app = control_app(manager, list)
    add_dashboard(app, manager, bind_host="127.0.0.1", state_dir=state, ranker=ranker_for(db.index))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client, manager
    finally:
        await client.close()
        await manager.shutdown()


def queues(state: Path) -> list[int]:
    """Return the ippeveprinter pids serving *state* (not their jobs' processes)."""
    return [p for p in queue_processes(state) if "ippeveprinter" in " ".join(cmdline(p)[:1])]


async def done(client: Client, key: str, count: int) -> None:
    """Wait (60 s at most) until the queue lists *count* completed jobs: it takes one at a time."""
    deadline = time.monotonic() + 60
    while True:
        resp = await client.get(f"/api/printers/{key}")
        jobs = (await resp.json())["jobs"]
        if sum(j["state"] == "completed" for j in jobs) >= count:
            return
        assert time.monotonic() < deadline, jobs
        await asyncio.sleep(0.1)


def ipp_attributes(port: int) -> str:
    """Return what ipptool prints of the queue's Get-Printer-Attributes (all)."""
    out = subprocess.run(
        [
            "ipptool",
            "-tv",
            f"ipp://127.0.0.1:{port}/ipp/print",
            "/usr/share/cups/ipptool/get-printer-attributes.test",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "[PASS]" in out.stdout, out.stdout[-2000:]
    return out.stdout


async def put(client: Client, path: str, body: object) -> tuple[int, dict[str, Any]]:
    resp = await client.put(path, json=body)
    return resp.status, dict(await resp.json())


async def api_checks(client: Client, base: str) -> None:
    resp = await client.get(base + "/defaults")
    assert resp.status == 200, await resp.text()
    got = await resp.json()
    assert got["media"] == ""
    assert got["ppd_defaults"]["media"] == LETTER
    assert "two-sided-long-edge" in got["supported"]["sides"]
    economode = next(o for o in got["ppd_options"] if o["keyword"] == "Economode")
    assert {"name": "On", "text": "On"} in economode["choices"]
    for body, words in [
        ({"options": {"Economode": "Maybe"}}, "option 'Economode': 'Maybe' is not one of"),
        ({"media": "iso_a0_841x1189mm"}, "media: 'iso_a0_841x1189mm' is not one of"),
        ({"sides": 2}, "sides: 2 is not one of"),
    ]:
        status, answer = await put(client, base + "/defaults", body)
        assert (status, answer["error"][: len(words)]) == (400, words), answer
    status, answer = await put(client, base + "/media", {"slots": {"Tray9": {"media": A4}}})
    assert status == 400
    assert answer["error"].startswith("slot 'Tray9': not an InputSlot")
    resp = await client.put(base + "/defaults", data="media=x")
    assert resp.status == 400  # JSON only
    assert (await client.get("/api/printers/Nope/defaults")).status == 404
    # the page's form post needs the CSRF token, as every form of the control server
    page = base.replace("/api/printers/", "/printers/") + "/defaults"
    resp = await client.post(page, data={"media": A4}, allow_redirects=False)
    assert resp.status == 403


@pytest.mark.timeout(240)
def test_defaults_reach_jobs_that_do_not_ask(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def scenario() -> None:
        state = tmp_path / "state"
        with TcpSink() as sink:
            async with serve(state, drivers) as (client, _manager):
                resp = await client.post(
                    "/api/printers", json={"device_uri": sink.uri, "ppd": PXLMONO, "name": "Desk"}
                )
                assert resp.status == 201, await resp.text()
                info = (await resp.json())["printer"]
                port, base = info["port"], f"/api/printers/{info['key']}"
                await api_checks(client, base)
                # 1. before: the PPD's own defaults (Letter, one-sided)
                await send_testpage(port, "before")
                before = sink.wait_for_jobs(1)[0]
                await done(client, info["key"], 1)
                assert PXL_LETTER in before
                assert PXL_DUPLEX not in before
                assert ECONOMODE_ON not in before
                # 2. set defaults while the queue runs: saved, no restart
                pids = queues(state)
                assert len(pids) == 1
                body = {"media": A4, "sides": "two-sided-long-edge", "options": {"Economode": "On"}}
                status, answer = await put(client, base + "/defaults", body)
                assert status == 200, answer
                assert answer["options"] == {"Economode": "On"}
                status, answer = await put(
                    client, base + "/media", {"slots": {"Upper": {"media": A4}}}
                )
                assert status == 200, answer
                saved = json.loads((state / "defaults" / f"{info['key']}.json").read_text())
                assert saved["version"] == 1
                assert saved["media"] == A4
                assert queues(state) == pids
                # IPP clients see them: the *-default and what is loaded where
                seen = await asyncio.to_thread(ipp_attributes, port)
                assert "media-default (keyword) = iso_a4_210x297mm" in seen, seen
                assert "sides-default (keyword) = two-sided-long-edge" in seen
                assert "media-ready (keyword) = iso_a4_210x297mm" in seen
                assert "media-source=top" in seen  # media-col-ready names the tray
                assert "media-size={x-dimension=21000 y-dimension=29700}" in seen
                # 3. a job that asks nothing gets them all
                await send_testpage(port, "silent")
                silent = sink.wait_for_jobs(2)[1]
                await done(client, info["key"], 2)
                assert PXL_A4 in silent
                assert PXL_DUPLEX in silent
                assert ECONOMODE_ON in silent
                # 4. a job that asks gets what it asked; the rest stays the default
                await send_testpage(
                    port,
                    "explicit",
                    [
                        IppAttribute("media", KEYWORD, LETTER),
                        IppAttribute("sides", KEYWORD, "one-sided"),
                    ],
                )
                # a change while that job is in flight: no restart, the job is not lost
                slots = {"Upper": {"media": A4}, "Manual": {"media": LETTER}}
                status, answer = await put(client, base + "/media", {"slots": slots})
                assert status == 200, answer
                assert queues(state) == pids
                explicit = sink.wait_for_jobs(3)[2]
                await done(client, info["key"], 3)
                assert PXL_LETTER in explicit
                assert PXL_A4 not in explicit
                assert PXL_DUPLEX not in explicit
                assert ECONOMODE_ON in explicit
            # 5. a restarted daemon keeps them
            async with serve(state, drivers) as (client, _manager):
                resp = await client.get(base + "/defaults")
                got = await resp.json()
                assert (got["media"], got["sides"]) == (A4, "two-sided-long-edge")
                resp = await client.get(base + "/media")
                slots = {s["slot"]: s for s in (await resp.json())["slots"]}
                assert slots["Upper"]["media"] == A4
                assert slots["Upper"]["media-source"] == "top"

    asyncio.run(scenario())
