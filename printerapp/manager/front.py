"""The queues' fronts: the daemon listens on each queue's port, ippeveprinter behind it.

ippeveprinter 2.4 answers for itself with a fixed ``printer-state-message``
and only 15 state reasons, cannot bind a LAN address on a stock host
(:mod:`printerapp.server.lan`), and tells nobody that a client opened a
print dialog.  So each ippeveprinter listens on an internal loopback port,
and the daemon listens on the queue's public port, on loopback and (when
the server serves the LAN) on the host's addresses, and relays every
connection (:mod:`.frontproxy`).  On the way, each IPP request is shown to
an observer (pre-warm) and each Get-Printer-Attributes answer is completed
with what the daemon knows better (:mod:`.overlay`).

The daemon binds the public port itself before the queue starts, so a
port taken by another program is known at once and never raced for.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

from printerapp.ipp.peek import IppRequestHead
from printerapp.manager.frontproxy import Exchange, Rewrite, relay
from printerapp.manager.queue import PortInUseError

__all__ = ["LOOPBACK", "MAX_CONNECTIONS", "MAX_PER_ADDRESS", "Listen", "QueueFront"]

log = logging.getLogger(__name__)

#: connections all fronts serve at once; more wait in the kernel's backlog
MAX_CONNECTIONS = 512
#: connections one client address may hold open at once; more are closed at once, so that
#: one client (a LAN host holding sockets open) cannot take every slot from the others
MAX_PER_ADDRESS = 64
#: (host, address family): an address a front listens on
Listen = tuple[str, int]
LOOPBACK: tuple[Listen, ...] = (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6))

#: told of each IPP request: (public port, request header, client address)
PortObserver = Callable[[int, IppRequestHead, str], object]


def _unchanged(_head: IppRequestHead, body: bytes) -> bytes:
    return body


class QueueFront:
    """The listeners of every queue's public port."""

    def __init__(self, observer: PortObserver | None = None) -> None:
        self.observer = observer
        #: also told of each request (the queue-log follower: a request means lines to read)
        self._watchers: list[PortObserver] = []
        #: public port -> (ippeveprinter's internal port, the rewrite of its answers)
        self._upstream: dict[int, tuple[int, Rewrite]] = {}
        self._servers: dict[tuple[Listen, int], asyncio.Server] = {}
        self._lan: tuple[Listen, ...] = ()
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._per_address: dict[str, int] = {}
        #: the relays under way: close_all ends them (Python 3.11's wait_closed does not wait
        #: for them, and the loop would drop them pending at shutdown)
        self._relays: set[asyncio.Task[Any]] = set()

    @property
    def listening(self) -> set[tuple[str, int]]:
        """The (address, port) pairs served now."""
        return {(listen[0], port) for listen, port in self._servers}

    def watch(self, watcher: PortObserver) -> None:
        """Tell *watcher* of each IPP request too (on the loop, before the observer)."""
        self._watchers.append(watcher)

    def unwatch(self, watcher: PortObserver) -> None:
        """Stop telling *watcher*."""
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def _observe(self, port: int, head: IppRequestHead, client: str) -> None:
        for watcher in self._watchers:
            watcher(port, head, client)
        if self.observer is not None:
            self.observer(port, head, client)

    def upstream(self, port: int) -> int | None:
        """Return the internal port behind public *port* (None: no such queue)."""
        route = self._upstream.get(port)
        return None if route is None else route[0]

    async def open(self, port: int, upstream: int, rewrite: Rewrite = _unchanged) -> None:
        """Listen on public *port* for the queue on *upstream*; PortInUseError if taken."""
        self.close(port)
        self._upstream[port] = (upstream, rewrite)
        for listen in LOOPBACK:
            try:
                await self._listen(listen, port)
            except OSError as exc:
                if listen[1] == socket.AF_INET6 and exc.errno in (
                    errno.EADDRNOTAVAIL,
                    errno.EAFNOSUPPORT,
                ):
                    continue  # a host without IPv6 loopback
                self.close(port)
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError(f"port {port} on {listen[0]} is taken") from exc
                raise PortInUseError(f"cannot listen on {listen[0]} port {port}: {exc}") from exc
        for listen in self._lan:
            await self._listen_lan(listen, port)

    def close(self, port: int) -> None:
        """Stop listening on public *port*."""
        self._upstream.pop(port, None)
        for key in [k for k in self._servers if k[1] == port]:
            self._servers.pop(key).close()

    async def set_lan(self, addresses: Iterable[Listen]) -> None:
        """Also listen on *addresses* (the host's own, for the LAN), for every queue."""
        wanted = tuple(dict.fromkeys(addresses))
        for key in [k for k in self._servers if k[0] not in LOOPBACK and k[0] not in wanted]:
            self._servers.pop(key).close()
        self._lan = wanted
        for port in list(self._upstream):
            for listen in wanted:
                if (listen, port) not in self._servers:
                    await self._listen_lan(listen, port)

    async def close_all(self) -> None:
        """Stop every listener and wait until they are closed."""
        servers = list(self._servers.values())
        self._servers.clear()
        self._upstream.clear()
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        relays = list(self._relays)
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)

    async def _listen_lan(self, listen: Listen, port: int) -> None:
        try:
            await self._listen(listen, port)
        except OSError as exc:  # the LAN is a courtesy: loopback clients are served all the same
            log.warning("cannot serve port %d on %s: %s", port, listen[0], exc)

    async def _listen(self, listen: Listen, port: int) -> None:
        host, family = listen
        self._servers[(listen, port)] = await asyncio.start_server(
            functools.partial(self._serve, port=port),
            host=host,
            port=port,
            family=family,
            reuse_address=True,
        )

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, port: int
    ) -> None:
        route = self._upstream.get(port)
        if route is None:
            writer.close()
            return
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else "local"
        if self._per_address.get(address, 0) >= MAX_PER_ADDRESS:
            log.debug(
                "port %d: %s holds %d connections; one more refused", port, address, MAX_PER_ADDRESS
            )
            writer.close()
            return
        observer = None
        if self.observer is not None or self._watchers:
            observer = functools.partial(self._observe, port)
        self._per_address[address] = self._per_address.get(address, 0) + 1
        task = asyncio.current_task()
        if task is not None:
            self._relays.add(task)
        try:
            async with self._slots:
                await relay(reader, writer, Exchange(route[0], route[1], observer))
        finally:
            if task is not None:
                self._relays.discard(task)
            left = self._per_address.pop(address) - 1
            if left:
                self._per_address[address] = left
