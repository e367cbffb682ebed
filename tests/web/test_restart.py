"""Restarting a crash-looping queue now: the control API, the dashboard form and the CLI.

The queue's program is a stand-in that fails while a cause file exists and
runs the real ippeveprinter otherwise (tests.manager.conftest).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from printerapp.cli.main import main as cli_main
from printerapp.detection.records import Device
from printerapp.manager import queue as queue_mod
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.procfs import pid_listens_on
from tests.manager.conftest import failing_ippeveprinter
from tests.web.conftest import PXLMONO, Served, served

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

#: the form's class when it is hidden, as the page renders it
_HIDDEN_RESTART = 'class="inline restart" hidden'


@pytest.fixture(autouse=True)
def crash_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two fast restarts, then a slow retry far beyond the test: only a restart helps."""
    monkeypatch.setattr(queue_mod, "MAX_CRASHES", 2)
    monkeypatch.setattr(queue_mod, "RESTART_DELAYS", (0.0,))
    monkeypatch.setattr(queue_mod, "SLOW_RESTART_INTERVAL", 3600.0)


async def _printer(s: Served) -> Any:
    listed = (await (await s.client.get("/api/printers")).json())["printers"]
    assert len(listed) == 1
    return listed[0]


async def _until_state(s: Served, state: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while (printer := await _printer(s))["state"] != state:
        assert time.monotonic() < deadline, f"not {state} within {seconds} s: {printer}"
        await asyncio.sleep(0.05)
    return printer


async def _crash_loop(s: Served) -> Any:
    """Kill the running queue, whose cause file exists, until it waits; return it."""
    os.kill((await _printer(s))["pid"], signal.SIGKILL)
    return await _until_state(s, "waiting")


def test_api_shows_the_wait_and_restarts_at_once(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    program, cause = failing_ippeveprinter(tmp_path)

    async def scenario() -> None:
        async with served(tmp_path / "state", drivers, program=str(program)) as s:
            added = await s.client.post(
                "/api/printers",
                json={"device_uri": "socket://127.0.0.1:9", "ppd": PXLMONO, "name": "Office"},
            )
            assert added.status == 201, await added.text()
            page = await (await s.client.get("/")).text()
            assert _HIDDEN_RESTART in page  # running: no Restart offered
            cause.touch()
            waiting = await _crash_loop(s)
            assert waiting["reason"].startswith("crashed 2 times in 60 s (last: ")
            assert waiting["last_crash"].endswith("device firmware missing")
            assert 3500 < waiting["retry_at"] - time.time() <= 3600
            assert waiting["pid"] is None
            page = await (await s.client.get("/")).text()
            assert _HIDDEN_RESTART not in page
            assert "Restart</button>" in page
            assert "next try in 3" in page  # 3599 s or so
            # the cause is still there: the restart says why it failed, supervision goes on
            failed = await s.client.post("/api/printers/Office/restart", json={})
            assert failed.status == 409
            assert "device firmware missing" in (await failed.json())["error"]
            await _until_state(s, "waiting")
            # the cause is gone: the restart brings the queue back at once
            cause.unlink()
            started = time.monotonic()
            resp = await s.client.post("/api/printers/Office/restart", json={})
            assert resp.status == 200, await resp.text()
            printer = (await resp.json())["printer"]
            assert time.monotonic() - started < 5
            assert printer["state"] == "running"
            assert printer["retry_at"] is None
            assert printer["last_crash"].endswith("device firmware missing")  # kept
            assert pid_listens_on(printer["pid"], printer["ippeve_port"])
            missing = await s.client.post("/api/printers/Nobody/restart", json={})
            assert missing.status == 404
            assert "no printer called 'Nobody'" in (await missing.json())["error"]
            plain = await s.client.post(
                "/api/printers/Office/restart", data="x", headers={"Content-Type": "text/plain"}
            )
            assert plain.status == 403  # neither JSON nor a CSRF token: a forged form

    asyncio.run(scenario())


def test_dashboard_form_and_cli_restart(
    tmp_path: Path, drivers: DatabaseDrivers, capsys: pytest.CaptureFixture[str]
) -> None:
    program, cause = failing_ippeveprinter(tmp_path)
    config = tmp_path / "printerapp.toml"
    config.write_text(f'[server]\nstate_dir = "{tmp_path / "state"}"\n')

    async def scenario() -> None:
        async with served(tmp_path / "state", drivers, program=str(program)) as s:
            device = Device("socket://127.0.0.1:9", "HP LaserJet 2100")
            await s.manager.add_manual(device, ppd_name=PXLMONO, name="Office")
            key = (await _printer(s))["key"]
            cause.touch()
            await _crash_loop(s)
            cause.unlink()
            form = {"action": "restart", "csrf": s.parts.security.csrf_token}
            resp = await s.client.post(f"/printers/{key}/action", data=form, allow_redirects=False)
            assert resp.status == 303
            assert "Office+restarted%3A+running" in resp.headers["Location"]
            assert (await _printer(s))["state"] == "running"
            # the CLI, against the same server on its real port
            cause.touch()
            await _crash_loop(s)
            cause.unlink()
            server = f"127.0.0.1:{s.client.port}"
            argv = ["restart", "--server", server, "--config", str(config), "Office"]
            assert await asyncio.to_thread(cli_main, argv) == 0
            assert (await _printer(s))["state"] == "running"
            argv[-1] = "Nobody"
            assert await asyncio.to_thread(cli_main, argv) == 1

    asyncio.run(scenario())
    out, err = capsys.readouterr()
    assert "restarted Office: running" in out
    assert "printerapp restart: no printer called 'Nobody'" in err
