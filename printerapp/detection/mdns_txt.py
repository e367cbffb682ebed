"""Pure mapping from a DNS-SD printer service to a device record.

**Which services are kept.**  Only printers that need a driver.  A service is
*driverless* (IPP Everywhere or AirPrint, which CUPS and every client drive
without a PPD) when it is ``_ipp._tcp`` or ``_ipps._tcp``, has an ``rp``
(resource path) key, and either has a non-empty ``URF`` key (AirPrint) or lists
``image/pwg-raster`` or ``application/pdf`` in ``pdl`` (IPP Everywhere).
``_pdl-datastream._tcp`` (raw port 9100) and ``_printer._tcp`` (LPD) are not
driverless by themselves, but the monitor drops them when the same host
(SRV target) also announces a driverless IPP service: the printer then needs
no driver whichever way it is reached.

**Own queues.**  Our emulated queues are ippeveprinter instances, which are
driverless by the rule above anyway; on top of that a service is ours when its
``UUID`` is one we registered, or when it listens on one of our queue ports on
an address of this host.  Nothing is guessed from the name.

**Device URI.**  ``dnssd://<instance>.<type>.local/`` with the instance
percent-encoded, plus ``?uuid=`` when the TXT has a UUID, as CUPS's dnssd
backend reports it: the URI survives address changes (DHCP), and the dnssd
backend resolves it at print time.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from printerapp.deviceid import make_and_model, parse_device_id

from .records import Device, Transport, clean_text

__all__ = [
    "PRINTER_SERVICES",
    "OwnQueues",
    "ServiceFacts",
    "decode_txt",
    "dnssd_uri",
    "is_driverless",
    "service_to_device",
]

PRINTER_SERVICES = (
    "_pdl-datastream._tcp.local.",
    "_printer._tcp.local.",
    "_ipp._tcp.local.",
    "_ipps._tcp.local.",
)
_IPP = ("_ipp._tcp.local.", "_ipps._tcp.local.")
_DRIVERLESS_PDL = {"image/pwg-raster", "application/pdf"}
#: ``pdl`` MIME types -> 1284 ``CMD`` names, for a device ID without ``usb_CMD``
_PDL_CMD = {
    "application/postscript": "POSTSCRIPT",
    "application/vnd.hp-pcl": "PCL",
    "application/vnd.hp-pclxl": "PCLXL",
    "application/pdf": "PDF",
}


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What a resolved DNS-SD service said, as plain data."""

    service_type: str
    #: full service name, ``Instance._type._tcp.local.``
    name: str
    addresses: tuple[str, ...]
    port: int
    #: TXT keys (lower-case) and values, decoded and cleaned
    txt: tuple[tuple[str, str], ...]
    #: the SRV target host (``printer.local.``), shared by all services of one printer
    server: str = ""

    @property
    def instance(self) -> str:
        """The instance part of the name (``HP LaserJet 4000``)."""
        suffix = "." + self.service_type
        return self.name[: -len(suffix)] if self.name.endswith(suffix) else self.name

    def get(self, key: str) -> str:
        """Return a TXT value by case-insensitive key, or ``""``."""
        return dict(self.txt).get(key.lower(), "")


def decode_txt(properties: Mapping[bytes, bytes | None]) -> tuple[tuple[str, str], ...]:
    """Decode TXT properties: keys lower-cased, bytes as UTF-8 with replacement."""
    pairs = []
    for key, value in properties.items():
        name = clean_text(key.decode("utf-8", "replace"), 64).lower()
        pairs.append((name, clean_text((value or b"").decode("utf-8", "replace"))))
    return tuple(sorted(pairs))


def is_driverless(facts: ServiceFacts) -> bool:
    """True for IPP Everywhere / AirPrint services, which need no driver from us."""
    if facts.service_type not in _IPP or not facts.get("rp"):
        return False
    urf = facts.get("urf")
    pdl = {p.strip().lower() for p in facts.get("pdl").split(",")}
    return bool(urf and urf.lower() != "none") or bool(pdl & _DRIVERLESS_PDL)


def dnssd_uri(facts: ServiceFacts) -> str:
    """Return the ``dnssd://`` URI CUPS's dnssd backend would report."""
    host = f"{quote(facts.instance, safe='')}.{facts.service_type.rstrip('.')}"
    uuid = facts.get("uuid")
    query = f"?uuid={quote(uuid, safe='-')}" if uuid else ""
    return f"dnssd://{host}/{query}"


class OwnQueues:
    """The ports and UUIDs of our own ippeveprinter queues; safe across threads."""

    def __init__(self, local_addresses: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._ports: set[int] = set()
        self._uuids: set[str] = set()
        self._local = frozenset(local_addresses)
        #: this host's own mDNS names (``printhost.local``): our queues' SRV target
        self._hosts: set[str] = set()

    def add(self, port: int, uuid: str = "") -> None:
        """Register a queue we started."""
        with self._lock:
            self._ports.add(port)
            if uuid:
                self._uuids.add(uuid.lower().removeprefix("urn:uuid:"))

    def discard(self, port: int, uuid: str = "") -> None:
        """Forget a queue we stopped."""
        with self._lock:
            self._ports.discard(port)
            self._uuids.discard(uuid.lower().removeprefix("urn:uuid:"))

    def add_local_host(self, name: str) -> None:
        """Register this host's mDNS name, which our own announcements point to."""
        with self._lock:
            self._hosts.add(name.lower().rstrip("."))

    def _is_local(self, address: str) -> bool:
        try:
            return ipaddress.ip_address(address).is_loopback or address in self._local
        except ValueError:
            return False

    def owns(self, facts: ServiceFacts) -> bool:
        """True when *facts* describe one of our own queues."""
        uuid = facts.get("uuid").lower().removeprefix("urn:uuid:")
        with self._lock:
            if uuid and uuid in self._uuids:
                return True
            on_our_port = facts.port in self._ports
            our_host = facts.server.lower().rstrip(".") in self._hosts
        # announced on the LAN, our queues carry the LAN's addresses: the host name tells
        return on_our_port and (our_host or any(self._is_local(a) for a in facts.addresses))


def _device_id(facts: ServiceFacts, make: str, model: str) -> str:
    def value(text: str) -> str:  # a value must not end its field or open another
        return text.replace(";", ",")

    command = facts.get("usb_cmd")
    if not command:
        pdl = (p.strip().lower() for p in facts.get("pdl").split(","))
        command = ",".join(dict.fromkeys(_PDL_CMD[p] for p in pdl if p in _PDL_CMD))
    fields = [f"MFG:{value(make)};", f"MDL:{value(model)};"]
    if command:
        fields.append(f"CMD:{value(command)};")
    return "".join(fields)


def _make_model(facts: ServiceFacts) -> tuple[str, str]:
    make, model = facts.get("usb_mfg"), facts.get("usb_mdl")
    if make and model:
        return make, model
    text = facts.get("ty") or facts.get("product").strip("()")
    first, _, rest = text.partition(" ")
    return (first, rest) if rest else ("", first)


def service_to_device(facts: ServiceFacts, own: OwnQueues | None = None) -> Device | None:
    """Map a resolved service to a device; None for driverless, own or anonymous ones."""
    if is_driverless(facts) or (own is not None and own.owns(facts)):
        return None
    make, model = _make_model(facts)
    if not model:
        return None
    ipv4 = [a for a in facts.addresses if ":" not in a]
    device_id = parse_device_id(_device_id(facts, make, model))
    return Device(
        uri=dnssd_uri(facts),
        make_and_model=make_and_model(make, model),
        info=clean_text(facts.instance),
        device_id=device_id,
        location=facts.get("note"),
        transport=Transport.NETWORK,
        serial=device_id.serial,
        host=(ipv4 or list(facts.addresses) or [""])[0],
        source="mdns",
    )
