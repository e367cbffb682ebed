"""Wait until a printer that was just switched on can really take a job.

No fixed sleep: a probe chosen by the device URI's transport is repeated until
it succeeds or a timeout passes.

* ``socket:``, ``lpd:``, ``ipp:``, ``ipps:``, ``http(s):`` - the printer's TCP
  port accepts a connection (the connection is closed without sending a byte).
* ``usb:`` - the usb backend's discovery output lists the device again,
  matched by its serial number (the URI's ``serial=`` or the 1284 ``SN:``
  field) or, without one, by its exact 1284 ID manufacturer+model+serial or
  the exact URI.  Never by a model substring: two printers of one model
  must not be confused.

Other schemes have no probe: the backend itself waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from printerapp.cups import CupsDirs
from printerapp.deviceid import parse_device_id
from printerapp.errors import MalformedLineError

__all__ = [
    "READY_TIMEOUT_S",
    "Probe",
    "TcpProbe",
    "UsbProbe",
    "probe_for",
    "usb_matches",
    "wait_ready",
]

logger = logging.getLogger(__name__)

#: how long a printer may take to boot before the job is sent back for a retry
READY_TIMEOUT_S = 120.0
#: pause between two TCP connection attempts
TCP_INTERVAL_S = 0.1
#: one TCP connection attempt
CONNECT_TIMEOUT_S = 1.0
#: pause between two runs of the usb backend's discovery
USB_INTERVAL_S = 0.5
#: one run of the usb backend's discovery
USB_DISCOVERY_TIMEOUT_S = 15.0
#: how often the "powering on" message is repeated while waiting
STATUS_EVERY_S = 10.0

DEFAULT_PORTS = {"socket": 9100, "lpd": 515, "ipp": 631, "ipps": 631, "http": 631, "https": 443}

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TcpProbe:
    """The printer is ready when its port accepts a TCP connection."""

    host: str
    port: int

    @property
    def interval(self) -> float:
        """Pause between two attempts."""
        return TCP_INTERVAL_S

    async def ready(self) -> bool:
        """Try one connection."""
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    def __str__(self) -> str:
        return f"TCP {self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class UsbProbe:
    """The printer is ready when the usb backend lists it again."""

    uri: str
    backend: Path
    #: the printer's 1284 device ID as configured, "" when unknown
    device_id: str = ""
    env: tuple[tuple[str, str], ...] = ()

    @property
    def interval(self) -> float:
        """Pause between two discovery runs."""
        return USB_INTERVAL_S

    async def ready(self) -> bool:
        """Run the backend's discovery once and look for the device."""
        for uri, device_id in await self._discover():
            if usb_matches(self.uri, self.device_id, uri, device_id):
                return True
        return False

    async def _discover(self) -> list[tuple[str, str]]:
        try:
            proc = await asyncio.create_subprocess_exec(
                str(self.backend),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env=dict(self.env) or None,
            )
        except OSError as exc:
            logger.warning("cannot run %s: %s", self.backend, exc.strerror)
            return []
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), USB_DISCOVERY_TIMEOUT_S)
        except TimeoutError:
            return []
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        return _discovered(out.decode("utf-8", "replace"))

    def __str__(self) -> str:
        return f"USB discovery by {self.backend}"


Probe = TcpProbe | UsbProbe


def _discovered(output: str) -> list[tuple[str, str]]:
    from printerapp.detection.backendline import parse_backend_line

    found = []
    for line in output.splitlines():
        try:
            parsed = parse_backend_line(line)
        except MalformedLineError:
            continue
        found.append((parsed.uri, parsed.device_id))
    return found


def _id_key(device_id: str) -> tuple[str, str, str]:
    parsed = parse_device_id(device_id)
    return tuple(" ".join(parsed.get(k).split()).casefold() for k in ("MFG", "MDL", "SN"))  # type: ignore[return-value]


def usb_matches(want_uri: str, want_id: str, uri: str, device_id: str) -> bool:
    """Return True when a discovered (uri, 1284 ID) is the wanted USB printer."""
    from printerapp.detection.records import serial_from_uri

    serial = serial_from_uri(want_uri) or parse_device_id(want_id).get("SN")
    if serial:
        found = serial_from_uri(uri) or parse_device_id(device_id).get("SN")
        return found == serial
    if want_id:
        want = _id_key(want_id)
        return all(want[:2]) and want == _id_key(device_id)
    return uri == want_uri


def probe_for(
    uri: str,
    dirs: CupsDirs | None = None,
    *,
    device_id: str = "",
    env: Mapping[str, str] | None = None,
) -> Probe | None:
    """Choose the readiness probe for device URI *uri*; None when there is none."""
    dirs = CupsDirs() if dirs is None else dirs
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "usb":
        return UsbProbe(uri, dirs.backend_dir / "usb", device_id, tuple((env or {}).items()))
    if scheme in DEFAULT_PORTS and parts.hostname:
        return TcpProbe(parts.hostname, port or DEFAULT_PORTS[scheme])
    return None


async def wait_ready(
    probe: Probe,
    timeout: float = READY_TIMEOUT_S,  # noqa: ASYNC109 - a deadline measured on *clock*
    say: Say | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Repeat *probe* until it succeeds (True) or *timeout* seconds pass (False)."""
    start = clock()
    if await probe.ready():
        return True
    said = None
    while (elapsed := clock() - start) < timeout:
        if say is not None and (said is None or elapsed - said >= STATUS_EVERY_S):
            say("STATE: +connecting-to-device")
            say(f"INFO: printer powering on (waiting for {probe})")
            said = elapsed
        await asyncio.sleep(min(probe.interval, max(0.0, timeout - elapsed)))
        if await probe.ready():
            if say is not None and said is not None:
                say("STATE: -connecting-to-device")
            logger.info("printer ready after %.2f s (%s)", clock() - start, probe)
            return True
    if say is not None:
        say("STATE: -connecting-to-device")
    return False
