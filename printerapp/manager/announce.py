"""Announce each queue with DNS-SD ourselves, before its ippeveprinter starts.

ippeveprinter 2.4 registers only the ``_print`` subtype and a TXT record
without ``kind``, ``air``, ``product``, ``priority`` or ``PaperMax``, so
iOS never lists it and Mopria clients guess.  Registering the queue's name
first takes the name: avahi then refuses ippeveprinter's own registration
as a local collision, and ippeveprinter keeps serving.  Once the queue
answers, its own Get-Printer-Attributes fills in the rest of the record
(formats, URF, UUID, colour, duplex, paper sizes).

If avahi refuses a registration it is tried again (:data:`PUBLISH_TRIES`);
if it cannot be reached, nothing is announced here and only ippeveprinter's
own record is out there, which names its internal loopback port: clients on
this host find the queue through it, the LAN does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from printerapp.dnssd.avahi import AvahiPublisher, Service
from printerapp.dnssd.txt import TXT_ATTRIBUTES, base_txt, queue_txt
from printerapp.errors import DnssdError, IppError
from printerapp.ipp.client import get_printer_attributes
from printerapp.manager.sockdiag import listening_inodes
from printerapp.manager.state import QueueRecord

__all__ = ["Announcer", "QueueAnnouncer"]

log = logging.getLogger(__name__)

IPP_TYPE = "_ipp._tcp"
#: what ippeveprinter 2.4 takes with -P, known before it runs: it makes the record driverless
#: from the first moment, so no detection (ours or another host's) takes the queue for a printer
PPD_QUEUE_PDL = "application/pdf,application/postscript,image/jpeg,image/pwg-raster,image/urf"
SUBTYPES = ("_print", "_universal")
#: how long a started queue may take to answer before its record stays the base one
COMPLETE_TIMEOUT_S = 30.0
#: registrations tried before the queue is left unannounced, and the pause between them
PUBLISH_TRIES = 3
PUBLISH_RETRY_S = 1.0
_POLL_S = 0.1


class Announcer(Protocol):
    """What the manager needs: announce a queue before it starts, withdraw it after."""

    async def announce(self, record: QueueRecord, ippeve_port: int = 0) -> None:
        """Announce the queue of *record* on its port (again, when the port changed).

        *ippeve_port* is where its ippeveprinter will listen (0: on the record's port).
        """
        ...

    async def withdraw(self, key: str) -> None:
        """Withdraw the queue *key* (nothing when it is not announced)."""
        ...


class QueueAnnouncer:
    """Announcements through avahi, on the interfaces where the queues are reachable."""

    def __init__(
        self, publisher: AvahiPublisher, interfaces: tuple[str, ...], admin_host: str
    ) -> None:
        self.publisher = publisher
        #: ``("lo",)`` while queues serve this machine only; empty: every interface
        self.interfaces = interfaces
        #: the host name in adminurl (one the clients on those interfaces resolve)
        self.admin_host = admin_host
        self._completing: dict[str, asyncio.Task[None]] = {}

    def _adminurl(self, port: int) -> str:
        host = f"[{self.admin_host}]" if ":" in self.admin_host else self.admin_host
        return f"http://{host}:{port}/"

    async def announce(self, record: QueueRecord, ippeve_port: int = 0) -> None:
        """Register the queue's name, port and base record, then complete it once it answers."""
        self._cancel(record.key)
        adminurl = self._adminurl(record.port)
        txt = base_txt(record.make_and_model, record.location, adminurl, PPD_QUEUE_PDL)
        service = Service(record.name, IPP_TYPE, record.port, tuple(txt), SUBTYPES, self.interfaces)
        for attempt in range(1, PUBLISH_TRIES + 1):
            try:
                await self.publisher.publish(record.key, service)
                break
            except DnssdError as exc:
                if attempt == PUBLISH_TRIES or not self.publisher.connected:
                    log.warning(
                        "queue %r: not announced (%s); the LAN will not find it", record.name, exc
                    )
                    return
                await asyncio.sleep(PUBLISH_RETRY_S)
        complete = self._complete(record, ippeve_port or record.port)
        task = asyncio.create_task(complete, name=f"announce {record.key}")
        self._completing[record.key] = task

    async def _complete(self, record: QueueRecord, ippeve_port: int) -> None:
        uri = f"ipp://127.0.0.1:{record.port}/ipp/print"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + COMPLETE_TIMEOUT_S
        # asked of the kernel until ippeveprinter listens (the front on the public port
        # listens from the start): a queue waiting for its start slot costs no connection
        # attempts (netlink refused: ask by IPP at once)
        while loop.time() < deadline:
            found = listening_inodes(ippeve_port)
            if found is None or found:
                break
            await asyncio.sleep(_POLL_S)
        while True:
            try:
                attrs = await get_printer_attributes(uri, 5, list(TXT_ATTRIBUTES))
                break
            except IppError as exc:
                if loop.time() > deadline:
                    log.warning("queue %r: TXT record left incomplete: %s", record.name, exc)
                    return
                await asyncio.sleep(_POLL_S)
        txt = queue_txt(attrs, record.location, self._adminurl(record.port))
        try:
            await self.publisher.update_txt(record.key, txt)
        except DnssdError as exc:
            log.warning("queue %r: TXT record not updated: %s", record.name, exc)

    def _cancel(self, key: str) -> asyncio.Task[None] | None:
        task = self._completing.pop(key, None)
        if task is not None:
            task.cancel()
        return task

    async def withdraw(self, key: str) -> None:
        """Stop completing and withdraw the announcement of queue *key*."""
        if (task := self._cancel(key)) is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self.publisher.withdraw(key)
        except DnssdError as exc:
            log.warning("queue %s: announcement not withdrawn: %s", key, exc)
