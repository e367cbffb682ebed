"""``printerapp server --demo``: a simulated network printer to try things with.

A TCP listener on 127.0.0.1 plays an HP LaserJet 2100 that speaks raw
port-9100 (``_pdl-datastream._tcp``), announced over mDNS on loopback only.
Detection finds it like any legacy network printer and a queue appears;
every job the queue prints is saved under ``<state>/demo/`` as ``job-N.prn``.
Its driver is pinned to Gutenprint's LaserJet 2100 PCL driver
(:func:`demo_overrides`), so the demo prints the same on every machine,
whichever other drivers are installed and rank higher.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
from collections.abc import Mapping
from pathlib import Path

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from printerapp.detection.mdns_txt import ServiceFacts, dnssd_uri
from printerapp.manager.settings import PrinterOverride

__all__ = ["DEMO_MODEL", "DEMO_NAME", "DEMO_PPD", "DemoPrinter", "demo_overrides", "demo_uri"]

log = logging.getLogger(__name__)

#: what a real LaserJet 2100 reports in its device ID (foomatic's IDs come from real devices)
DEMO_MAKE, DEMO_MODEL = "Hewlett-Packard", "HP LaserJet 2100 Series"
SERVICE_TYPE = "_pdl-datastream._tcp.local."
DEMO_NAME = "HP LaserJet 2100 (demo)"
#: the demo's driver (cups-driverd's first choice with Debian's default driver set)
DEMO_PPD = "gutenprint.5.3://hp-lj_2100/expert"
#: the most bytes one demo job may write (a real printer has no disk at all)
MAX_JOB_BYTES = 64 << 20


def demo_uri(name: str = DEMO_NAME) -> str:
    """Return the device URI detection gives the demo printer called *name*."""
    return dnssd_uri(ServiceFacts(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", (), 0, ()))


def demo_overrides(
    overrides: Mapping[str, PrinterOverride], name: str = DEMO_NAME
) -> dict[str, PrinterOverride]:
    """Return *overrides* with the demo printer's driver pinned, unless they set it already."""
    return {demo_uri(name): PrinterOverride(ppd=DEMO_PPD), **overrides}


class DemoPrinter:
    """A raw-socket printer on loopback, announced with python-zeroconf."""

    def __init__(self, out_dir: Path, name: str = DEMO_NAME, *, probe: bool = True) -> None:
        self.out_dir = out_dir
        self.name = name
        #: probe the name before announcing (RFC 6762); benchmarks skip the ~0.75 s
        self.probe = probe
        self.port = 0
        self.jobs: list[Path] = []
        self._server: asyncio.Server | None = None
        self._zc: AsyncZeroconf | None = None
        self._info: ServiceInfo | None = None
        self._counter = itertools.count(1)

    async def start(self) -> None:
        """Listen on a free loopback port and announce the printer."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.start_server(self._job, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._info = ServiceInfo(
            SERVICE_TYPE,
            f"{self.name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton("127.0.0.1")],
            port=self.port,
            properties={
                "txtvers": "1",
                "ty": DEMO_MODEL,
                "product": f"({DEMO_MODEL})",
                "usb_MFG": DEMO_MAKE,
                "usb_MDL": DEMO_MODEL,
                "usb_CMD": "PJL,PCLXL,PCL",
                "note": "printerapp demo",
            },
        )
        self._zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        # the call returns a task that finishes once the name is probed and announced
        await (
            await self._zc.async_register_service(self._info, cooperating_responders=not self.probe)
        )
        log.info(
            "demo printer %r on 127.0.0.1:%d; jobs go to %s", self.name, self.port, self.out_dir
        )

    async def _job(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = self.out_dir / f"job-{next(self._counter)}.prn"
        size = 0
        with path.open("wb") as out:
            while chunk := await reader.read(1 << 16):
                size += len(chunk)
                if size > MAX_JOB_BYTES:
                    log.warning("demo printer: job %s too large; cut", path.name)
                    break
                out.write(chunk)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        self.jobs.append(path)
        log.info("demo printer: received %s (%d bytes)", path.name, size)

    async def stop(self) -> None:
        """Withdraw the announcement and close the listener."""
        if self._zc is not None and self._info is not None:
            # wait for the goodbye packets, or closing would cancel them
            await (await self._zc.async_unregister_service(self._info))
            await self._zc.async_close()
        self._zc = self._info = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
