"""Watch udev (or raw kernel uevents) on a thread and report what counts.

Only this module imports pyudev.  The thread waits on the netlink socket and
a wake-up pipe, so :meth:`UdevMonitor.stop` returns at once.  Each message goes
through the pure :func:`classify`; events that count go to ``on_event``, which
must be thread-safe (the detector passes a ``call_soon_threadsafe`` wrapper).
"""

from __future__ import annotations

import logging
import os
import selectors
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pyudev

from printerapp.errors import DetectionError

from .udev_map import SUBSYSTEMS, UdevEvent, classify

__all__ = ["UDEVD_CONTROL", "UdevMonitor", "choose_source"]

log = logging.getLogger(__name__)

#: the control socket systemd-udevd creates; its presence means udevd runs
UDEVD_CONTROL = Path("/run/udev/control")


def choose_source(preference: str = "auto") -> str:
    """Return ``udev`` when udevd runs (or is asked for), else ``kernel``."""
    if preference in ("udev", "kernel"):
        return preference
    return "udev" if UDEVD_CONTROL.exists() else "kernel"


class UdevMonitor:
    """A netlink monitor thread over the printer-related subsystems."""

    def __init__(
        self,
        on_event: Callable[[UdevEvent], object],
        *,
        source: str = "auto",
        subsystems: Sequence[str] = SUBSYSTEMS,
    ) -> None:
        self._on_event = on_event
        self.source = choose_source(source)
        self._subsystems = list(subsystems)
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self._monitor: pyudev.Monitor | None = None

    def start(self) -> None:
        """Open the netlink socket and start the thread."""
        try:
            monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source=self.source)
            for subsystem in self._subsystems:
                monitor.filter_by(subsystem)
            monitor.start()
        except (OSError, ImportError, ValueError) as exc:
            raise DetectionError(f"cannot monitor {self.source} events: {exc}") from exc
        self._monitor = monitor
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="udev-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the socket."""
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._thread = None
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._monitor = None

    def _run(self) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        with selectors.DefaultSelector() as selector:
            selector.register(monitor.fileno(), selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fd for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                self._drain(monitor)

    def _drain(self, monitor: pyudev.Monitor) -> None:
        while (device := monitor.poll(timeout=0)) is not None:
            try:
                event = classify(device.action or "", dict(device.properties))
            except (KeyError, UnicodeDecodeError) as exc:
                log.debug("unreadable udev message: %s", exc)
                continue
            if event is not None:
                self._on_event(event)
