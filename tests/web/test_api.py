"""The dashboard's JSON routes, forms and security over a real manager (aiohttp test client)."""

from __future__ import annotations

import asyncio
import stat
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from printerapp.config import Section
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import IdleMachine
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.power.tariff import parse_tariff
from printerapp.web.power import ControllerPower, PowerControl
from printerapp.web.security import TOKEN_FILE
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.sink import TcpSink
from tests.web.conftest import PXLMONO, Served, served

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

Body = Callable[[Served], Awaitable[None]]
HP2100 = "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,PCL;"


def _run(
    tmp_path: Path,
    db: DatabaseDrivers,
    body: Body,
    *,
    power: Callable[[], PowerControl] | None = None,
    bind_host: str = "127.0.0.1",
) -> None:
    async def scenario() -> None:
        async with served(
            tmp_path / "state", db, bind_host=bind_host, power=power() if power else None
        ) as s:
            await body(s)

    asyncio.run(scenario())


async def _add(s: Served, uri: str = "socket://127.0.0.1:9", name: str = "Office") -> Any:
    resp = await s.client.post(
        "/api/printers", json={"device_uri": uri, "ppd": PXLMONO, "name": name}
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["printer"]


def test_status_and_page_show_the_printer(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        await _add(s)
        status = await (await s.client.get("/api/status")).json()
        assert abs(status["now"] - time.time()) < 5
        [printer] = status["printers"]
        assert (printer["name"], printer["state"], printer["plug"]) == ("Office", "running", None)
        assert printer["jobs"] == 0
        page = await s.client.get("/")
        html = await page.text()
        assert page.headers["Content-Type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert 'id="printer-' in html
        assert ">Office<" in html
        assert f'name="csrf" value="{s.parts.security.csrf_token}"' in html
        assert "https://" not in html
        assert "//cdn" not in html
        script = await s.client.get("/static/dashboard.js")
        assert script.status == 200
        assert "EventSource" in await script.text()

    _run(tmp_path, drivers, body)


def test_drivers_are_ranked_for_a_device(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        resp = await s.client.get("/api/drivers", params={"device-id": HP2100, "limit": "5"})
        assert resp.status == 200
        found = (await resp.json())["drivers"]
        assert 1 <= len(found) <= 5
        assert "LaserJet 2100" in found[0]["make_and_model"]
        assert found[0]["reasons"]
        for params, message in [
            ({}, "give 'device-id' or 'make-and-model'"),
            ({"device-id": HP2100, "limit": "0"}, "'limit' must be a whole number"),
            ({"device-id": HP2100, "limit": "x"}, "'limit' must be a whole number"),
            ({"make-and-model": "HP\nx"}, "'make-and-model' must be a short line"),
        ]:
            bad = await s.client.get("/api/drivers", params=params)
            assert bad.status == 400
            assert message in (await bad.json())["error"]
        none = await s.client.get("/api/drivers", params={"make-and-model": "Acme Nothing 1"})
        assert (await none.json())["drivers"] == []

    _run(tmp_path, drivers, body)


def test_energy_needs_a_known_printer_and_sane_days(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    async def body(s: Served) -> None:
        await _add(s)
        resp = await s.client.get("/api/energy", params={"printer": "Office", "days": "7"})
        days = (await resp.json())["days"]
        assert len(days) == 7
        assert all(d["wh"] == 0 for d in days)
        assert (await s.client.get("/api/energy", params={"printer": "Nope"})).status == 404
        for bad_days in ("0", "abc", "367", "-1"):
            params = {"printer": "Office", "days": bad_days}
            resp = await s.client.get("/api/energy", params=params)
            assert resp.status == 400
            assert "'days'" in (await resp.json())["error"]

    _run(tmp_path, drivers, body)


def test_actions_refuse_bad_input_with_400(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        await _add(s)
        post = s.client.post
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            ("power", {"json": {"on": "yes"}}, 400, "'on' must be true or false"),
            ("power", {"json": []}, 400, "JSON object"),
            (
                "power",
                {"data": "{oops", "headers": {"Content-Type": "application/json"}},
                400,
                "not JSON",
            ),
            ("hold", {"json": {}}, 400, "'seconds' is required"),
            ("hold", {"json": {"seconds": "abc"}}, 400, "number of seconds"),
            ("hold", {"json": {"seconds": -1}}, 400, "between 0 and"),
            ("delay", {"json": {"seconds": 1e99}}, 400, "between 0 and"),
            ("delay", {"json": {"seconds": True}}, 400, "between 0 and"),
            ("power", {"json": {"on": False}}, 409, "has no plug"),
            ("hold", {"json": {"seconds": 60}}, 409, "has no plug"),
        ]
        for action, kwargs, status, message in cases:
            resp = await post(f"/api/printers/Office/{action}", **kwargs)
            assert resp.status == status, (action, kwargs, await resp.text())
            assert message in (await resp.json())["error"]
        missing = await post("/api/printers/Ghost/testpage", json={})
        assert missing.status == 404
        plain = await post("/api/printers/Office/hold", data=b"60")
        assert plain.status == 403  # neither JSON nor a CSRF token: refused before the handler
        assert (await post("/api/printers/Office/reboot", json={})).status == 404

    _run(tmp_path, drivers, body)


def test_test_page_reaches_the_printer(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    with TcpSink() as sink:

        async def body(s: Served) -> None:
            await _add(s, sink.uri)
            resp = await s.client.post("/api/printers/Office/testpage", json={})
            assert resp.status == 200, await resp.text()
            assert "test page sent" in (await resp.json())["message"]
            jobs = await asyncio.to_thread(sink.wait_for_jobs, 1, 60)
            assert jobs
            assert b"HP-PCL XL" in jobs[0]

        _run(tmp_path, drivers, body)


def test_forms_add_and_act_with_csrf(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        csrf = s.parts.security.csrf_token
        form = {"device_uri": "socket://127.0.0.1:9", "ppd": PXLMONO, "name": "Lab"}
        assert (await s.client.post("/add", data=form)).status == 403
        added = await s.client.post("/add", data={**form, "csrf": csrf}, allow_redirects=False)
        assert added.status == 303
        assert "Added+Lab" in added.headers["Location"]
        assert [p.name for p in s.manager.printers()] == ["Lab"]
        again = await s.client.post("/add", data={**form, "csrf": csrf})
        assert "Not added" in await again.text()  # redirected to the page with the message
        bad = await s.client.post("/add", data={"device_uri": "nonsense", "csrf": csrf})
        assert bad.status == 400
        assert "URI" in await bad.text()
        key = s.manager.printers()[0].key
        act = await s.client.post(
            f"/printers/{key}/action", data={"action": "explode", "csrf": csrf}
        )
        assert act.status == 400
        assert "unknown action 'explode'" in await act.text()
        off = await s.client.post(f"/printers/{key}/action", data={"action": "off", "csrf": csrf})
        assert "Failed: printer &#x27;Lab&#x27; has no plug" in await off.text()

    _run(tmp_path, drivers, body)


def test_wide_bind_needs_the_token(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(s: Served) -> None:
        token_file = tmp_path / "state" / TOKEN_FILE
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert s.parts.security.token == token
        definition = {"device_uri": "socket://127.0.0.1:9", "ppd": PXLMONO, "name": "Office"}
        refused = await s.client.post("/api/printers", json=definition)
        assert refused.status == 401
        assert s.manager.printers() == []
        auth = {"Authorization": f"Bearer {token}"}
        ok = await s.client.post("/api/printers", json=definition, headers=auth)
        assert ok.status == 201
        assert (await s.client.get("/api/printers")).status == 200  # reading needs none
        assert (await s.client.delete("/api/printers/Office")).status == 401
        assert (await s.client.delete("/api/printers/Office", headers=auth)).status == 204

    _run(tmp_path, drivers, body, bind_host="0.0.0.0")


@pytest.fixture
def shelly() -> Iterator[ShellySim]:
    with ShellySim(gen=2, power_w=50.0, energy_wh=160.0, is_on=True) as sim:
        yield sim


def test_power_actions_switch_the_plug(
    tmp_path: Path, drivers: DatabaseDrivers, shelly: ShellySim
) -> None:
    spec = PlugSpec("desk", "shelly", "127.0.0.1", shelly.port, (("gen", "2"),))
    flat = parse_tariff(Section("power.tariff", "<test>", {"currency": "EUR", "rate": 0.30}))
    energy = EnergyLog(tmp_path / "energy.sqlite3", tariff=flat)
    now = time.time()
    energy.record("desk", now - 3 * 86400, None, 100.0)
    energy.record("desk", now - 3 * 86400 + 600, None, 160.0)  # 60 Wh three days ago
    controllers: dict[str, PlugController] = {}

    async def body(s: Served) -> None:
        await _add(s)
        controllers["Office"] = ctl = PlugController(
            create_plug(spec), IdleMachine(delay=600.0), energy
        )
        task = asyncio.create_task(ctl.run())
        try:
            await _power_scenario(s, ctl, shelly)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ctl.plug.close()

    _run(tmp_path, drivers, body, power=lambda: ControllerPower(controllers, energy))
    energy.close()


async def _power_scenario(s: Served, ctl: PlugController, shelly: ShellySim) -> None:
    for _ in range(200):
        if ctl.status == "on":
            break
        await asyncio.sleep(0.02)
    [printer] = (await (await s.client.get("/api/status")).json())["printers"]
    plug = printer["plug"]
    assert (plug["plug"], plug["state"]) == ("desk", "on")
    assert plug["off_at"] == pytest.approx(time.time() + 600, abs=30)  # the idle countdown
    off = await s.client.post("/api/printers/Office/power", json={"on": False})
    assert off.status == 200, await off.text()
    assert not shelly.is_on
    status = (await (await s.client.get("/api/status")).json())["printers"][0]["plug"]
    assert (status["state"], status["off_at"]) == ("off", None)
    assert (await s.client.post("/api/printers/Office/power", json={"on": True})).status == 200
    assert shelly.is_on
    assert (await s.client.post("/api/printers/Office/hold", json={"seconds": 3600})).status == 200
    assert ctl.machine.hold_until == pytest.approx(time.time() + 3600, abs=5)
    assert (await s.client.post("/api/printers/Office/delay", json={"seconds": 90})).status == 200
    assert ctl.machine.delay == 90
    assert ctl.energy is not None
    first, second = ctl.energy.readings("desk", 0)[:2]  # the 60 Wh three days ago
    ctl.energy.record_job("desk", f"{printer['key']}/1", first.ts, second.ts)
    ctl.energy.record_job("desk", "Elsewhere/2", first.ts, second.ts)  # another queue's job
    answer = await (await s.client.get("/api/energy?printer=Office&days=5")).json()
    days = answer["days"]
    assert [round(d["wh"]) for d in days][:2] == [0, 60]
    assert answer["currency"] == "EUR"
    assert days[1]["cost"] == pytest.approx(0.018)  # 60 Wh at 0.30 per kWh
    assert days[1]["estimated"] is False
    assert sum(m["wh"] for m in answer["months"]) >= 60
    [job] = answer["jobs"]
    assert (job["job_id"], job["wh"], job["cost"], job["currency"]) == ("1", 60, 0.018, "EUR")
    chart = await s.client.get("/energy/Office.svg")
    assert chart.headers["Content-Type"].startswith("image/svg+xml")
    assert "60.0 Wh, 0.02 EUR" in await chart.text()
    page = await (await s.client.get("/")).text()
    assert "0.0180 EUR" in page  # the job's cost in the list under the chart
