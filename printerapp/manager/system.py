"""The queues: one supervised ippeveprinter per printer, kept in step with detection.

:meth:`Manager.apply` is the daemon's one entry for devices: detection has
already diffed its scans (after duplicate resolution) into added and removed
devices.  An added device with a driver gets a queue; one without is
recorded as unsupported with the reason and not retried until it disappears
and comes back; a queue whose device is removed is stopped and its PPD
deleted.  Everything that must survive a restart is in ``state.json``.

Outside code reads the queues through :meth:`Manager.printers` and
:meth:`Manager.unsupported_devices`, never the manager's own tables; what a
queue's ippeveprinter needs in its environment beyond the manager's own
variables (its plug, from the server) comes in as ``queue_env``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from printerapp.cups import CupsDirs
from printerapp.detection.records import Change, Device, DeviceChange
from printerapp.errors import (
    DriverError,
    PrinterAppError,
    PrinterProcessError,
    UnknownPrinterError,
)
from printerapp.ippprint.cancel import QUEUE_URI_ENV
from printerapp.ippprint.policy import POLICY_ENV
from printerapp.ippprint.procs import (
    CPU_LIMIT_ENV,
    DEFAULT_CPU_LIMIT_S,
    DEFAULT_TIME_LIMIT_S,
    TIME_LIMIT_ENV,
)
from printerapp.manager.adopt import find_leftovers, kill_stray
from printerapp.manager.announce import Announcer
from printerapp.manager.drivers import DriverPick, Drivers
from printerapp.manager.ippeve import IPPEVEPRINTER, QueueLaunch, find_ippprint, ippeve_env
from printerapp.manager.naming import queue_key, queue_name
from printerapp.manager.ports import DEFAULT_PORTS, PortRange, choose_port
from printerapp.manager.queue import PortInUseError, QueueProcess, QueueStatus
from printerapp.manager.resubmit import kept_jobs, resubmit
from printerapp.manager.state import QueueRecord, RunningRecord, State, UnsupportedRecord
from printerapp.ppd.queueppd import prepare_queue_ppd

__all__ = ["Manager", "ManagerSettings", "PrinterInfo", "PrinterOverride", "QueueEnv"]

log = logging.getLogger(__name__)

#: [server] hostname values that keep queues on this machine, and that mean "every address"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_NAMES = frozenset({"*", "0.0.0.0", "::"})  # noqa: S104 - names, not binds

#: how many taken ports a queue tries before it gives up
MAX_PORT_ATTEMPTS = 20

#: extra environment variables of a queue's ippeveprinter, from its record
QueueEnv = Callable[[QueueRecord], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class PrinterOverride:
    """Per-printer settings from the configuration (by device URI)."""

    name: str = ""
    location: str = ""
    disabled: bool = False
    #: this printer's error policy ("": the server's)
    error_policy: str = ""


@dataclass(frozen=True, slots=True)
class ManagerSettings:
    """The manager's configuration."""

    state_dir: Path
    ports: PortRange = DEFAULT_PORTS
    #: the host name clients use; "localhost" keeps the queues on this machine, anything
    #: else ("*", the host's name or "<host>.local") serves the LAN as well
    hostname: str = "localhost"
    program: str = IPPEVEPRINTER
    #: the per-job command; None: printerapp-ippprint next to this interpreter
    ippprint: Path | None = None
    overrides: Mapping[str, PrinterOverride] = field(default_factory=dict)
    #: the only document formats queues print (empty: whatever the PPD's filters take)
    formats: tuple[str, ...] = ()
    #: CPU seconds each process of a job may use, and seconds a whole job may take (0: none)
    job_cpu_limit: float = DEFAULT_CPU_LIMIT_S
    job_time_limit: float = DEFAULT_TIME_LIMIT_S
    #: what a job does when its printer fails (printerapp.ippprint.policy)
    error_policy: str = "retry-job"

    @property
    def serves_lan(self) -> bool:
        """True when queues are to be reachable from other machines."""
        return self.hostname not in LOOPBACK_NAMES

    @property
    def public_host(self) -> str:
        """The host name in the queues' URIs."""
        if self.hostname in WILDCARD_NAMES:
            return f"{socket.gethostname()}.local"
        return self.hostname


@dataclass(frozen=True, slots=True)
class PrinterInfo:
    """A queue as clients see it."""

    name: str
    key: str
    uri: str
    port: int
    state: str
    reason: str
    device_uri: str
    ppd_name: str
    make_and_model: str
    origin: str
    pid: int | None


class Manager:
    """Owns the queues: starts, stops, adopts and remembers them."""

    def __init__(
        self,
        settings: ManagerSettings,
        drivers: Drivers,
        dirs: CupsDirs | None = None,
        env: Mapping[str, str] | None = None,
        queue_env: QueueEnv | None = None,
        announcer: Announcer | None = None,
    ) -> None:
        self.settings = settings
        self.drivers = drivers
        self.dirs = CupsDirs.from_env() if dirs is None else dirs
        self.env = dict(os.environ if env is None else env)
        self._records: dict[str, QueueRecord] = {}
        self._unsupported: dict[str, UnsupportedRecord] = {}
        self._queues: dict[str, QueueProcess] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._foreign_ports: set[int] = set()
        self._bg: set[asyncio.Task[object]] = set()
        #: extra environment per queue (e.g. its plug, from the server's power wiring)
        self._queue_env = queue_env
        #: DNS-SD announcements of the queues (None: ippeveprinter announces them itself)
        self._announcer = announcer
        self._lock = asyncio.Lock()
        root = settings.state_dir
        self.state_file = root / "state.json"
        self.ppd_dir, self.spool_dir, self.log_dir = root / "ppd", root / "spool", root / "log"

    # -- state -------------------------------------------------------------

    def _save(self) -> None:
        running = tuple(
            RunningRecord(key, q.pid, q.start_ticks)
            for key, q in sorted(self._queues.items())
            if q.pid is not None and q.start_ticks is not None
        )
        state = State(
            tuple(self._records[k] for k in sorted(self._records)),
            tuple(self._unsupported[u] for u in sorted(self._unsupported)),
            running,
        )
        try:
            state.save(self.state_file)
        except OSError as exc:
            log.error("%s: cannot save the state: %s", self.state_file, exc)

    async def start(self) -> None:
        """Load the state, adopt the queues a previous daemon left, kill strays."""
        for path in (self.ppd_dir, self.spool_dir, self.log_dir):
            path.mkdir(parents=True, exist_ok=True)
        state = State.load(self.state_file)
        self._records = {r.key: r for r in state.queues}
        self._unsupported = {u.device_uri: u for u in state.unsupported}
        was_running = {(r.key, r.pid, r.start_ticks) for r in state.running}
        for leftover in find_leftovers(self.spool_dir):
            record = self._records.get(leftover.key)
            queue = self._queue(record) if record is not None else None
            ours = (leftover.key, leftover.pid, leftover.start_ticks) in was_running
            if record and queue and ours and queue.adopt(leftover.pid, leftover.start_ticks):
                log.info("adopted queue %r (pid %d)", queue.launch.name, leftover.pid)
                self._supervise(leftover.key, queue)
                await self._announce(record)
            else:
                kill_stray(leftover)
        for key, record in sorted(self._records.items()):
            if record.origin == "manual" and key not in self._queues:
                await self._run_queue(key)
        self._save()

    # -- queues ------------------------------------------------------------

    def _launch(self, record: QueueRecord) -> QueueLaunch:
        return QueueLaunch(
            name=record.name,
            port=record.port,
            ppd=self.ppd_dir / f"{record.key}.ppd",
            spool=self.spool_dir / record.key,
            device_uri=record.device_uri,
            # always loopback: ippeveprinter cannot bind a LAN name on a stock host
            # (see printerapp.server.lan), the server forwards the LAN to it instead
            hostname="localhost",
            location=record.location,
            command=self.settings.ippprint or find_ippprint(),
            program=self.settings.program,
        )

    def _queue(self, record: QueueRecord) -> QueueProcess:
        launch = self._launch(record)
        extra = {
            "PRINTER": record.key,
            "PRINTERAPP_STATE_DIR": str(self.settings.state_dir),
            CPU_LIMIT_ENV: f"{self.settings.job_cpu_limit:g}",
            TIME_LIMIT_ENV: f"{self.settings.job_time_limit:g}",
            POLICY_ENV: self.settings.overrides.get(
                record.device_uri, PrinterOverride()
            ).error_policy
            or self.settings.error_policy,
            # the job runner watches its job there: ippeveprinter's Cancel-Job sends no signal
            QUEUE_URI_ENV: f"ipp://127.0.0.1:{record.port}/ipp/print",
        }
        if self._queue_env is not None:
            extra.update(self._queue_env(record))
        if self.settings.formats:
            # ippeveprinter refuses -f next to -P, so the job runner enforces the list
            extra["PRINTERAPP_FORMATS"] = ",".join(self.settings.formats)
        env = ippeve_env(launch, self.dirs, self.env, extra)
        queue = QueueProcess(launch, env, self.log_dir / f"{record.key}.log", self._changed)
        self._queues[record.key] = queue
        return queue

    def _changed(self, queue: QueueProcess) -> None:
        if queue.status is QueueStatus.STOPPED and queue.reason != "stopped":
            log.error("queue %r stopped: %s", queue.launch.name, queue.reason)
        # a glob, not kept_jobs(): that reads every sidecar and reports bad ones, and
        # resubmit_kept() is about to do both
        if queue.status is QueueStatus.RUNNING and any(
            (queue.launch.spool / "retry").glob("*.json")
        ):
            self._background(self.resubmit_kept())
        self._save()

    def _background(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._bg.add(task)  # a reference, or the loop may drop the task half-way
        task.add_done_callback(self._bg.discard)

    async def resubmit_kept(self) -> int:
        """Submit the documents kept for a retry to their running queues; return how many."""
        sent = 0
        for key, queue in list(self._queues.items()):
            if queue.status is not QueueStatus.RUNNING:
                continue
            for job in kept_jobs(self.spool_dir / key / "retry"):
                sent += await resubmit(job, queue.launch.port)
        return sent

    def _supervise(self, key: str, queue: QueueProcess) -> None:
        self._tasks[key] = asyncio.create_task(queue.supervise(), name=f"queue {key}")

    async def _prepare_ppd(self, key: str) -> None:
        """Make the queue's PPD one whose sizes clients can ask for (idempotent)."""
        try:
            await asyncio.to_thread(prepare_queue_ppd, self.ppd_dir / f"{key}.ppd")
        except DriverError as exc:
            log.warning("queue %r: %s; serving the PPD as it is", self._records[key].name, exc)

    async def _run_queue(self, key: str) -> None:
        """Start the queue of record *key*, moving it to another port while its port is taken."""
        await self._prepare_ppd(key)
        for _attempt in range(MAX_PORT_ATTEMPTS):
            record = self._records[key]
            reserved = {r.port for k, r in self._records.items() if k != key} | self._foreign_ports
            port = choose_port(self.settings.ports, reserved, record.port or None)
            if port != record.port:
                self._records[key] = record = replace(record, port=port)
            self._save()  # the reservation is on disk before the queue starts
            # our announcement takes the name first, so ippeveprinter's poorer one is refused
            await self._announce(record)
            queue = self._queue(record)
            try:
                await queue.start()
            except PortInUseError:
                log.warning("queue %r: port %d is taken; moving", record.name, port)
                self._foreign_ports.add(port)
                continue
            # start() reported RUNNING, which saved the state with the new pid
            self._supervise(key, queue)
            return
        raise PrinterProcessError(f"queue {self._records[key].name!r}: no usable port")

    async def _announce(self, record: QueueRecord) -> None:
        if self._announcer is not None:
            await self._announcer.announce(record)

    async def _stop_queue(self, key: str) -> None:
        if self._announcer is not None:
            await self._announcer.withdraw(key)
        queue = self._queues.pop(key, None)
        task = self._tasks.pop(key, None)
        if queue is not None:
            await queue.stop()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- devices -----------------------------------------------------------

    async def apply(self, changes: Collection[DeviceChange]) -> None:
        """Apply the added and removed devices of one detection event."""
        async with self._lock:
            for change in changes:
                if change.change is Change.ADDED:
                    await self._connect(change.device)
                    continue
                self._unsupported.pop(change.device.uri, None)
                for key, record in list(self._records.items()):
                    if record.device_uri == change.device.uri and record.origin == "detected":
                        await self._remove(key, "device gone")
            self._save()

    async def _connect(self, device: Device) -> None:
        """Give *device* a queue: a new one, or its known one when it is not running."""
        key = next((k for k, r in self._records.items() if r.device_uri == device.uri), None)
        if key is None:
            await self._add(device)
        elif key not in self._queues or self._queues[key].status is QueueStatus.STOPPED:
            await self._try_run(key)

    async def park_unseen(self, present: Collection[Device]) -> None:
        """Stop adopted queues whose device the first scans did not see; keep their records.

        A device may be off while the daemon restarts: its queue keeps its
        name and port and starts again when the device is detected.
        """
        async with self._lock:
            seen = {d.uri for d in present}
            for key, record in list(self._records.items()):
                unseen = record.origin == "detected" and record.device_uri not in seen
                if unseen and key in self._queues:
                    log.info("queue %r: device not seen since the restart", record.name)
                    await self._stop_queue(key)
            self._save()

    async def _try_run(self, key: str) -> None:
        try:
            await self._run_queue(key)
        except PrinterAppError as exc:
            log.error("%s", exc)

    async def _add(
        self, device: Device, origin: str = "detected", ppd_name: str = "", name: str = ""
    ) -> str | None:
        override = self.settings.overrides.get(device.uri, PrinterOverride())
        if override.disabled or device.uri in self._unsupported:
            return None
        if name:
            override = replace(override, name=name)
        try:
            if ppd_name:
                pick = await asyncio.to_thread(self.drivers.lookup, ppd_name)
            else:
                pick = await asyncio.to_thread(self.drivers.choose, device)
        except DriverError as exc:
            log.warning("%s: unsupported: %s", device.uri, exc)
            self._unsupported[device.uri] = UnsupportedRecord(
                device.uri, device.make_and_model, str(device.device_id), str(exc)
            )
            return None
        key = self._new_record(device, pick, override, origin)
        try:
            await asyncio.to_thread(
                self.drivers.install, pick.ppd_name, self.ppd_dir / f"{key}.ppd"
            )
        except (DriverError, OSError) as exc:
            log.error("%s: cannot install PPD %s: %s", device.uri, pick.ppd_name, exc)
            del self._records[key]
            return None
        await self._try_run(key)
        return key

    def _new_record(
        self, device: Device, pick: DriverPick, override: PrinterOverride, origin: str
    ) -> str:
        title = device.make_and_model or pick.make_and_model
        key = queue_key(title, taken=set(self._records))
        names = {r.name for r in self._records.values()}
        name = override.name or queue_name(title, device.serial, device.uri, names)
        self._records[key] = QueueRecord(
            key=key,
            name=name,
            device_uri=device.uri,
            port=0,
            ppd_name=pick.ppd_name,
            make_and_model=pick.make_and_model,
            device_id=str(device.device_id),
            location=override.location or device.location,
            origin=origin,
        )
        return key

    async def _remove(self, key: str, why: str) -> None:
        record = self._records.pop(key)
        log.info("removing queue %r: %s", record.name, why)
        await self._stop_queue(key)
        (self.ppd_dir / f"{key}.ppd").unlink(missing_ok=True)
        spool = self.spool_dir / key
        # documents kept for a retry stay until they are printed or deleted by hand
        if not (spool / "retry").is_dir() or not any((spool / "retry").iterdir()):
            shutil.rmtree(spool, ignore_errors=True)

    # -- clients -----------------------------------------------------------

    async def add_manual(self, device: Device, ppd_name: str = "", name: str = "") -> PrinterInfo:
        """Add a printer by hand, with a chosen PPD and name or matched ones; it stays."""
        async with self._lock:
            if any(r.device_uri == device.uri for r in self._records.values()):
                raise PrinterProcessError(f"{device.uri}: already has a queue")
            if name and any(name in (k, r.name) for k, r in self._records.items()):
                raise PrinterProcessError(f"a printer called {name!r} exists")
            self._unsupported.pop(device.uri, None)
            key = await self._add(device, "manual", ppd_name, name)
            self._save()
            if key is None:
                reason = self._unsupported.get(device.uri)
                raise DriverError(reason.reason if reason else f"{device.uri}: no queue")
            return self._info(key)

    async def delete(self, name: str) -> None:
        """Delete the queue called *name* (its service name or key)."""
        async with self._lock:
            key = next((k for k, r in self._records.items() if name in (k, r.name)), None)
            if key is None:
                raise UnknownPrinterError(f"no printer called {name!r}")
            await self._remove(key, "deleted")
            self._save()

    def _info(self, key: str) -> PrinterInfo:
        record = self._records[key]
        queue = self._queues.get(key)
        return PrinterInfo(
            name=record.name,
            key=key,
            uri=f"ipp://{self.settings.public_host}:{record.port}/ipp/print",
            port=record.port,
            state=queue.status.value if queue else "waiting for device",
            reason=queue.reason if queue else "",
            device_uri=record.device_uri,
            ppd_name=record.ppd_name,
            make_and_model=record.make_and_model,
            origin=record.origin,
            pid=queue.pid if queue else None,
        )

    def printers(self) -> list[PrinterInfo]:
        """Return every queue, sorted by name."""
        return sorted((self._info(k) for k in self._records), key=lambda p: p.name)

    def unsupported_devices(self) -> list[UnsupportedRecord]:
        """Return the devices that got no queue, with the reason, by device URI."""
        return [self._unsupported[uri] for uri in sorted(self._unsupported)]

    async def shutdown(self) -> None:
        """Stop every queue and save the state."""
        async with self._lock:
            for task in list(self._bg):
                task.cancel()
            await asyncio.gather(*self._bg, return_exceptions=True)
            await asyncio.gather(*(self._stop_queue(k) for k in list(self._queues)))
            self._save()
