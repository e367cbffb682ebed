"""The log-level switch and a printer's log over the control API, with its security checks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.power.controller import PlugController
from printerapp.power.idle import IdleMachine
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.web.power import ControllerPower, PowerControl
from printerapp.web.security import TOKEN_FILE
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.sink import TcpSink
from tests.web.conftest import PXLMONO, Served, served

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

Body = Callable[[Served], Awaitable[None]]


@pytest.fixture(autouse=True)
def _root_level() -> Iterator[None]:
    """Give the root logger its level back: these tests switch it."""
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


def _run(
    tmp_path: Path,
    db: DatabaseDrivers,
    body: Body,
    bind_host: str = "127.0.0.1",
    power: PowerControl | None = None,
) -> None:
    async def main() -> None:
        async with served(tmp_path / "state", db, bind_host=bind_host, power=power) as s:
            await body(s)

    asyncio.run(main())


@pytest.mark.timeout(120)
def test_the_level_switches_at_once_and_refuses_bad_values(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    async def body(s: Served) -> None:
        c = s.client
        answer = await (await c.post("/api/log-level", json={"level": "debug"})).json()
        assert answer == {"level": "DEBUG", "levels": ["DEBUG", "INFO", "WARNING", "ERROR"]}
        assert logging.getLogger().level == logging.DEBUG
        assert (await (await c.get("/api/log-level")).json())["level"] == "DEBUG"
        bad = await c.post("/api/log-level", json={"level": "LOUD"})
        assert bad.status == 400
        assert "'LOUD' is not one of DEBUG, INFO, WARNING, ERROR" in (await bad.json())["error"]
        assert (await c.post("/api/log-level", json={})).status == 400
        # a form of another page (no CSRF token) and another origin are refused
        form = await c.post("/log-level", data={"level": "ERROR"}, allow_redirects=False)
        assert form.status == 403
        cross = await c.post(
            "/api/log-level", json={"level": "ERROR"}, headers={"Origin": "http://evil.example"}
        )
        assert cross.status == 403
        assert logging.getLogger().level == logging.DEBUG
        # the page's own form, with its token: done, and back to the page that asked
        csrf = s.parts.security.csrf_token
        fields = {"level": "warning", "csrf": csrf, "back": "/printers/x/log"}
        done = await c.post("/log-level", data=fields, allow_redirects=False)
        assert done.status == 303
        assert done.headers["Location"] == "/printers/x/log?msg=Log+level%3A+WARNING"
        assert logging.getLogger().level == logging.WARNING
        # never a redirect to another site
        for back in ("//evil.example/", "/\\evil.example/", "https://evil.example/", "/a\\b"):
            fields = {"level": "INFO", "csrf": csrf, "back": back}
            away = await c.post("/log-level", data=fields, allow_redirects=False)
            assert away.headers["Location"].startswith("/?"), back

    _run(tmp_path, drivers, body)


@pytest.mark.timeout(120)
def test_beyond_loopback_the_switch_needs_the_token(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    async def body(s: Served) -> None:
        c = s.client
        refused = await c.post("/api/log-level", json={"level": "DEBUG"})
        assert refused.status == 401
        token = (tmp_path / "state" / TOKEN_FILE).read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        done = await c.post("/api/log-level", json={"level": "DEBUG"}, headers=headers)
        assert done.status == 200

    _run(tmp_path, drivers, body, bind_host="0.0.0.0")


@pytest.mark.timeout(120)
def test_a_printers_log_lists_its_own_records(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        c = s.client
        assert (await c.post("/api/log-level", json={"level": "INFO"})).status == 200
        with TcpSink() as sink:
            await s.manager.add_manual(Device(sink.uri, "HP LaserJet 2100"), PXLMONO, "Desk")
            other = await s.manager.add_manual(
                Device("socket://127.0.0.1:9", "HP LaserJet 2100"), PXLMONO, "Other"
            )
            sent = await c.post("/api/printers/Desk/testpage", json={})
            assert sent.status == 200, await sent.text()
            await asyncio.to_thread(sink.wait_for_jobs, 1)
            for _ in range(200):
                answer = await (await c.get("/api/printers/Desk/log")).json()
                text = [r["message"] for r in answer["records"]]
                if any("completed successfully" in t for t in text):
                    break
                await asyncio.sleep(0.1)
        assert answer["printer"] == "Desk"
        assert answer["level"] == "INFO"
        assert "printer 'Desk': test page sent" in text
        assert any(t.startswith("[Job 1] Running command") for t in text), text
        record = answer["records"][0]
        assert set(record) == {"seq", "time", "level", "message", "source"}
        assert all(r["level"] != "DEBUG" for r in answer["records"])
        # the other printer's log has none of it
        others = await (await c.get(f"/api/printers/{other.key}/log")).json()
        assert not any("Desk" in r["message"] for r in others["records"])
        # after= gives only what is newer; bad parameters are one clear error
        last = answer["records"][-1]["seq"]
        newer = await (await c.get(f"/api/printers/Desk/log?after={last}")).json()
        assert all(r["seq"] > last for r in newer["records"])
        bad = await c.get("/api/printers/Desk/log?level=LOUD")
        assert bad.status == 400
        assert (await c.get("/api/printers/Desk/log?after=-1")).status == 400
        assert (await c.get("/api/printers/Nobody/log")).status == 404
        # a job that cannot print, cancelled: the job command's ERROR line is an ERROR record
        assert (await c.post(f"/api/printers/{other.key}/testpage", json={})).status == 200
        for _ in range(300):
            detail = await (await c.get(f"/api/printers/{other.key}")).json()
            if detail["jobs"] and detail["jobs"][0]["state"] == "processing":
                break
            await asyncio.sleep(0.1)
        cancel = await c.post(f"/api/printers/{other.key}/jobs/1/cancel", json={})
        assert cancel.status == 200, await cancel.text()
        for _ in range(300):
            records = (await (await c.get(f"/api/printers/{other.key}/log")).json())["records"]
            errors = [r["message"] for r in records if r["level"] == "ERROR"]
            if errors:
                break
            await asyncio.sleep(0.1)
        assert errors, records
        assert errors[0].startswith("[Job 1] Command - ERROR: the job was cancelled"), errors

    _run(tmp_path, drivers, body)


@pytest.mark.timeout(120)
def test_the_plugs_records_show_with_the_printer_it_powers(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    controllers: dict[str, PlugController] = {}

    async def body(s: Served) -> None:
        assert (await s.client.post("/api/log-level", json={"level": "INFO"})).status == 200
        await s.manager.add_manual(
            Device("socket://127.0.0.1:9", "HP LaserJet 2100"), PXLMONO, "Office"
        )
        with ShellySim(gen=2, power_w=50.0, energy_wh=160.0, is_on=True) as shelly:
            spec = PlugSpec("desk", "shelly", "127.0.0.1", shelly.port, (("gen", "2"),))
            controllers["Office"] = ctl = PlugController(create_plug(spec), IdleMachine(600.0))
            task = asyncio.create_task(ctl.run())
            try:
                off = await s.client.post("/api/printers/Office/power", json={"on": False})
                assert off.status == 200, await off.text()
                answer = await (await s.client.get("/api/printers/Office/log")).json()
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await ctl.plug.close()
        assert "plug desk: switched off by hand" in [r["message"] for r in answer["records"]]

    _run(tmp_path, drivers, body, power=ControllerPower(controllers, None))
