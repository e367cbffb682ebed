"""Two identical printers without serial numbers: a queue each, with a stable name and port."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from printerapp.detection.config import DetectionConfig
from printerapp.detection.detector import Detector
from printerapp.detection.records import Change, Device, DeviceChange
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.system import Manager, ManagerSettings
from tests.support.backends import backend_dir
from tests.support.uevents import fake_udevd_control, send_udev_event

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

# An HP LaserJet 2100's printer interface as udevd reports it (no ID_SERIAL_SHORT: it has none)
INTERFACE = {
    "SUBSYSTEM": "usb",
    "DEVTYPE": "usb_interface",
    "PRODUCT": "3f0/517/100",
    "TYPE": "0/0/0",
    "INTERFACE": "7/1/2",
    "ID_VENDOR": "Hewlett-Packard",
    "ID_MODEL": "HP_LaserJet_2100",
}
# CUPS's usb backend: one line per printer found, the same line for identical printers
USB_BACKEND = """#!/bin/sh
n=$(cat "$(dirname "$0")/plugged")
id='MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,PCL;'
lj='"HP LaserJet 2100"'
i=0
while [ "$i" -lt "$n" ]; do
  echo "direct usb://HP/LaserJet%202100 $lj $lj \\"$id\\" \\"\\""
  i=$((i + 1))
done
"""


def _private_netns() -> bool:
    return sorted(p.name for p in Path("/sys/class/net").iterdir()) == ["lo"]


def _devpath(port: str) -> str:
    return f"/devices/pci0000:00/0000:00:14.0/usb1/{port}/{port}:1.0"


async def _changes(detector: Detector, count: int) -> list[DeviceChange]:
    found: list[DeviceChange] = []
    async with asyncio.timeout(10):
        async for item in detector.events():
            if isinstance(item, DeviceChange):
                found.append(item)
                if len(found) == count:
                    return found
    return found


async def _plug(root: Path, detector: Detector, action: str, ports: list[str], left: int) -> None:
    (root / "plugged").write_text(str(left))
    for port in ports:
        await asyncio.to_thread(send_udev_event, action, {**INTERFACE, "DEVPATH": _devpath(port)})


@pytest.mark.timeout(90)
def test_identical_usb_printers_over_udev_get_a_queue_each(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    if not _private_netns():
        pytest.skip("scripted udev events need a private namespace (scripts/in-private-net.sh)")
    settings = ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18300, 18340))

    async def scenario(root: Path) -> tuple[list[Device], dict[str, int], list[str]]:
        config = DetectionConfig(backend_dir=root, include=("usb",), mdns=False, udev_source="udev")
        detector = Detector(config)
        manager = Manager(settings, drivers)
        await manager.start()
        await detector.start(scan_now=False)
        try:
            await _plug(root, detector, "add", ["1-2", "1-3"], 2)
            added = await _changes(detector, 2)
            await manager.apply(added)
            ports = {p.name: p.port for p in manager.printers() if p.state == "running"}
            await _plug(root, detector, "remove", ["1-3"], 1)
            [gone] = await _changes(detector, 1)
            await manager.apply([gone])
            left = [p.name for p in manager.printers()]
            assert gone.change is Change.REMOVED
            assert gone.device.port_path == "1-3"
        finally:
            await detector.stop()
            await manager.shutdown()
        return [c.device for c in added], ports, left

    with fake_udevd_control(), backend_dir({"usb": (USB_BACKEND, 0o700)}) as root:
        (root / "plugged").write_text("0")
        devices, ports, left = asyncio.run(scenario(root))
    assert sorted(d.port_path for d in devices) == ["1-2", "1-3"]
    assert {d.uri for d in devices} == {"usb://HP/LaserJet%202100"}  # the one URI CUPS knows
    assert sorted(ports) == ["HP LaserJet 2100", "HP LaserJet 2100 (USB 1-3)"]
    assert len(set(ports.values())) == 2
    assert left == ["HP LaserJet 2100"]  # unplugging 1-3 removed only its queue
    records = json.loads((settings.state_dir / "state.json").read_text())["queues"]
    assert [(r["name"], r["port_path"]) for r in records] == [("HP LaserJet 2100", "1-2")]


@pytest.mark.timeout(60)
def test_identical_printers_keep_their_names_and_ports_across_a_restart(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    settings = ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18350, 18390))
    lj = Device(
        uri="usb://HP/LaserJet%202100",
        make_and_model="HP LaserJet 2100",
        port_path="1-2",
        source="usb",
    )
    twins = [lj, Device(lj.uri, lj.make_and_model, port_path="1-1.4", source="usb")]

    async def run(devices: list[Device]) -> dict[str, tuple[str, int]]:
        manager = Manager(settings, drivers)
        await manager.start()
        await manager.apply([DeviceChange(Change.ADDED, d) for d in devices])
        assert [p.state for p in manager.printers()] == ["running", "running"]
        await manager.shutdown()
        records = json.loads((settings.state_dir / "state.json").read_text())["queues"]
        return {r["port_path"]: (r["name"], r["port"]) for r in records}

    first = asyncio.run(run(twins))
    assert len({name for name, _ in first.values()}) == 2
    assert len({port for _, port in first.values()}) == 2
    # plugged in the other order after a restart: each port finds its own queue again
    assert asyncio.run(run(twins[::-1])) == first
