"""Pending signals: what the monitor threads saw, counted per kind, on the loop.

As in the seed, monitors only bump a counter per event kind; the main loop
decides what to rescan.  Unlike the seed, nothing polls: a bump wakes the loop
at once through ``loop.call_soon_threadsafe``, and a short debounce window
coalesces a burst (a USB printer brings several interfaces at once).
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter

__all__ = ["DEBOUNCE_S", "SCAN_INTERVAL_S", "EventKind", "PendingSignals"]

#: bursts of events within this window are handled as one
DEBOUNCE_S = 0.1
#: default period of the full scan of the backends that have no events (snmp, vendors)
SCAN_INTERVAL_S = 60.0


class EventKind(enum.Enum):
    """The seed's event kinds, plus the periodic full scan."""

    AVAHI_ADD = "avahi-add"
    AVAHI_REMOVE = "avahi-remove"
    USB_ADD = "usb-add"
    USB_REMOVE = "usb-remove"
    SERIAL_ADD = "serial-add"
    SERIAL_REMOVE = "serial-remove"
    PARALLEL_ADD = "parallel-add"
    PARALLEL_REMOVE = "parallel-remove"
    FULL_SCAN = "full-scan"

    @property
    def backend(self) -> str:
        """The CUPS backend that lists this kind's devices (``""`` for mDNS and full scans)."""
        prefix = self.value.split("-", 1)[0]
        return prefix if prefix in ("usb", "serial", "parallel") else ""


class PendingSignals:
    """Counters per event kind; bumped from any thread, drained on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, debounce_s: float = DEBOUNCE_S) -> None:
        self._loop = loop
        self._debounce_s = debounce_s
        self._counts: Counter[EventKind] = Counter()
        self._wake = asyncio.Event()

    def bump(self, kind: EventKind) -> None:
        """Count one event; call on the loop's thread."""
        self._counts[kind] += 1
        self._wake.set()

    def bump_threadsafe(self, kind: EventKind) -> None:
        """Count one event from a monitor thread (the one way threads reach the loop)."""
        self._loop.call_soon_threadsafe(self.bump, kind)

    async def wait(self, timeout_s: float | None = None) -> Counter[EventKind]:
        """Wait for events, let a burst settle, and return and clear the counts.

        Returns an empty counter when *timeout_s* passes with nothing pending.
        """
        try:
            async with asyncio.timeout(timeout_s):
                await self._wake.wait()
        except TimeoutError:
            return Counter()
        await asyncio.sleep(self._debounce_s)
        counts, self._counts = self._counts, Counter()
        self._wake.clear()
        return counts
