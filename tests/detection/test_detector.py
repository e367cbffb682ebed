# ruff: noqa: E501  (a backend script is kept as the one line it prints)
"""The detector end to end: real zeroconf and scripted backends into one list."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from printerapp.detection.config import DetectionConfig
from printerapp.detection.detector import Detector, DetectorItem
from printerapp.detection.records import Change, DeviceChange
from tests.support.backends import backend_dir

# The same LaserJet seen by SNMP (as socket://) and by its own mDNS announcement.
SNMP_BACKEND = """#!/bin/sh
echo 'network socket://127.0.0.1 "HP LaserJet 4000 Series" "HP LaserJet 4000" "MFG:HP;MDL:LaserJet 4000 Series;" ""'
"""
TXT = {
    "ty": "HP LaserJet 4000 Series",
    "usb_MFG": "Hewlett-Packard",
    "usb_MDL": "HP LaserJet 4000 Series",
}


async def _next_change(detector: Detector, wait_s: float) -> DeviceChange:
    async with asyncio.timeout(wait_s):
        async for item in detector.events():
            if isinstance(item, DeviceChange):
                return item
    raise AssertionError("unreachable")


async def _scenario(root: Path, dedupe: bool) -> tuple[list[DetectorItem], set[str]]:
    config = DetectionConfig(
        backend_dir=root,
        mdns_interfaces=("127.0.0.1",),
        udev=False,
        dedupe=dedupe,
    )
    detector = Detector(config)
    await detector.start()
    announcer = await asyncio.to_thread(
        Zeroconf, interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only
    )
    info = ServiceInfo(
        "_pdl-datastream._tcp.local.",
        "Office LaserJet._pdl-datastream._tcp.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=9100,
        properties=TXT,
    )
    changes: list[DetectorItem] = []
    try:
        changes.append(await _next_change(detector, 5))  # the SNMP find from the start-up scan
        await asyncio.to_thread(announcer.register_service, info, cooperating_responders=True)
        changes.append(await _next_change(detector, 3))
        if not dedupe:
            return changes, {d.uri for d in detector.devices.devices}
        changes.append(await _next_change(detector, 3))
        return changes, {d.uri for d in detector.devices.devices}
    finally:
        await asyncio.to_thread(announcer.close)
        await detector.stop()


@pytest.mark.e2e
@pytest.mark.timeout(60)
def test_mdns_announcement_replaces_the_snmp_duplicate() -> None:
    with backend_dir({"snmp": (SNMP_BACKEND, 0o700)}) as root:
        changes, shown = asyncio.run(_scenario(root, dedupe=True))
    summary = [(c.change, c.device.source) for c in changes if isinstance(c, DeviceChange)]
    assert summary == [(Change.ADDED, "snmp"), (Change.REMOVED, "snmp"), (Change.ADDED, "mdns")]
    assert shown == {"dnssd://Office%20LaserJet._pdl-datastream._tcp.local/"}


@pytest.mark.e2e
@pytest.mark.timeout(60)
def test_without_dedupe_both_records_are_kept() -> None:
    with backend_dir({"snmp": (SNMP_BACKEND, 0o700)}) as root:
        _changes, shown = asyncio.run(_scenario(root, dedupe=False))
    assert shown == {"socket://127.0.0.1", "dnssd://Office%20LaserJet._pdl-datastream._tcp.local/"}


COUNTING_BACKEND = """#!/bin/sh
# A new printer on every run: each scan that runs it adds one device.
n=$(cat "$(dirname "$0")/{name}.count" 2>/dev/null || echo 0); n=$((n + 1))
echo "$n" > "$(dirname "$0")/{name}.count"
echo "network socket://10.1.1.$n \\"{name} printer $n\\" \\"{name}\\""
"""


@pytest.mark.timeout(60)
def test_periodic_and_requested_full_scans_skip_the_event_backends() -> None:
    scripts = {
        name: (COUNTING_BACKEND.replace("{name}", name), 0o700) for name in ("vendor", "usb")
    }

    async def main(root: Path) -> list[str]:
        config = DetectionConfig(backend_dir=root, mdns=False, udev=False, scan_interval_s=1.0)
        detector = Detector(config)
        await detector.start()  # start-up scan: both backends
        seen: list[str] = []
        try:
            async with asyncio.timeout(10):
                async for item in detector.events():
                    if isinstance(item, DeviceChange) and item.change is Change.ADDED:
                        seen.append(item.device.make_and_model)
                        if len(seen) == 2:
                            detector.request_full_scan()
                    if len(seen) == 4:
                        break
        finally:
            await detector.stop()
        return seen

    with backend_dir(scripts) as root:
        seen = asyncio.run(main(root))
        usb_runs = int((root / "usb.count").read_text())
    assert sorted(seen[:2]) == ["usb printer 1", "vendor printer 1"]
    # Then the requested scan and the periodic one: vendor only, usb waits for udev.
    assert seen[2:] == ["vendor printer 2", "vendor printer 3"]
    assert usb_runs == 1
