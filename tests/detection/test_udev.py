"""udev: the pure mapping on recorded properties, and real kernel uevents."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from printerapp.detection.records import Transport
from printerapp.detection.signals import EventKind
from printerapp.detection.udev_map import UdevEvent, classify
from printerapp.detection.udev_monitor import UdevMonitor

# Recorded with `udevadm monitor --udev --property` while plugging an HP LaserJet 1000.
USB_PRINTER_INTERFACE = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0",
    "SUBSYSTEM": "usb",
    "DEVTYPE": "usb_interface",
    "PRODUCT": "3f0/517/100",
    "TYPE": "0/0/0",
    "INTERFACE": "7/1/2",
    "MODALIAS": "usb:v03F0p0517d0100dc00dsc00dp00ic07isc01ip02in00",
    "ID_VENDOR": "Hewlett-Packard",
    "ID_MODEL": "HP_LaserJet_1000",
    "ID_SERIAL_SHORT": "000000000Q7F7P5PSI1a",
    "ID_VENDOR_FROM_DATABASE": "HP, Inc",
}
USB_DEVICE = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-2",
    "SUBSYSTEM": "usb",
    "DEVTYPE": "usb_device",
    "DEVNAME": "/dev/bus/usb/001/005",
    "BUSNUM": "001",
    "DEVNUM": "005",
    "PRODUCT": "3f0/517/100",
}
USBLP = {"SUBSYSTEM": "usbmisc", "DEVNAME": "/dev/usb/lp0", "MAJOR": "180", "MINOR": "0"}
MOUSE_INTERFACE = {**USB_PRINTER_INTERFACE, "INTERFACE": "3/1/2", "ID_MODEL": "Mouse"}
# A raw kernel uevent (no udevd) names the node relative to /dev.
KERNEL_TTY = {"SUBSYSTEM": "tty", "DEVNAME": "ttyS0", "MAJOR": "4", "MINOR": "64"}
PARPORT = {"SUBSYSTEM": "parport", "DEVNAME": "/dev/parport0"}


def test_usb_printer_interface_maps_to_a_usb_record() -> None:
    event = classify("add", USB_PRINTER_INTERFACE)
    assert event is not None
    assert event.kind is EventKind.USB_ADD
    device = event.device
    assert device is not None
    assert device.uri == "usb://HP%2C%20Inc/HP%20LaserJet%201000?serial=000000000Q7F7P5PSI1a"
    assert (device.transport, device.serial) == (Transport.USB, "000000000Q7F7P5PSI1a")
    assert device.device_id.model == "HP LaserJet 1000"


def test_usb_device_node_and_usblp_count_without_a_record() -> None:
    assert classify("remove", USB_DEVICE) == UdevEvent(
        EventKind.USB_REMOVE, "remove", "usb", "/dev/bus/usb/001/005", None
    )
    event = classify("add", USBLP)
    assert event is not None
    assert (event.kind, event.devnode) == (EventKind.USB_ADD, "/dev/usb/lp0")


def test_ports_map_to_serial_and_parallel_uris() -> None:
    tty = classify("add", KERNEL_TTY)
    assert tty is not None
    assert tty.device is not None
    assert (tty.kind, tty.device.uri) == (EventKind.SERIAL_ADD, "serial:/dev/ttyS0?baud=115200")
    port = classify("remove", PARPORT)
    assert port is not None
    assert port.device is not None
    assert (port.kind, port.device.uri) == (EventKind.PARALLEL_REMOVE, "parallel:/dev/parport0")


@pytest.mark.parametrize(
    ("action", "props"),
    [
        ("add", MOUSE_INTERFACE),  # not a printer and no node
        ("change", USB_DEVICE),  # only add/remove count
        ("bind", USB_PRINTER_INTERFACE),
        ("add", {"SUBSYSTEM": "block", "DEVNAME": "/dev/sda"}),
        ("add", {"SUBSYSTEM": "tty"}),  # no node
    ],
)
def test_what_does_not_count(action: str, props: dict[str, str]) -> None:
    assert classify(action, props) is None


def test_hostile_usb_strings_stay_inside_the_uri() -> None:
    props = {**USB_PRINTER_INTERFACE, "ID_VENDOR_FROM_DATABASE": "../../x", "ID_MODEL": "a/b?c"}
    props["ID_SERIAL_SHORT"] = "$(reboot)&x=\x1b" + "9" * 10_000
    event = classify("add", props)
    assert event is not None
    assert event.device is not None
    uri = event.device.uri
    assert uri.startswith("usb://..%2F..%2Fx/a%2Fb%3Fc?serial=%24%28reboot%29%26x%3D")
    assert len(uri) < 400


# ------------------------------------------------------------ real kernel uevents

TTY_UEVENT = Path("/sys/class/tty/ttyS0/uevent")
needs_uevent = pytest.mark.skipif(
    os.geteuid() != 0 or not TTY_UEVENT.exists(), reason="writing a uevent needs root and ttyS0"
)


@needs_uevent
@pytest.mark.timeout(30)
def test_real_tty_uevent_reaches_the_monitor_thread() -> None:
    seen: list[UdevEvent] = []
    arrived = threading.Event()

    def on_event(event: UdevEvent) -> None:
        if event.devnode == "/dev/ttyS0":
            seen.append(event)
            arrived.set()

    monitor = UdevMonitor(on_event, source="kernel")
    monitor.start()
    try:
        start = time.monotonic()
        TTY_UEVENT.write_text("add")
        assert arrived.wait(2), "no uevent arrived"
        assert time.monotonic() - start < 0.5
    finally:
        monitor.stop()
    assert seen[0].kind is EventKind.SERIAL_ADD
    assert seen[0].device is not None
    assert seen[0].device.uri == "serial:/dev/ttyS0?baud=115200"


TOUCH_AND_PRINT = """#!/bin/sh
touch "$(dirname "$0")/{name}.ran"
echo 'serial serial:/dev/ttyS0?baud=115200+{name} "{name} LP2844" "{name} on ttyS0"'
"""


@needs_uevent
@pytest.mark.timeout(30)
def test_real_uevent_triggers_a_scan_of_exactly_the_event_backends() -> None:
    from printerapp.detection.config import DetectionConfig
    from printerapp.detection.detector import Detector
    from printerapp.detection.records import DeviceChange
    from tests.support.backends import backend_dir

    async def main(root: Path) -> list[object]:
        config = DetectionConfig(
            backend_dir=root, mdns=False, udev_source="kernel", event_backends=("zebra",)
        )
        detector = Detector(config)
        await detector.start(scan_now=False)
        items: list[object] = []
        try:
            await asyncio.to_thread(TTY_UEVENT.write_text, "add")
            async with asyncio.timeout(5):
                async for item in detector.events():
                    items.append(item)
                    if len(items) == 3:
                        break
        finally:
            await detector.stop()
        return items

    names = ("serial", "zebra", "zebrafax", "usb")
    scripts = {n: (TOUCH_AND_PRINT.replace("{name}", n), 0o700) for n in names}
    with backend_dir(scripts) as root:
        items = asyncio.run(main(root))
        ran = sorted(p.name for p in root.glob("*.ran"))
    event, *changes = items
    assert isinstance(event, UdevEvent)
    assert event.kind is EventKind.SERIAL_ADD
    assert all(isinstance(c, DeviceChange) for c in changes)
    assert sorted(str(c).split("+")[-1].split()[0] for c in changes) == ["serial", "zebra"]
    assert ran == ["serial.ran", "zebra.ran"]  # not zebrafax (no prefix match), not usb


UDEVD = Path("/lib/systemd/systemd-udevd")


def _private_netns() -> bool:
    return sorted(p.name for p in Path("/sys/class/net").iterdir()) == ["lo"]


def test_source_is_udev_when_udevd_runs_else_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from printerapp.detection import udev_monitor

    monkeypatch.setattr(udev_monitor, "UDEVD_CONTROL", tmp_path / "control")
    assert udev_monitor.choose_source("auto") == "kernel"
    (tmp_path / "control").touch()
    assert udev_monitor.choose_source("auto") == "udev"
    assert udev_monitor.choose_source("kernel") == "kernel"


@needs_uevent
@pytest.mark.skipif(not UDEVD.exists(), reason="systemd-udevd is not installed (package udev)")
@pytest.mark.timeout(30)
def test_real_udevd_event_reaches_a_udev_source_monitor() -> None:
    if not _private_netns():
        pytest.skip("udevd rebroadcasts to every listener of the netns: run in a private one")
    # udevd gets a private /run, so it leaves no trace in the host's /run/udev.
    udevd = subprocess.Popen(
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            f"mount -t tmpfs tmpfs /run && exec {UDEVD}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    arrived = threading.Event()
    seen: list[UdevEvent] = []

    def on_event(event: UdevEvent) -> None:
        seen.append(event)
        arrived.set()

    monitor = UdevMonitor(on_event, source="udev")
    monitor.start()
    try:
        # udevd needs a moment to bind its sockets: poke until its first broadcast.
        deadline = time.monotonic() + 10
        while not arrived.wait(0.2) and time.monotonic() < deadline:
            TTY_UEVENT.write_text("add")
        assert arrived.is_set(), "udevd never rebroadcast the uevent"
    finally:
        monitor.stop()
        udevd.terminate()
        udevd.wait(timeout=10)
    # A "udev" monitor only hears udevd's rebroadcasts (netlink group 2), never the kernel.
    assert seen[0].kind is EventKind.SERIAL_ADD
    assert seen[0].devnode == "/dev/ttyS0"
