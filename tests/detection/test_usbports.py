"""Identical USB printers without serial numbers: one device per USB port."""

from __future__ import annotations

from dataclasses import replace

from printerapp.detection.records import Device, Transport
from printerapp.detection.udev_map import classify, usb_port_path
from printerapp.detection.usbports import attach_ports
from printerapp.deviceid import parse_device_id

# Recorded with `udevadm monitor --udev --property`: an HP LaserJet 1000 on port 1-2.
LJ1000_ON_1_2 = {
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0",
    "SUBSYSTEM": "usb",
    "DEVTYPE": "usb_interface",
    "PRODUCT": "3f0/517/100",
    "INTERFACE": "7/1/2",
    "ID_VENDOR": "Hewlett-Packard",
    "ID_MODEL": "HP_LaserJet_1000",
}
# What CUPS's usb backend prints for it: no serial, so no port either.
BACKEND_LJ1000 = Device(
    uri="usb://HP/LaserJet%201000",
    make_and_model="HP LaserJet 1000",
    device_id=parse_device_id("MFG:Hewlett-Packard;MDL:HP LaserJet 1000;CMD:ZJS;"),
    transport=Transport.USB,
    source="usb",
)


def _udev(devpath: str, **extra: str) -> Device:
    event = classify("add", {**LJ1000_ON_1_2, "DEVPATH": devpath, **extra})
    assert event is not None
    assert event.device is not None
    return event.device


def test_port_path_comes_from_the_devpath() -> None:
    assert usb_port_path("/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0") == "1-2"
    assert usb_port_path("/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1.4/3-1.4:1.0") == "3-1.4"
    assert usb_port_path("/devices/virtual/mem/null") == ""
    assert usb_port_path("/devices/../../etc/passwd:1.0") == ""


def test_a_serial_less_printer_interface_carries_its_port() -> None:
    assert _udev("/devices/p/usb1/1-2/1-2:1.0").port_path == "1-2"
    # with a serial number the serial tells it apart: it keeps its queue on any port
    assert _udev("/devices/p/usb1/1-2/1-2:1.0", ID_SERIAL_SHORT="Q7F7").port_path == ""


def test_identical_lines_get_one_port_each() -> None:
    ports = {
        "1-3": _udev("/devices/p/usb1/1-3/1-3:1.0"),
        "1-2": _udev("/devices/p/usb1/1-2/1-2:1.0"),
    }
    devices = attach_ports([BACKEND_LJ1000, BACKEND_LJ1000], ports)
    assert sorted(d.port_path for d in devices) == ["1-2", "1-3"]
    assert len(set(devices)) == 2  # two devices now, not one
    # one unplugged: the remaining line takes the remaining port
    [left] = attach_ports([BACKEND_LJ1000], {"1-3": ports["1-3"]})
    assert left.port_path == "1-3"


def test_other_models_serials_and_unknown_ports_are_left_alone() -> None:
    other = _udev("/devices/p/usb1/1-4/1-4:1.0", ID_MODEL="Color_LaserJet_3600")
    with_serial = replace(BACKEND_LJ1000, uri="usb://HP/LaserJet%201000?serial=X", serial="X")
    devices = attach_ports([BACKEND_LJ1000, with_serial], {"1-4": other})
    assert [d.port_path for d in devices] == ["", ""]
    # more identical lines than ports known: the extra ones stay one device, as before
    one = {"1-2": _udev("/devices/p/usb1/1-2/1-2:1.0")}
    assert sorted(d.port_path for d in attach_ports([BACKEND_LJ1000] * 3, one)) == ["", "", "1-2"]
