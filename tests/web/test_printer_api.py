"""``/api/printers/{name}`` and the printer page over a real manager, queues, sink and SNMP agent.

One queue prints to a TCP sink and polls a recorded Sharp MX-3570N (snmpsim)
after each job, so its supplies are the printer's; another points at a port
nobody listens on, so its job stays active until it is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.front import QueueFront
from printerapp.manager.ports import PortRange
from printerapp.manager.state import QueueRecord
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web import printer_api
from printerapp.web.app import WebParts, add_dashboard, ranker_for
from printerapp.web.control import control_app
from printerapp.web.kept import list_kept
from tests.support.cupsd import free_port
from tests.support.sink import TcpSink
from tests.support.snmpsim import SnmpSim
from tests.web.conftest import PXLMONO, send_testpage

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

Client = TestClient[web.Request, web.Application]


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpSim]:
    """A real SNMP agent replaying tests/supplies/data (community = file name)."""
    with SnmpSim(tmp_path_factory.mktemp("snmpsim")) as sim:
        yield sim


def snmp_env(port: int, community: str) -> Callable[[QueueRecord], dict[str, str]]:
    """Return a queue environment whose jobs poll the agent on *port* afterwards."""

    def env(_record: QueueRecord) -> dict[str, str]:
        return {
            "PRINTERAPP_SNMP": "on",
            "PRINTERAPP_SNMP_PORT": str(port),
            "PRINTERAPP_SNMP_COMMUNITY": community,
        }

    return env


@contextlib.asynccontextmanager
async def serve(
    state: Path, db: DatabaseDrivers, queue_env: Callable[[QueueRecord], dict[str, str]]
) -> AsyncIterator[tuple[Client, Manager, WebParts]]:
    """Run a manager whose queues get *queue_env*, behind the control app and dashboard."""
    settings = ManagerSettings(
        state, ports=PortRange(18300, 18340), internal_ports=PortRange(18400, 18440)
    )
    # the daemon's way: every client, the dashboard too, reaches the queue through its front
    manager = Manager(settings, db, queue_env=queue_env, front=QueueFront())
    await manager.start()
    app = control_app(manager, list)
    parts = add_dashboard(
        app, manager, bind_host="127.0.0.1", state_dir=state, ranker=ranker_for(db.index)
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client, manager, parts
    finally:
        await client.close()
        await manager.shutdown()


async def detail(client: Client, name: str = "Front%20Desk") -> dict[str, Any]:
    resp = await client.get(f"/api/printers/{name}")
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def until_job(
    client: Client, check: Callable[[dict[str, Any]], bool], name: str = "Front%20Desk"
) -> dict[str, Any]:
    """Return the printer's detail once one of its jobs passes *check* (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        found = await detail(client, name)
        if any(check(j) for j in found["jobs"]):
            return found
        assert time.monotonic() < deadline, f"no such job: {found['jobs']}"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(240)
def test_printer_detail_jobs_supplies_and_actions(
    tmp_path: Path, drivers: DatabaseDrivers, agent: SnmpSim
) -> None:
    async def body(client: Client, manager: Manager, sink: TcpSink) -> None:
        resp = await client.post(
            "/api/printers",
            json={"device_uri": sink.uri, "ppd": PXLMONO, "name": "Front Desk"},
        )
        assert resp.status == 201, await resp.text()
        port = (await resp.json())["printer"]["port"]
        # 1. before any job: as /api/printers lists it, idle, and ippeveprinter's
        #    invented supplies hidden
        fresh = await detail(client)
        listed = (await (await client.get("/api/printers")).json())["printers"][0]
        assert {k: fresh[k] for k in listed} == listed
        assert (fresh["printer_state"], fresh["state_reasons"]) == ("idle", [])
        assert fresh["supplies"] == []
        assert fresh["jobs"] == []
        assert "Identify-Printer" in fresh["operations"]
        assert "Hold-Job" not in fresh["operations"]
        assert (await client.get("/api/printers/Nope")).status == 404
        # 2. a job: listed by the queue with its owner and final reason; its document kept
        await send_testpage(port, "report <1>")
        done = await until_job(client, lambda j: j["state"] == "completed")
        [job] = done["jobs"]
        assert (job["name"], job["user"]) == ("report <1>", "alice")
        assert "job-completed-successfully" in job["state_reasons"]
        assert job["created"] <= job["completed"] <= time.time() + 1
        assert job["document"] is not None
        assert sink.wait_for_jobs(1)[0].startswith(b"\x1b%-12345X")
        # 3. the supplies the job's SNMP poll read from the recorded Sharp
        supplies = done["supplies"]
        assert len(supplies) == 14
        assert [s["name"] for s in supplies[:2]] == ["Cyan Toner", "Magenta Toner"]
        assert [s["level"] for s in supplies[:4]] == [55, 19, 40, 34]
        assert supplies[0]["colour"].upper() == "#00FFFF"
        assert done["state_reasons"] == ["toner-low-report"]
        # 4. reprint: a new job from the kept document reaches the sink again
        path = f"/api/printers/Front%20Desk/documents/{job['document']}/reprint"
        resp = await client.post(path, json={})
        assert resp.status == 200, await resp.text()
        assert "sent again" in (await resp.json())["message"]
        assert len(sink.wait_for_jobs(2)) == 2
        again = await until_job(client, lambda j: j["id"] == 2 and j["state"] == "completed")
        assert again["jobs"][0]["name"] == "report <1>"
        # 5. identify is forwarded; hold is refused as ippeveprinter lacks it
        resp = await client.post("/api/printers/Front%20Desk/identify", json={})
        assert resp.status == 200, await resp.text()
        resp = await client.post("/api/printers/Front%20Desk/jobs/1/hold", json={})
        assert resp.status == 409
        assert "does not support Hold-Job" in (await resp.json())["error"]
        # 6. bad input: one clear message each
        for bad, status, words in [
            ("jobs/x1/cancel", 400, "is not a job id"),
            ("documents/999-9/reprint", 400, "no kept document"),
            ("documents/..%2Fx/reprint", 400, "not the name of a kept document"),
            ("jobs/1/cancel", 502, "Cancel-Job"),  # it ended already
        ]:
            resp = await client.post(f"/api/printers/Front%20Desk/{bad}", json={})
            assert resp.status == status, (bad, await resp.text())
            if words:
                assert words in (await resp.json())["error"]

    async def cancel(client: Client) -> None:
        resp = await client.post(
            "/api/printers",
            json={
                "device_uri": f"socket://127.0.0.1:{free_port()}",
                "ppd": PXLMONO,
                "name": "Back Room",
            },
        )
        port = (await resp.json())["printer"]["port"]
        await send_testpage(port, "stuck")
        sent = time.monotonic()
        await until_job(client, lambda j: j["state"] == "processing", "Back%20Room")
        # what the backend says about the printer reaches clients within 5 s, in CUPS's words
        while True:
            seen = await detail(client, "Back%20Room")
            if "offline-report" in seen["state_reasons"]:
                break
            assert time.monotonic() - sent < 5, seen
            await asyncio.sleep(0.1)
        assert seen["state_message"].startswith("Printer not responding"), seen
        assert "other" not in seen["state_reasons"]
        ipp = await asyncio.to_thread(
            subprocess.run,
            ["ipptool", "-tv", f"ipp://127.0.0.1:{port}/ipp/print", "get-printer-attributes.test"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert "printer-state-message (textWithoutLanguage) = Printer not responding" in ipp.stdout
        assert "[PASS]" in ipp.stdout, ipp.stdout[-2000:]
        resp = await client.post("/api/printers/Back%20Room/jobs/1/cancel", json={})
        assert resp.status == 200, await resp.text()
        await until_job(client, lambda j: j["state"] == "canceled", "Back%20Room")
        cleared = await detail(client, "Back%20Room")
        assert "offline-report" not in cleared["state_reasons"]

    async def scenario() -> None:
        env = snmp_env(agent.port, "sharp-mx-3570n")
        with TcpSink() as sink:
            async with serve(tmp_path / "state", drivers, env) as (client, manager, _parts):
                await body(client, manager, sink)
                await cancel(client)

    asyncio.run(scenario())


@pytest.mark.timeout(120)
def test_page_escapes_and_forms_need_csrf(
    tmp_path: Path, drivers: DatabaseDrivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(printer_api, "KEEP_SCAN_S", 0.2)

    async def scenario() -> None:
        env = snmp_env(9, "none")
        with TcpSink() as sink:
            async with serve(tmp_path / "state", drivers, env) as (client, _manager, parts):
                name = 'Lab "<b>x</b>"'
                resp = await client.post(
                    "/api/printers", json={"device_uri": sink.uri, "ppd": PXLMONO, "name": name}
                )
                assert resp.status == 201, await resp.text()
                info = (await resp.json())["printer"]
                await send_testpage(info["port"], "<script>alert(1)</script>")
                sink.wait_for_jobs(1)
                key = info["key"]
                await until_job(client, lambda j: j["state"] == "completed", key)
                html = await (await client.get(f"/printers/{key}")).text()
                assert "<script>alert" not in html
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
                assert "<b>x</b>" not in html
                assert 'id="supplies-unknown"' in html  # the agent on port 9 never answers
                assert f'name="csrf" value="{parts.security.csrf_token}"' in html
                # a form post without the CSRF token is refused; with it, it is done
                path = f"/printers/{key}/identify"
                refused = await client.post(path, data={"x": "1"}, allow_redirects=False)
                assert refused.status == 403
                done = await client.post(
                    path, data={"csrf": parts.security.csrf_token}, allow_redirects=False
                )
                assert done.status == 303
                assert "Identify-Printer+sent" in done.headers["Location"]

    asyncio.run(scenario())


@pytest.mark.timeout(120)
def test_a_job_through_the_front_is_kept_before_the_sweep(
    tmp_path: Path, drivers: DatabaseDrivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one sweep of every spool at the start, none later: only the front's word that a
    # request reached the queue gets its spool looked at
    monkeypatch.setattr(printer_api, "KEEP_SCAN_S", 0.2)
    monkeypatch.setattr(printer_api, "KEEP_SWEEP_S", 3600.0)

    async def scenario() -> None:
        with TcpSink() as sink:
            async with serve(tmp_path / "state", drivers, snmp_env(9, "none")) as (
                client,
                manager,
                _parts,
            ):
                resp = await client.post(
                    "/api/printers", json={"device_uri": sink.uri, "ppd": PXLMONO, "name": "Lab"}
                )
                assert resp.status == 201, await resp.text()
                info = (await resp.json())["printer"]
                await asyncio.sleep(0.5)  # the keeping task's first sweep is over
                await send_testpage(info["port"], "kept")
                await asyncio.to_thread(sink.wait_for_jobs, 1)
                spool = manager.spool_dir / info["key"]
                deadline = time.monotonic() + 30
                while not list_kept(spool):
                    assert time.monotonic() < deadline, "the document was not kept"
                    await asyncio.sleep(0.2)
                [doc] = list_kept(spool)
                assert doc.job_id == 1

    asyncio.run(scenario())


@pytest.mark.timeout(120)
def test_a_device_uris_password_is_never_shown(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def scenario() -> None:
        env = snmp_env(9, "none")
        uri = f"socket://alice:s3cret@127.0.0.1:{free_port()}"
        async with serve(tmp_path / "state", drivers, env) as (client, _manager, _parts):
            resp = await client.post(
                "/api/printers", json={"device_uri": uri, "ppd": PXLMONO, "name": "Vault"}
            )
            assert resp.status == 201, await resp.text()
            added = await resp.text()
            key = (await resp.json())["printer"]["key"]
            shown = [
                added,
                await (await client.get("/api/printers")).text(),
                await (await client.get(f"/api/printers/{key}")).text(),
                await (await client.get(f"/printers/{key}")).text(),
                await (await client.get("/")).text(),
            ]
            for text in shown:
                assert "s3cret" not in text
                assert "alice" not in text
            assert "socket://***@127.0.0.1:" in shown[0]
            assert "socket://***@127.0.0.1:" in shown[3]

    asyncio.run(scenario())
