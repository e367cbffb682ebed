"""Find Kasa and Tapo plugs on the LAN with python-kasa's UDP discovery.

Discovery broadcasts to 255.255.255.255 (ports 9999, 20002 and 20004) unless
given a target; tests give a loopback target and run inside the private
network namespace.  Each answer becomes a frozen :class:`FoundPlug` with the
``type`` to put in ``[power.plugs.NAME]``.  Names and models come from the
network, so :func:`format_found` prints them with control characters masked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kasa import Credentials as KasaCredentials
from kasa import Device, Discover, KasaException
from kasa.iot import IotDevice

from printerapp.errors import PowerError
from printerapp.power.plugs.base import Credentials

__all__ = ["DISCOVERY_TIMEOUT_S", "FoundPlug", "discover_plugs", "format_found", "plug_type"]

logger = logging.getLogger(__name__)

#: seconds to wait for answers
DISCOVERY_TIMEOUT_S = 5
BROADCAST = "255.255.255.255"


@dataclass(frozen=True, slots=True)
class FoundPlug:
    """One device that answered discovery."""

    host: str
    #: the port to configure, when not the protocol's default
    port: int | None
    #: the driver to use (``kasa``/``tapo``), or ``unsupported:FAMILY``
    type: str
    model: str
    alias: str
    mac: str
    is_on: bool | None


def plug_type(device: Device) -> str:
    """Return the printerapp driver name for a python-kasa device."""
    if isinstance(device, IotDevice):
        return "kasa"
    family = device.config.connection_type.device_family.value
    return "tapo" if family.startswith("SMART.TAPO") else f"unsupported:{family}"


def _found(device: Device, port: int | None) -> FoundPlug:
    # A legacy answer carries the full sysinfo; a Tapo answer has no relay state.
    is_on = device.is_on if isinstance(device, IotDevice) else None
    if not isinstance(device, IotDevice):
        http_port = device.config.connection_type.http_port
        port = http_port if http_port not in (None, 80) else None
    return FoundPlug(
        host=device.host,
        port=port,
        type=plug_type(device),
        model=device.model or "",
        alias=device.alias or "",
        mac=device.mac or "",
        is_on=is_on,
    )


async def discover_plugs(
    *,
    target: str = BROADCAST,
    port: int | None = None,
    wait_s: int = DISCOVERY_TIMEOUT_S,
    credentials: Credentials | None = None,
) -> list[FoundPlug]:
    """Broadcast (or send to *target*) a discovery query and return who answered."""
    login = KasaCredentials(credentials.username, credentials.password) if credentials else None
    try:
        devices = await Discover.discover(
            target=target, port=port, discovery_timeout=wait_s, credentials=login
        )
    except (KasaException, OSError) as exc:
        raise PowerError(f"plug discovery on {target} failed: {exc}") from exc
    found = []
    for device in devices.values():
        found.append(_found(device, port))
        await device.disconnect()
    logger.info("discovery on %s: %d device(s)", target, len(found))
    return sorted(found, key=lambda f: (f.host, f.port or 0))


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def format_found(plug: FoundPlug) -> str:
    """Return one line: address, type, model, state and name."""
    where = plug.host + (f":{plug.port}" if plug.port else "")
    state = {True: "on", False: "off", None: "?"}[plug.is_on]
    return f"{where}\t{plug.type}\t{_printable(plug.model)}\t{state}\t{_printable(plug.alias)}"
