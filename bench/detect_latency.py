"""Benchmark: detection latency (mDNS and tty uevent) and the full backend scan.

Run inside the private network namespace (root: real uevents, SNMP broadcasts
that must stay on lo)::

    scripts/in-private-net.sh .venv/bin/python bench/detect_latency.py [--trials 50]

Measures, over N trials each:

* mDNS: a fake ``_pdl-datastream._tcp`` printer announced by python-zeroconf
  on 127.0.0.1 -> the detector's device-added event on the asyncio loop;
* tty: ``add`` written to ``/sys/class/tty/ttyS0/uevent`` -> the udev event on
  the loop, and -> the device-added event of the ``serial`` scan it triggers
  (a scripted serial backend; includes the debounce and the backend run);
* full scan: every installed backend the default configuration allows.

Prints p50/p95 (ms).  Target: p95 <= 500 ms for both latencies; ``--check``
makes a missed target an exit status of 1.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zeroconf import IPVersion, ServiceInfo, Zeroconf  # noqa: E402

from printerapp.detection.config import DetectionConfig  # noqa: E402
from printerapp.detection.detector import Detector, DetectorItem  # noqa: E402
from printerapp.detection.deviced import scan  # noqa: E402
from printerapp.detection.records import Change, DeviceChange  # noqa: E402
from printerapp.detection.udev_map import UdevEvent  # noqa: E402

TARGET_P95_S = 0.5
TTY_UEVENT = Path("/sys/class/tty/ttyS0/uevent")
SERIAL_BACKEND = """#!/bin/sh
# A new URI on every run, so each uevent-triggered scan adds one device.
n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0); n=$((n + 1))
echo "$n" > "$(dirname "$0")/count"
echo "serial serial:/dev/ttyS0?baud=115200+$n \\"Zebra LP2844\\" \\"Zebra on ttyS0\\""
"""


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Return p50 and p95 of *samples* in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def wait_item(detector: Detector, want: type, change: Change | None, limit: float) -> float:
    """Return the monotonic time the first wanted item arrives."""
    async with asyncio.timeout(limit):
        async for item in detector.events():
            if isinstance(item, want) and (change is None or _change(item) is change):
                return time.monotonic()
    raise RuntimeError("event stream ended")


def _change(item: DetectorItem) -> Change | None:
    return item.change if isinstance(item, DeviceChange) else None


async def bench_mdns(trials: int, empty_dir: Path) -> list[float]:
    """Announce and withdraw a fake printer *trials* times; return the add latencies."""
    config = DetectionConfig(backend_dir=empty_dir, udev=False, mdns_interfaces=("127.0.0.1",))
    detector = Detector(config)
    await detector.start(scan_now=False)
    zc = await asyncio.to_thread(Zeroconf, interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    samples: list[float] = []
    try:
        for n in range(trials):
            info = ServiceInfo(
                "_pdl-datastream._tcp.local.",
                f"Bench Printer {n}._pdl-datastream._tcp.local.",
                addresses=[socket.inet_aton("127.0.0.1")],
                port=9100,
                properties={"ty": "HP LaserJet 4000", "usb_MFG": "HP", "usb_MDL": "LaserJet 4000"},
            )
            start = time.monotonic()
            waiter = asyncio.create_task(wait_item(detector, DeviceChange, Change.ADDED, 5))
            await asyncio.to_thread(zc.register_service, info, cooperating_responders=True)
            samples.append(await waiter - start)
            waiter = asyncio.create_task(wait_item(detector, DeviceChange, Change.REMOVED, 5))
            await asyncio.to_thread(zc.unregister_service, info)
            await waiter
    finally:
        await asyncio.to_thread(zc.close)
        await detector.stop()
    return samples


async def bench_tty(trials: int, backend_dir: Path) -> tuple[list[float], list[float]]:
    """Write tty uevents; return (uevent -> loop event, uevent -> device added) latencies."""
    config = DetectionConfig(backend_dir=backend_dir, mdns=False, udev_source="kernel")
    detector = Detector(config)
    await detector.start(scan_now=False)
    to_event: list[float] = []
    to_device: list[float] = []
    try:
        for _ in range(trials):
            event = asyncio.create_task(wait_item(detector, UdevEvent, None, 5))
            start = time.monotonic()
            await asyncio.to_thread(TTY_UEVENT.write_text, "add")
            to_event.append(await event - start)
            to_device.append(await wait_item(detector, DeviceChange, Change.ADDED, 5) - start)
            await asyncio.sleep(0.05)
    finally:
        await detector.stop()
    return to_event, to_device


async def bench_full_scan(runs: int) -> list[float]:
    """Time a full scan of the installed backends the default configuration allows."""
    config = DetectionConfig()
    times = []
    for _ in range(runs):
        start = time.monotonic()
        result = await scan(config.backend_dir, config.selection, limit_s=config.backend_timeout_s)
        times.append(time.monotonic() - start)
    print(f"full scan backends: {', '.join(sorted(result.scanned))}")
    print(f"  timed out: {', '.join(sorted(result.scanned - result.complete)) or 'none'}")
    return times


def report(name: str, samples: list[float]) -> bool:
    """Print p50/p95 and whether p95 meets the target."""
    p50, p95 = percentiles(samples)
    ok = p95 <= TARGET_P95_S * 1000
    verdict = "ok" if ok else "MISSED"
    print(f"{name:32} n={len(samples):3}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {verdict}")
    return ok


def main() -> int:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if sorted(p.name for p in Path("/sys/class/net").iterdir()) != ["lo"]:
        print("run me inside scripts/in-private-net.sh: SNMP and mDNS must stay on lo")
        return 2
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as serial_dir:
        backend = Path(serial_dir) / "serial"
        backend.write_text(SERIAL_BACKEND)
        backend.chmod(0o700)
        mdns = asyncio.run(bench_mdns(args.trials, Path(empty)))
        to_event, to_device = asyncio.run(bench_tty(args.trials, Path(serial_dir)))
    ok = report("mDNS announce -> device added", mdns)
    ok &= report("tty uevent -> udev event on loop", to_event)
    ok &= report("tty uevent -> serial scan added", to_device)
    scans = asyncio.run(bench_full_scan(args.scans))
    print(
        f"full backend scan (real backends)  runs={len(scans)}  "
        f"median {statistics.median(scans):.2f} s  max {max(scans):.2f} s"
    )
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
