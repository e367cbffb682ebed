"""``printerapp server``: detection, drivers, queues, power and the web surface, in one loop.

This is the composition root: the one module that knows every part.
Detection publishes device changes on an asyncio queue (its monitor
threads reach the loop only through ``call_soon_threadsafe``); the loop
applies each change to the manager.  The plugs, when the configuration
names any, are wired in here: the manager receives each queue's plug
environment, the power watch reads the manager's printers.  SIGTERM and
SIGINT stop every queue cleanly and save the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from printerapp.config import Config, load_config
from printerapp.detection.config import DetectionConfig
from printerapp.detection.detector import Detector
from printerapp.detection.mdns_txt import OwnQueues
from printerapp.detection.records import DeviceChange
from printerapp.dnssd.avahi import AvahiPublisher
from printerapp.errors import DnssdError
from printerapp.ippprint.policy import RETRY_INTERVAL_ENV, RETRY_LIMIT_ENV
from printerapp.manager.announce import QueueAnnouncer
from printerapp.manager.drivers import Drivers
from printerapp.manager.front import QueueFront
from printerapp.manager.held import prune_held
from printerapp.manager.resubmit import RETRY_INTERVAL
from printerapp.manager.state import QueueRecord
from printerapp.manager.system import Manager, ManagerSettings, PrinterInfo
from printerapp.power.energy import EnergyLog
from printerapp.server.demo import DemoPrinter, demo_overrides
from printerapp.server.lan import watch_lan
from printerapp.server.power import LiveControllers, ServerPower
from printerapp.server.settings import ServerSettings, server_settings
from printerapp.web.app import add_dashboard, dashboard_url
from printerapp.web.control import control_app
from printerapp.web.guard import Limits, quiet_accept_errors, start_control_server
from printerapp.web.power import ControllerPower, NoPower, PowerControl
from printerapp.web.view import Ranker

__all__ = ["NOFILE_WANTED", "Server", "install_signal_handlers", "raise_fd_limit", "serve"]

log = logging.getLogger(__name__)

#: descriptors the daemon asks for at start (up to the hard limit)
NOFILE_WANTED = 65536
#: after start-up, how long detection may take before unseen adopted queues are parked
CONFIRM_GRACE_S = 15.0


def raise_fd_limit(wanted: int = NOFILE_WANTED) -> int:
    """Raise the soft descriptor limit towards *wanted* (at most the hard limit); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the descriptor limit from %d to %d: %s", soft, target, exc)
            return soft
        return target
    return soft


def announce_scope(settings: ManagerSettings) -> tuple[tuple[str, ...], str]:
    """Return where queues are announced (interface names, empty: all) and adminurl's host."""
    if not settings.serves_lan:
        return ("lo",), "localhost"
    return (), settings.public_host


@dataclass
class Server:
    """The running daemon; :meth:`run` returns when :meth:`stop` is called."""

    settings: ServerSettings
    detection: DetectionConfig
    drivers: Drivers
    demo: bool = False
    #: the dashboard's driver ranking (None: the add form offers no ranked drivers)
    ranker: Ranker | None = None
    #: the configuration whose ``[power.printers.*]`` give printers plugs (None: no plugs)
    power_config: Config | None = None
    #: where the plugs' energy is logged
    energy: EnergyLog | None = None
    #: the control server's connection limits (None: sized from the descriptor limit)
    limits: Limits | None = None

    def __post_init__(self) -> None:
        state_dir = self.settings.manager.state_dir
        self.plugs = (
            None
            if self.power_config is None
            else ServerPower(self.power_config, self.energy, self._printers, state_dir)
        )
        self.publisher = AvahiPublisher()
        #: every client reaches the queues through it: pre-warm sees each request
        self.front = QueueFront(None if self.plugs is None else self.plugs.observe)
        self.manager = Manager(
            self.settings.manager,
            self.drivers,
            queue_env=self._queue_env,
            announcer=QueueAnnouncer(self.publisher, *announce_scope(self.settings.manager)),
            front=self.front,
        )
        self.power: PowerControl = (
            NoPower()
            if self.plugs is None
            else ControllerPower(LiveControllers(self.plugs), self.energy)
        )
        self.own = OwnQueues()
        self.detector = Detector(self.detection, own=self.own)
        self._stop = asyncio.Event()
        self._ports: set[int] = set()
        self.control_url = ""

    def _queue_env(self, record: QueueRecord) -> dict[str, str]:
        """Return the job environment the server adds: CUPS's retry knobs, the plug."""
        env = {
            RETRY_INTERVAL_ENV: f"{self.settings.job_retry_interval:g}",
            RETRY_LIMIT_ENV: str(self.settings.job_retry_limit),
        }
        if self.plugs is not None:
            env.update(self.plugs.queue_env(record))
        return env

    def stop(self) -> None:
        """Ask the server to shut down (safe from a signal handler)."""
        self._stop.set()

    def _printers(self) -> list[PrinterInfo]:
        return self.manager.printers()

    def _refresh_own(self) -> None:
        """Tell detection which ports are our own queues, so it never adopts them."""
        ports = {p.port for p in self.manager.printers() if p.port}
        for port in self._ports - ports:
            self.own.discard(port)
        for port in ports - self._ports:
            self.own.add(port)
        self._ports = ports

    async def _consume(self) -> None:
        # what arrived while the last batch started goes in one batch: its queues start together
        async for batch in self.detector.batches():
            changes = [item for item in batch if isinstance(item, DeviceChange)]
            if changes:
                await self.manager.apply(changes)
                self._refresh_own()

    async def _confirm(self) -> None:
        await asyncio.sleep(CONFIRM_GRACE_S)
        await self.manager.park_unseen(self.detector.devices.devices)

    async def _retry_loop(self) -> None:
        while True:
            await self._prune_held()
            await asyncio.sleep(RETRY_INTERVAL)
            await self.manager.resubmit_kept()

    async def _prune_held(self) -> None:
        """Drop held documents past ``[server] held_days`` (0 keeps them)."""
        days = self.settings.keep.held_days
        if days > 0:
            spools = self.manager.spool_dir
            await asyncio.to_thread(prune_held, spools, days * 86400, time.time())

    def _plug_tasks(self) -> list[asyncio.Task[None]]:
        if self.plugs is None:
            return []
        return [asyncio.create_task(self.plugs.run(self._stop), name="plugs")]

    async def _control(self) -> web.AppRunner:
        app = control_app(self.manager, lambda: sorted(self.detector.devices.devices, key=str))
        host, port = self.settings.control_host, self.settings.control_port
        parts = add_dashboard(
            app,
            self.manager,
            bind_host=host,
            state_dir=self.settings.manager.state_dir,
            power=self.power,
            ranker=self.ranker,
            keep=self.settings.keep,
        )
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        limits = self.limits or self.settings.limits.sized(soft)
        parts.hub.write_timeout = limits.event_write_timeout
        quiet_accept_errors(asyncio.get_running_loop())
        runner, _site = await start_control_server(app, host, port, limits)
        log.debug(
            "control server: %d connections, %d per client", limits.connections, limits.per_client
        )
        self.control_url = dashboard_url(host, port)
        log.info("dashboard: %s", self.control_url)
        log.info("control API: %sapi/printers", self.control_url)
        return runner

    async def run(self) -> None:
        """Serve until stop(); then stop every queue and save the state."""
        try:
            await self.publisher.start()
            self.own.add_local_host(self.publisher.host_fqdn)
        except DnssdError as exc:
            log.warning(
                "%s: the queues are not announced to the LAN (only ippeveprinter's own records,"
                " of its loopback ports, without AirPrint keys)",
                exc,
            )
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
            if self.settings.manager.serves_lan:
                # the LAN's way in to the loopback-bound queues, as [server] hostname asks
                lan = watch_lan(self.front, self._stop)
                tasks.append(asyncio.create_task(lan, name="LAN addresses"))
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
            await self.front.close_all()
            await self.publisher.close()


def install_signal_handlers(server: Server) -> None:
    """Stop *server* on SIGTERM and SIGINT."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.stop)


def watch_children_by_pidfd() -> bool:
    """Wait for the queues' processes on the loop, by pidfd; return False when it cannot.

    Python 3.11's default waits for each child on a thread of its own: a
    hundred queues are a hundred threads, each with its stack and its share
    of malloc's arenas (megabytes of the daemon's RSS).  3.12 does this
    itself.  Call it on the running loop, before any child starts.
    """
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))  # a kernel before 5.3 or a seccomp filter says no
    except OSError:
        return False
    watcher = asyncio.PidfdChildWatcher()
    watcher.attach_loop(asyncio.get_running_loop())
    asyncio.set_child_watcher(watcher)
    return True


async def serve(
    config_path: Path | None, *, demo: bool = False, log_level_given: bool = False
) -> None:
    """Load the configuration, put the parts together and serve until SIGTERM or SIGINT."""
    watch_children_by_pidfd()
    from printerapp.manager.drivers import IdleIndexRanker, WorkerDrivers
    from printerapp.power.energy import DB_NAME as ENERGY_DB
    from printerapp.power.energy import EnergyLog
    from printerapp.power.settings import power_settings

    config = load_config(config_path)
    settings = server_settings(config)
    if demo:
        manager = replace(settings.manager, overrides=demo_overrides(settings.manager.overrides))
        settings = replace(settings, manager=manager)
    if not log_level_given:
        logging.getLogger().setLevel(settings.log_level)
    raise_fd_limit()
    # an unusable state directory is the first thing to say, in one line
    settings.manager.state_dir.mkdir(parents=True, exist_ok=True)
    detection = DetectionConfig.from_section(config.section("detection"))
    drivers = WorkerDrivers(settings.manager.state_dir, config.path)
    ranker = IdleIndexRanker(settings.manager.state_dir, config.path)
    power = power_settings(config)
    power_config = config if power.printers else None
    energy_path = settings.manager.state_dir / ENERGY_DB
    energy = None if power_config is None else EnergyLog(energy_path, tariff=power.tariff)
    try:
        # a plug that cannot be used stops the server here, before anything starts
        server = Server(
            settings,
            detection,
            drivers,
            demo=demo,
            ranker=ranker,
            power_config=power_config,
            energy=energy,
        )
        # build or refresh the index cache now, so the first hot-plug finds it warm
        await asyncio.to_thread(drivers.warm)
        install_signal_handlers(server)
        await server.run()
    finally:
        drivers.close()
        if energy is not None:
            energy.close()
