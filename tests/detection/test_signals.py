"""Pending signals: thread-safe bumps, debounced bursts, no polling."""

from __future__ import annotations

import asyncio
import threading
import time

from printerapp.detection import signals
from printerapp.detection.signals import EventKind, PendingSignals


def test_debounce_is_at_most_250_ms_and_scan_interval_is_a_minute() -> None:
    assert signals.DEBOUNCE_S <= 0.25
    assert signals.SCAN_INTERVAL_S == 60


def test_backend_of_each_kind() -> None:
    assert EventKind.USB_ADD.backend == "usb"
    assert EventKind.SERIAL_REMOVE.backend == "serial"
    assert EventKind.PARALLEL_ADD.backend == "parallel"
    assert EventKind.AVAHI_ADD.backend == ""
    assert EventKind.FULL_SCAN.backend == ""


def test_a_burst_from_threads_is_coalesced_into_one_wakeup() -> None:
    async def main() -> tuple[dict[EventKind, int], float, dict[EventKind, int]]:
        pending = PendingSignals(asyncio.get_running_loop(), debounce_s=0.05)

        def burst() -> None:
            for _ in range(5):
                pending.bump_threadsafe(EventKind.USB_ADD)
            pending.bump_threadsafe(EventKind.SERIAL_ADD)

        thread = threading.Thread(target=burst)
        start = time.monotonic()
        thread.start()
        counts = await pending.wait(timeout_s=2)
        woke = time.monotonic() - start
        thread.join()
        again = await pending.wait(timeout_s=0.05)
        return dict(counts), woke, dict(again)

    counts, woke, again = asyncio.run(main())
    assert counts == {EventKind.USB_ADD: 5, EventKind.SERIAL_ADD: 1}
    assert woke < 0.5  # woken at once plus the debounce, not a polling period
    assert again == {}
