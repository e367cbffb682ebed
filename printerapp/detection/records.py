"""Frozen records that leave the detection layer: devices and their changes."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from printerapp.deviceid import DeviceId, parse_device_id

__all__ = [
    "MAX_TEXT",
    "Change",
    "Device",
    "DeviceChange",
    "Transport",
    "clean_text",
    "describe_line",
    "host_from_uri",
    "serial_from_uri",
]

#: longest text field kept from a device or the network (IPP ``text(MAX)`` is 1023 octets)
MAX_TEXT = 1023
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Drop control characters, squeeze blanks and bound the length of untrusted text."""
    return " ".join(_CONTROL.sub(" ", text[: limit * 4]).split())[:limit]


class Transport(enum.IntEnum):
    """How the printer is attached; a lower value is preferred among duplicates."""

    USB = 1
    PARALLEL = 2
    SERIAL = 3
    NETWORK = 4
    SNMP = 5
    OTHER = 9


class Change(enum.Enum):
    """What happened to a device."""

    ADDED = "added"
    REMOVED = "removed"


def serial_from_uri(uri: str) -> str:
    """Return the ``serial=`` query value of a device URI (``usb://HP/X?serial=123``)."""
    try:
        query = parse_qs(urlsplit(uri).query)
    except ValueError:
        return ""
    return clean_text(query.get("serial", [""])[0], 255)


@dataclass(frozen=True, slots=True)
class Device:
    """One printer as a backend, udev or mDNS reported it."""

    #: device URI (``usb://HP/LaserJet?serial=1``, ``dnssd://...``, ``socket://10.0.0.5``)
    uri: str
    make_and_model: str
    #: human-readable description (CUPS ``device-info``)
    info: str = ""
    device_id: DeviceId = field(default_factory=lambda: parse_device_id(""))
    location: str = ""
    transport: Transport = Transport.OTHER
    #: serial number from the URI or the device ID, "" when unknown
    serial: str = ""
    #: network host (address or name) for network printers, "" for local ones
    host: str = ""
    #: who reported it: a backend name, ``mdns`` or ``udev``
    source: str = ""
    #: the USB port (``1-2.3``, from udev's DEVPATH) of a USB printer without a serial
    #: number, "" otherwise: it tells identical printers apart, whose URIs are the same
    port_path: str = ""

    @property
    def scheme(self) -> str:
        """The URI scheme (``usb``, ``socket``, ``dnssd``...)."""
        return self.uri.partition(":")[0].lower()

    def describe(self) -> str:
        """Return one line: transport, URI, make-and-model and 1284 ID."""
        return describe_line(
            self.transport.name.lower(), self.uri, self.make_and_model, str(self.device_id)
        )


def describe_line(transport: str, uri: str, make_and_model: str, device_id: str) -> str:
    """Return a device's one-line description (``printerapp devices``, change events)."""
    return f"{transport:8} {uri}  {make_and_model!r}  {device_id or '-'}"


def host_from_uri(uri: str) -> str:
    """Return the host part of a network URI, unquoted, or ``""``."""
    try:
        return unquote(urlsplit(uri).hostname or "")
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class DeviceChange:
    """A device that appeared or disappeared."""

    change: Change
    device: Device

    def __str__(self) -> str:
        sign = "+" if self.change is Change.ADDED else "-"
        return f"{sign} {self.device.describe()}"
