"""The control API over a real manager, through aiohttp's test client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web.control import control_app
from tests.web.conftest import PXLMONO

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]


def _run(
    tmp_path: Path,
    drivers: DatabaseDrivers,
    body: Callable[[TestClient[object, object]], Awaitable[None]],
) -> None:
    async def scenario() -> None:
        settings = ManagerSettings(tmp_path / "state", ports=PortRange(18100, 18150))
        manager = Manager(settings, drivers)
        await manager.start()
        client: TestClient[object, object] = TestClient(TestServer(control_app(manager, list)))
        await client.start_server()
        try:
            await body(client)
        finally:
            await client.close()
            await manager.shutdown()

    asyncio.run(scenario())


def test_add_list_delete(tmp_path: Path, drivers: DatabaseDrivers) -> None:
    async def body(client: TestClient[object, object]) -> None:
        resp = await client.post(
            "/api/printers",
            json={"device_uri": "socket://127.0.0.1:9100", "ppd": PXLMONO, "name": "Office"},
        )
        assert resp.status == 201, await resp.text()
        printer = (await resp.json())["printer"]
        assert printer["name"] == "Office"
        assert printer["state"] == "running"
        assert printer["uri"] == f"ipp://localhost:{printer['port']}/ipp/print"
        listed = (await (await client.get("/api/printers")).json())["printers"]
        assert [p["name"] for p in listed] == ["Office"]
        again = await client.post(
            "/api/printers", json={"device_uri": "socket://127.0.0.1:9100", "ppd": PXLMONO}
        )
        assert again.status == 409
        assert (await client.delete("/api/printers/Office")).status == 204
        assert (await client.delete("/api/printers/Office")).status == 404
        assert (await (await client.get("/api/printers")).json())["printers"] == []

    _run(tmp_path, drivers, body)


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        (
            {"data": "device_uri=x", "headers": {"Content-Type": "text/plain"}},
            400,
            "application/json",
        ),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400, ""),
        ({"json": []}, 400, "JSON object"),
        ({"json": {"device_uri": ""}}, 400, "'device_uri' must be a non-empty string"),
        ({"json": {"device_uri": "nocolon"}}, 400, "must be a URI"),
        ({"json": {"device_uri": "socket://h", "name": "a\nb"}}, 400, "control characters"),
        ({"json": {"device_uri": "socket://h", "name": 7}}, 400, "'name' must be a string"),
        ({"json": {"device_uri": "socket://h", "ppd": "nope"}}, 422, "unknown driver 'nope'"),
        ({"json": {"device_uri": "socket://h", "make_and_model": "Acme"}}, 422, "no PPD matches"),
    ],
)
def test_bad_requests_get_a_clear_error(
    tmp_path: Path, drivers: DatabaseDrivers, kwargs: dict[str, object], status: int, message: str
) -> None:
    async def body(client: TestClient[object, object]) -> None:
        resp = await client.post("/api/printers", **kwargs)  # type: ignore[arg-type]
        assert resp.status == status
        error = (await resp.json())["error"]
        assert message in error

    _run(tmp_path, drivers, body)
