"""USB printers without a serial number, told apart by the USB port they are plugged into.

CUPS's ``usb`` backend reports two identical printers without serial
numbers with one and the same URI (``usb://HP/LaserJet%202100``): its URI
has no port in it.  udev does know the port: the ``DEVPATH`` of each
printer interface (``.../usb1/1-2/1-2:1.0`` is port ``1-2``).  So the
detector remembers the serial-less printer interfaces that udev reported,
by port path, and :func:`attach_ports` gives the backend's identical lines
one port each: matched on the model (the make spelled either way), the
lines of one URI and the ports of that model are paired in sorted order.
The lines are identical, so which line gets which port does not matter.

Without udev (no events, or another model name) a line keeps no port, and
identical lines stay one device, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from printerapp.deviceid import model_key

from .records import Device, Transport

__all__ = ["attach_ports"]


def _model(device: Device) -> tuple[str, str]:
    return model_key(device.device_id.manufacturer, device.device_id.model)


def _needs_port(device: Device) -> bool:
    return device.transport is Transport.USB and not device.serial and not device.port_path


def attach_ports(devices: Sequence[Device], ports: Mapping[str, Device]) -> tuple[Device, ...]:
    """Give serial-less USB *devices* the port paths of the udev *ports* of their model."""
    groups: dict[str, list[int]] = {}
    for index, device in enumerate(devices):
        if _needs_port(device):
            groups.setdefault(device.uri, []).append(index)
    out = list(devices)
    free = dict(sorted(ports.items()))
    for indexes in groups.values():
        model = _model(devices[indexes[0]])
        mine = [path for path, seen in free.items() if _model(seen) == model]
        for index, path in zip(indexes, mine, strict=False):
            out[index] = replace(devices[index], port_path=path)
            del free[path]
    return tuple(out)
