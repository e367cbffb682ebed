"""``printerapp devices [--scan] [--watch]``: list the printers detection finds.

With a server running it prints the server's device list (``/api/devices``):
no second scan competes with the daemon for the backends.  Without one, or
with ``--scan``, it runs a one-shot scan: every allowed backend in parallel
while mDNS is browsed for ``browse_time`` seconds.  ``--watch`` keeps the
monitors running and prints each change as it happens (``+``/``-`` lines for
devices, ``udev:`` lines for hot-plug events) until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from dataclasses import replace

from printerapp.config import load_config
from printerapp.detection.config import DetectionConfig
from printerapp.detection.detector import Detector
from printerapp.detection.deviced import SchemeFilter
from printerapp.detection.records import Device, DeviceChange, describe_line
from printerapp.errors import PrinterAppError

__all__ = ["add_arguments", "one_shot", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``devices`` options."""
    parser.add_argument("--watch", action="store_true", help="stream add/remove events")
    parser.add_argument(
        "--scan", action="store_true", help="scan here even when a server is running"
    )
    parser.add_argument("--server", help="HOST:PORT of the control API (default: from config)")
    parser.add_argument(
        "--browse-time", type=float, default=None, help="seconds of mDNS browsing (one-shot)"
    )


async def one_shot(config: DetectionConfig) -> list[Device]:
    """Scan the backends and browse mDNS once; return the devices found."""
    detector = Detector(replace(config, udev=False))  # nothing is plugged in 3 s
    await detector.start(scan_now=False)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(detector.scan(SchemeFilter()))
            group.create_task(asyncio.sleep(config.browse_time_s if config.mdns else 0))
    finally:
        await detector.stop()
    return sorted(detector.devices.devices, key=lambda d: (d.transport, d.uri))


async def _watch(config: DetectionConfig) -> None:
    detector = Detector(config)
    await detector.start()
    try:
        async for item in detector.events():
            if isinstance(item, DeviceChange):
                print(item, flush=True)
            else:
                print(f"udev: {item.kind.value} {item.devnode}", flush=True)
    finally:
        await detector.stop()


def _server_devices(server: str | None) -> list[dict[str, str]] | None:
    """Return the running server's devices, or None when no server answers."""
    from printerapp.cli.client import NoServerError
    from printerapp.cli.printers import client_for  # the client needs no detection

    try:
        answer = client_for(server, None).request("GET", "/api/devices")
    except NoServerError:
        return None
    return list(answer["devices"])


def run(args: argparse.Namespace) -> int:
    """Print the devices (or stream changes with ``--watch``)."""
    try:
        if not args.watch and not args.scan:
            served = _server_devices(args.server)
            if served is not None:
                for d in served:
                    fields = (d["transport"], d["uri"], d["make_and_model"], d["device_id"])
                    print(describe_line(*fields))
                return 0
        config = DetectionConfig.from_section(load_config().section("detection"))
        if args.browse_time is not None:
            config = replace(config, browse_time_s=max(0.0, args.browse_time))
        if args.watch:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_watch(config))
            return 0
        for device in asyncio.run(one_shot(config)):
            print(device.describe())
    except PrinterAppError as exc:
        print(f"printerapp devices: {exc}", file=sys.stderr)
        return 1
    return 0
