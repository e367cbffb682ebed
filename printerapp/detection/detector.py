"""The detection main loop: monitors feed pending signals, scans feed the list.

Monitor threads never touch the device list: mDNS changes and udev events
reach the loop through ``call_soon_threadsafe`` and bump the pending-signal
counters.  The loop scans at start-up (every allowed backend), after each
debounced burst of udev events (the ``usb``/``serial``/``parallel`` backend
plus ``event_backends``), and every ``scan_interval`` for the backends that
have no events (snmp, vendor network backends).  Consumers read
:class:`DeviceChange` and :class:`UdevEvent` items from :meth:`Detector.events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from printerapp.errors import DetectionError

from .config import DetectionConfig
from .deviced import SchemeFilter, scan
from .devicelist import DeviceList
from .mdns_monitor import MdnsMonitor
from .mdns_txt import OwnQueues
from .records import Change, Device, DeviceChange, Transport
from .signals import EventKind, PendingSignals
from .udev_map import UdevEvent
from .udev_monitor import UdevMonitor
from .usbports import attach_ports

__all__ = ["EVENT_BACKENDS", "Detector", "DetectorItem"]

log = logging.getLogger(__name__)

#: backends that udev events trigger, so the periodic full scan leaves them out
#: (``event_backends`` such as ``hp`` also find network printers: they stay in it)
EVENT_BACKENDS = frozenset({"usb", "serial", "parallel"})
DetectorItem = DeviceChange | UdevEvent


class Detector:
    """Run the monitors and the scans; publish changes on an asyncio queue."""

    def __init__(self, config: DetectionConfig, *, own: OwnQueues | None = None) -> None:
        self.config = config
        self.own = own or OwnQueues()
        self.devices = DeviceList(dedupe=config.dedupe)
        self._queue: asyncio.Queue[DetectorItem] = asyncio.Queue()
        self._signals: PendingSignals | None = None
        self._mdns: MdnsMonitor | None = None
        self._udev: UdevMonitor | None = None
        self._task: asyncio.Task[None] | None = None
        self._mdns_devices: dict[str, Device] = {}
        #: USB printers without a serial number that udev reported, by port path
        self._usb_ports: dict[str, Device] = {}

    async def start(self, *, scan_now: bool = True) -> None:
        """Start the monitors and the main loop (with a start-up scan)."""
        loop = asyncio.get_running_loop()
        self._signals = PendingSignals(loop)
        if self.config.mdns:
            self._mdns = MdnsMonitor(
                lambda change, device: loop.call_soon_threadsafe(self._on_mdns, change, device),
                interfaces=self.config.mdns_interfaces,
                own=self.own,
            )
            self._mdns.start()
        if self.config.udev:
            self._udev = UdevMonitor(
                lambda event: loop.call_soon_threadsafe(self._on_udev, event),
                source=self.config.udev_source,
            )
            try:
                self._udev.start()
            except DetectionError as exc:
                log.warning("no hot-plug events: %s", exc)
                self._udev = None
        self._task = asyncio.create_task(self._run(scan_now), name="detector")

    async def stop(self) -> None:
        """Stop the loop and the monitor threads."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for monitor in (self._mdns, self._udev):
            if monitor is not None:
                await asyncio.to_thread(monitor.stop)
        self._mdns = self._udev = None

    def request_full_scan(self) -> None:
        """Ask the loop for a full scan now (call on the loop's thread)."""
        if self._signals is not None:
            self._signals.bump(EventKind.FULL_SCAN)

    async def events(self) -> AsyncIterator[DetectorItem]:
        """Yield device changes and udev events as they happen."""
        while True:
            yield await self._queue.get()

    async def batches(self) -> AsyncIterator[list[DetectorItem]]:
        """Yield what has happened since the last batch (at least one item), in order."""
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            yield batch

    def _publish(self, changes: list[DeviceChange]) -> None:
        for change in changes:
            log.info("%s", change)
            self._queue.put_nowait(change)

    def _on_mdns(self, change: Change, device: Device) -> None:
        if change is Change.ADDED:
            self._mdns_devices[device.uri] = device
        else:
            self._mdns_devices.pop(device.uri, None)
        self._publish(self.devices.set_source("mdns", self._mdns_devices.values()))
        if self._signals is not None:
            add = change is Change.ADDED
            self._signals.bump(EventKind.AVAHI_ADD if add else EventKind.AVAHI_REMOVE)

    def _on_udev(self, event: UdevEvent) -> None:
        device = event.device
        if device is not None and device.transport is Transport.USB and device.port_path:
            if event.action == "add":
                self._usb_ports[device.port_path] = device
            else:
                self._usb_ports.pop(device.port_path, None)
        self._queue.put_nowait(event)
        if self._signals is not None:
            self._signals.bump(event.kind)

    async def scan(self, selection: SchemeFilter) -> list[DeviceChange]:
        """Run the backends *selection* allows (within the config) and apply the result."""
        chosen = self.config.selection.narrow(selection)
        result = await scan(self.config.backend_dir, chosen, limit_s=self.config.backend_timeout_s)
        # identical serial-less USB printers: one device per port udev reported
        devices = attach_ports(result.devices, self._usb_ports)
        changes = self.devices.apply_scan(
            devices, result.complete, result.scanned - result.complete
        )
        self._publish(changes)
        return changes

    async def _run(self, scan_now: bool) -> None:
        signals = self._signals
        if signals is None:
            return
        if scan_now:
            await self.scan(SchemeFilter())
        next_full = time.monotonic() + self.config.scan_interval_s
        while True:
            counts = await signals.wait(max(0.0, next_full - time.monotonic()))
            backends = {kind.backend for kind in counts if kind.backend}
            if backends:
                extra = set(self.config.event_backends)
                await self.scan(SchemeFilter(include=frozenset(backends | extra)))
            if EventKind.FULL_SCAN in counts or time.monotonic() >= next_full:
                await self.scan(SchemeFilter(exclude=EVENT_BACKENDS))
                next_full = time.monotonic() + self.config.scan_interval_s
