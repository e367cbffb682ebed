"""Pure mapping from udev properties to detection events.

Recorded property sets (``udevadm info``/monitor output) go in, an event kind
and, for printers, a provisional device record come out.  What counts:

* an ``add``/``remove`` of a ``tty``, ``parallel``/``parport``/``ppdev``/
  ``printer``, ``usbmisc`` or ``usb`` device that has a device node;
* a USB interface of class 7 (printer), which has no node of its own.

The provisional record lets ``devices --watch`` say what appeared at once; the
``usb`` backend scan that the event triggers then reports the canonical URI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from printerapp.deviceid import make_and_model, parse_device_id

from .records import Device, Transport, clean_text
from .signals import EventKind

__all__ = ["SUBSYSTEMS", "UdevEvent", "classify", "usb_port_path"]

#: subsystems the monitor listens to
SUBSYSTEMS = ("usb", "usbmisc", "tty", "parallel", "parport", "ppdev", "printer")
_KIND_OF = {
    "usb": "usb",
    "usbmisc": "usb",
    "tty": "serial",
    "parallel": "parallel",
    "parport": "parallel",
    "ppdev": "parallel",
    "printer": "parallel",
}
_EVENT = {
    (prefix, action): EventKind(f"{prefix}-{action}")
    for prefix in ("usb", "serial", "parallel")
    for action in ("add", "remove")
}
#: a USB port path as the kernel names it: bus, then the hub ports (``1-2``, ``3-1.4.2``)
_PORT_PATH = re.compile(r"[0-9]{1,3}-[0-9]{1,3}(?:\.[0-9]{1,3}){0,6}")
#: the baud rate CUPS's serial backend puts in its URIs by default
SERIAL_BAUD = 115200
USB_PRINTER_CLASS = "7"


@dataclass(frozen=True, slots=True)
class UdevEvent:
    """One udev event that matters to detection."""

    kind: EventKind
    action: str
    subsystem: str
    devnode: str
    #: a provisional record for printers and ports, None for other USB devices
    device: Device | None = None


def _devnode(props: Mapping[str, str]) -> str:
    name = props.get("DEVNAME", "")
    # Kernel (not udevd) events name the node relative to /dev.
    return name if not name or name.startswith("/") else f"/dev/{name}"


def _is_usb_printer_interface(props: Mapping[str, str]) -> bool:
    return (
        props.get("DEVTYPE") == "usb_interface"
        and props.get("INTERFACE", "").split("/")[0] == USB_PRINTER_CLASS
    )


def usb_port_path(devpath: str) -> str:
    """Return the USB port path in a udev ``DEVPATH`` (``.../usb1/1-2/1-2:1.0`` -> ``1-2``)."""
    for part in reversed(devpath.split("/")):
        candidate = part.partition(":")[0]
        if _PORT_PATH.fullmatch(candidate):
            return candidate
    return ""


def _usb_printer(props: Mapping[str, str]) -> Device:
    make = clean_text(props.get("ID_VENDOR_FROM_DATABASE") or props.get("ID_VENDOR", ""), 127)
    model = clean_text(props.get("ID_MODEL_FROM_DATABASE") or props.get("ID_MODEL", ""), 127)
    make, model = make.replace("_", " "), model.replace("_", " ")
    serial = clean_text(props.get("ID_SERIAL_SHORT", ""), 127)
    query = f"?serial={quote(serial, safe='')}" if serial else ""
    uri = f"usb://{quote(make, safe='')}/{quote(model, safe='')}{query}"
    device_id = parse_device_id(f"MFG:{make.replace(';', ',')};MDL:{model.replace(';', ',')};")
    return Device(
        uri=uri,
        make_and_model=make_and_model(make, model),
        info=make_and_model(make, model),
        device_id=device_id,
        transport=Transport.USB,
        serial=serial,
        source="udev",
        # what tells identical printers without a serial number apart (see usbports)
        port_path="" if serial else usb_port_path(props.get("DEVPATH", "")),
    )


def _port(kind: str, devnode: str) -> Device:
    if kind == "serial":
        uri, transport = f"serial:{quote(devnode)}?baud={SERIAL_BAUD}", Transport.SERIAL
    else:
        uri, transport = f"parallel:{quote(devnode)}", Transport.PARALLEL
    return Device(uri=uri, make_and_model="", info=devnode, transport=transport, source="udev")


def classify(action: str, props: Mapping[str, str]) -> UdevEvent | None:
    """Return the event a udev message stands for, or None when it does not count."""
    subsystem = props.get("SUBSYSTEM", "")
    kind = _KIND_OF.get(subsystem)
    if action not in ("add", "remove") or kind is None:
        return None
    devnode = _devnode(props)
    printer = kind == "usb" and _is_usb_printer_interface(props)
    if not devnode and not printer:
        return None
    device: Device | None = None
    if printer:
        device = _usb_printer(props)
    elif kind != "usb":
        device = _port(kind, devnode)
    return UdevEvent(_EVENT[(kind, action)], action, subsystem, devnode, device)
