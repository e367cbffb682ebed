"""Web test fixtures: the real driver database and a control app with the dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from printerapp.detection.records import Device
from printerapp.ipp.client import print_job
from printerapp.ipp.request import IppAttribute
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ippeve import IPPEVEPRINTER
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web.app import WebParts, add_dashboard, ranker_for
from printerapp.web.control import control_app
from printerapp.web.power import PowerControl
from tests.manager.conftest import PXLMONO, drivers

__all__ = ["PXLMONO", "Served", "drivers", "served"]

PORTS = PortRange(18200, 18250)


@dataclass
class Served:
    """A running manager behind the control app with the dashboard."""

    client: TestClient[web.Request, web.Application]
    manager: Manager
    parts: WebParts


@asynccontextmanager
async def served(
    state: Path,
    db: DatabaseDrivers,
    *,
    bind_host: str = "127.0.0.1",
    power: PowerControl | None = None,
    devices: Sequence[Device] = (),
    ports: PortRange = PORTS,
    program: str = IPPEVEPRINTER,
) -> AsyncIterator[Served]:
    """Run a real Manager and serve control API + dashboard through aiohttp's test client."""
    manager = Manager(ManagerSettings(state, ports=ports, program=program), db)
    await manager.start()
    app = control_app(manager, lambda: list(devices))
    parts = add_dashboard(
        app, manager, bind_host=bind_host, state_dir=state, power=power, ranker=ranker_for(db.index)
    )
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Served(client, manager, parts)
    finally:
        await client.close()
        await manager.shutdown()


TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf").read_bytes()


async def send_testpage(port: int, name: str, attributes: Sequence[IppAttribute] = ()) -> None:
    """Print CUPS's test page as alice to the queue on *port*; it must be accepted."""
    status = await print_job(
        port,
        TESTPAGE,
        user="alice",
        job_name=name,
        document_format="application/pdf",
        attributes=attributes,
        timeout_s=30,
    )
    assert status < 0x100
