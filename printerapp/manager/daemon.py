"""``printerapp server``: detection, drivers, queues and the control API, in one loop.

Detection publishes device changes on an asyncio queue (its monitor
threads reach the loop only through ``call_soon_threadsafe``); the loop
applies each change to the manager.  SIGTERM and SIGINT stop every queue
cleanly and save the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

from aiohttp import web

from printerapp.detection.config import DetectionConfig
from printerapp.detection.detector import Detector
from printerapp.detection.mdns_txt import OwnQueues
from printerapp.detection.records import DeviceChange
from printerapp.manager.control import control_app
from printerapp.manager.demo import DemoPrinter
from printerapp.manager.drivers import Drivers
from printerapp.manager.resubmit import RETRY_INTERVAL
from printerapp.manager.settings import ServerSettings
from printerapp.manager.system import Manager
from printerapp.power.energy import EnergyLog
from printerapp.power.serverpower import LiveControllers, ServerPower
from printerapp.web.app import add_dashboard, dashboard_url
from printerapp.web.power import ControllerPower, NoPower, PowerControl
from printerapp.web.view import Ranker

__all__ = ["Server"]

log = logging.getLogger(__name__)

#: after start-up, how long detection may take before unseen adopted queues are parked
CONFIRM_GRACE_S = 15.0


@dataclass
class Server:
    """The running daemon; :meth:`run` returns when :meth:`stop` is called."""

    settings: ServerSettings
    detection: DetectionConfig
    drivers: Drivers
    demo: bool = False
    #: the dashboard's driver ranking (None: the add form offers no ranked drivers)
    ranker: Ranker | None = None
    #: the plugs of the printers (None: no [power.printers.*] in the configuration)
    plugs: ServerPower | None = None

    def __post_init__(self) -> None:
        self.manager = Manager(self.settings.manager, self.drivers)
        self.power: PowerControl = NoPower()
        self.own = OwnQueues()
        self.detector = Detector(self.detection, own=self.own)
        self._stop = asyncio.Event()
        self._ports: set[int] = set()
        self.control_url = ""

    def stop(self) -> None:
        """Ask the server to shut down (safe from a signal handler)."""
        self._stop.set()

    def _refresh_own(self) -> None:
        """Tell detection which ports are our own queues, so it never adopts them."""
        ports = {r.port for r in self.manager.records.values() if r.port}
        for port in self._ports - ports:
            self.own.discard(port)
        for port in ports - self._ports:
            self.own.add(port)
        self._ports = ports

    async def _consume(self) -> None:
        async for item in self.detector.events():
            if isinstance(item, DeviceChange):
                await self.manager.apply([item])
                self._refresh_own()

    async def _confirm(self) -> None:
        await asyncio.sleep(CONFIRM_GRACE_S)
        await self.manager.park_unseen(self.detector.devices.devices)

    async def _retry_loop(self) -> None:
        while True:
            await asyncio.sleep(RETRY_INTERVAL)
            await self.manager.resubmit_kept()

    def _plug_tasks(self) -> list[asyncio.Task[None]]:
        if self.plugs is None:
            return []
        return [asyncio.create_task(self.plugs.run(self._stop), name="plugs")]

    async def _control(self) -> web.AppRunner:
        app = control_app(self.manager, lambda: sorted(self.detector.devices.devices, key=str))
        host, port = self.settings.control_host, self.settings.control_port
        add_dashboard(
            app,
            self.manager,
            bind_host=host,
            state_dir=self.settings.manager.state_dir,
            power=self.power,
            ranker=self.ranker,
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self.control_url = dashboard_url(host, port)
        log.info("dashboard: %s", self.control_url)
        log.info("control API: %sapi/printers", self.control_url)
        return runner

    def use_plugs(self, plugs: ServerPower, energy: EnergyLog | None) -> None:
        """Give the printers named in ``[power.printers]`` their plugs."""
        self.plugs = plugs
        self.manager.queue_env = plugs.queue_env
        self.power = ControllerPower(LiveControllers(plugs), energy)

    async def run(self) -> None:
        """Serve until stop(); then stop every queue and save the state."""
        await self.manager.start()
        self._refresh_own()
        runner = await self._control()
        demo = DemoPrinter(self.settings.manager.state_dir / "demo") if self.demo else None
        tasks: list[asyncio.Task[None]] = []
        try:
            if demo is not None:
                await demo.start()
            await self.detector.start()
            tasks = [
                asyncio.create_task(self._consume(), name="device changes"),
                *self._plug_tasks(),
                asyncio.create_task(self._confirm(), name="confirm adopted queues"),
                asyncio.create_task(self._retry_loop(), name="resubmit kept jobs"),
            ]
            await self._stop.wait()
        finally:
            log.info("shutting down")
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.detector.stop()
            if demo is not None:
                await demo.stop()
            await runner.cleanup()
            await self.manager.shutdown()


def install_signal_handlers(server: Server) -> None:
    """Stop *server* on SIGTERM and SIGINT."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.stop)
