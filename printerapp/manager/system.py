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
variables (its plug, from the server) comes in as ``queue_env``.  How a
queue is run (port, launch, supervision, the state saves) is the part of
:class:`~printerapp.manager.runner.QueueRunner`, which the Manager extends.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Collection
from dataclasses import replace

from printerapp.detection.records import Change, Device, DeviceChange
from printerapp.errors import DriverError, PrinterAppError, PrinterProcessError
from printerapp.manager.adopt import Leftover, find_leftovers, kill_stray
from printerapp.manager.drivers import DriverPick
from printerapp.manager.naming import queue_key, queue_name
from printerapp.manager.queue import PortInUseError, QueueStatus
from printerapp.manager.runner import PrinterInfo, QueueEnv, QueueRunner, elapsed_ms
from printerapp.manager.settings import ManagerSettings, PrinterOverride
from printerapp.manager.state import QueueRecord, State, UnsupportedRecord, record_matches
from printerapp.ppd.pwgmedia import standard_size

__all__ = ["Manager", "ManagerSettings", "PrinterInfo", "PrinterOverride", "QueueEnv"]

log = logging.getLogger(__name__)

#: a queue in these states is started afresh when its device shows up or on request
_RESTARTABLE = frozenset({QueueStatus.STOPPED, QueueStatus.WAITING})


def _read_media_table() -> None:
    """Read CUPS's media table now; a failure is said when a size is first asked for."""
    try:
        standard_size(21000, 29700)
    except DriverError as exc:
        log.debug("PWG media table: %s", exc)


class Manager(QueueRunner):
    """Owns the queues: starts, stops, adopts and remembers them."""

    _media_table: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the state, adopt the queues a previous daemon left, kill strays."""
        for path in (self.ppd_dir, self.spool_dir, self.log_dir):
            path.mkdir(parents=True, exist_ok=True)
        state = State.load(self.state_file)
        self._records = {r.key: r for r in state.queues}
        self._unsupported = {u.device_uri: u for u in state.unsupported}
        was_running = {(r.key, r.pid, r.start_ticks) for r in state.running}
        for leftover in find_leftovers(self.spool_dir):
            if not await self._adopt(leftover, was_running):
                kill_stray(leftover)
        # CUPS's media table is read by a child process (~0.1 s): before the first hot-plug
        self._media_table = asyncio.create_task(asyncio.to_thread(_read_media_table))
        for key, record in sorted(self._records.items()):
            if record.origin == "manual" and key not in self._queues:
                await self._try_run(key)
        self._save()

    async def _adopt(self, leftover: Leftover, was_running: set[tuple[str, int, int]]) -> bool:
        """Take over a queue a previous daemon left running; False when it is a stray."""
        record = self._records.get(leftover.key)
        if record is None or (leftover.key, leftover.pid, leftover.start_ticks) not in was_running:
            return False
        if self.front is not None:
            if leftover.port in (0, record.port):
                return False  # a queue of a daemon without fronts: it holds the public port
            self._internal[record.key] = leftover.port
        queue = self._queue(record)
        if not queue.adopt(leftover.pid, leftover.start_ticks):
            self._queues.pop(record.key, None)
            return False
        if self.front is not None:
            try:
                await self.front.open(record.port, leftover.port, self._rewrite(record.key))
            except PortInUseError as exc:
                log.warning("queue %r: %s; starting it afresh", record.name, exc)
                self._queues.pop(record.key, None)
                return False
        log.info("adopted queue %r (pid %d)", queue.launch.name, leftover.pid)
        self._supervise(leftover.key, queue)
        await self._announce(record)
        return True

    async def apply(self, changes: Collection[DeviceChange]) -> None:
        """Apply the added and removed devices of detection events, in order.

        The added devices between two removals start together: their
        names, keys and ports are decided one after another before any of
        them starts; they are announced at once, and at most
        START_CONCURRENCY ippeveprinters start at a time.
        """
        async with self._lock:
            added: list[Device] = []
            for change in changes:
                if change.change is Change.ADDED:
                    added.append(change.device)
                    continue
                await self._connect(added)
                added = []
                self._unsupported.pop(change.device.uri, None)
                for key, record in list(self._records.items()):
                    if record_matches(record, change.device) and record.origin == "detected":
                        await self._remove(key, "device gone")
            await self._connect(added)
            self._save()

    async def _connect(self, devices: Collection[Device]) -> None:
        """Give each device a queue: a new one, or its known one when it is not running."""
        known: list[str] = []
        new: dict[tuple[str, str], Device] = {}
        for device in devices:
            key = self._record_for(device)
            if key is None:
                new.setdefault((device.uri, device.port_path), device)
            elif key not in self._queues or self._queues[key].status in _RESTARTABLE:
                known.append(key)
        keys = await self._create(list(new.values()), "detected")
        await self._bounded([self._rerun_logged(k) for k in dict.fromkeys(known)])
        # all at once: each announces itself, then waits for one of the runner's start slots
        await asyncio.gather(*(self._try_run(k) for k in keys))

    def _record_for(self, device: Device) -> str | None:
        return next((k for k, r in self._records.items() if record_matches(r, device)), None)

    async def _rerun_logged(self, key: str) -> None:
        try:
            await self._rerun(key)
        except PrinterAppError as exc:
            log.error("%s", exc)

    async def park_unseen(self, present: Collection[Device]) -> None:
        """Stop adopted queues whose device the first scans did not see; keep their records.

        A device may be off while the daemon restarts: its queue keeps its
        name and port and starts again when the device is detected.
        """
        async with self._lock:
            for key, record in list(self._records.items()):
                seen = any(record_matches(record, d) for d in present)
                unseen = record.origin == "detected" and not seen
                if unseen and key in self._queues:
                    log.info("queue %r: device not seen since the restart", record.name)
                    await self._stop_queue(key)
            self._save()

    async def _create(
        self, devices: list[Device], origin: str, ppd_name: str = "", name: str = ""
    ) -> list[str]:
        """Make the records of *devices* and install their PPDs; return the keys made."""
        wanted: list[tuple[Device, PrinterOverride]] = []
        for device in devices:
            override = self.settings.overrides.get(device.uri, PrinterOverride())
            if override.disabled or device.uri in self._unsupported:
                continue
            wanted.append((device, replace(override, name=name) if name else override))
        picks = await self._bounded([self._choose(d, ppd_name or o.ppd) for d, o in wanted])
        # names, keys and ports are decided here, in order, with no await in between
        keys = [
            self._new_record(device, pick, override, origin)
            for (device, override), pick in zip(wanted, picks, strict=True)
            if pick is not None
        ]
        self._reserve_ports(keys)
        if keys:
            self._save()  # the reservations are on disk before the queues start
        installed = await self._bounded([self._install(k) for k in keys])
        return [k for k, ok in zip(keys, installed, strict=True) if ok]

    async def _choose(self, device: Device, ppd_name: str) -> DriverPick | None:
        """Return the driver of *device* (pinned by *ppd_name*), or None: unsupported."""
        start = time.monotonic()
        try:
            if ppd_name:  # a driver pinned in the config or by the client
                pick = await asyncio.to_thread(self.drivers.lookup, ppd_name)
            else:
                pick = await asyncio.to_thread(self.drivers.choose, device)
        except DriverError as exc:
            log.warning("%s: unsupported: %s", device.uri, exc)
            self._unsupported[device.uri] = UnsupportedRecord(
                device.uri, device.make_and_model, str(device.device_id), str(exc)
            )
            return None
        log.debug("%s: driver chosen in %.0f ms", device.uri, elapsed_ms(start))
        return pick

    async def _install(self, key: str) -> bool:
        record = self._records[key]
        start = time.monotonic()
        try:
            await asyncio.to_thread(
                self.drivers.install, record.ppd_name, self.ppd_dir / f"{key}.ppd"
            )
        except (DriverError, OSError) as exc:
            log.error(
                "%s: cannot install PPD %s: %s",
                record.device_uri,
                record.ppd_name,
                exc,
                extra={"printer": record.name},
            )
            del self._records[key]
            return False
        log.debug("queue %r: PPD installed in %.0f ms", record.name, elapsed_ms(start))
        return True

    async def _add(
        self, device: Device, origin: str = "detected", ppd_name: str = "", name: str = ""
    ) -> str | None:
        keys = await self._create([device], origin, ppd_name, name)
        for key in keys:
            await self._try_run(key)
        return keys[0] if keys else None

    def _new_record(
        self, device: Device, pick: DriverPick, override: PrinterOverride, origin: str
    ) -> str:
        title = device.make_and_model or pick.make_and_model
        key = queue_key(title, taken=set(self._records))
        names = {r.name for r in self._records.values()}
        qualifier = device.serial or (f"USB {device.port_path}" if device.port_path else "")
        name = override.name or queue_name(title, qualifier, device.uri, names)
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
            port_path="" if device.serial else device.port_path,
        )
        return key

    async def _remove(self, key: str, why: str) -> None:
        record = self._records.pop(key)
        log.info("removing queue %r: %s", record.name, why, extra={"printer": record.name})
        await self._stop_queue(key)
        (self.ppd_dir / f"{key}.ppd").unlink(missing_ok=True)
        spool = self.spool_dir / key
        # documents kept for a retry stay until they are printed or deleted by hand
        if not (spool / "retry").is_dir() or not any((spool / "retry").iterdir()):
            shutil.rmtree(spool, ignore_errors=True)

    async def add_manual(self, device: Device, ppd_name: str = "", name: str = "") -> PrinterInfo:
        """Add a printer by hand, with a chosen PPD and name or matched ones; it stays."""
        async with self._lock:
            if self._record_for(device) is not None:
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
            key = self._key_of(name)
            await self._remove(key, "deleted")
            self._save()

    async def restart(self, name: str) -> PrinterInfo:
        """Restart the queue called *name* now, whatever its state; raise when it fails to start.

        A queue that fails goes on being retried as after a crash.
        """
        async with self._lock:
            key = self._key_of(name)
            shown = self._records[key].name
            if key not in self._queues:
                raise PrinterProcessError(f"printer {shown!r} waits for its device")
            log.info("queue %r: restart asked for", shown)
            await self._rerun(key)
            self._save()
            return self._info(key)

    def unsupported_devices(self) -> list[UnsupportedRecord]:
        """Return the devices that got no queue, with the reason, by device URI."""
        return [self._unsupported[uri] for uri in sorted(self._unsupported)]

    async def shutdown(self) -> None:
        """Stop every queue and save the state."""
        if self._media_table is not None:
            await self._media_table  # not cancelled: its child would outlive the daemon's wait
        async with self._lock:
            for task in list(self._bg):
                task.cancel()
            await asyncio.gather(*self._bg, return_exceptions=True)
            await asyncio.gather(*(self._stop_queue(k) for k in list(self._queues)))
            self._save()
