"""Serve the LAN: make the loopback-bound queues reachable on the host's own addresses.

ippeveprinter 2.4 binds only the addresses its ``-n`` name resolves to,
and exits unless that name gives both an IPv4 and an IPv6 address; it has
no wildcard bind.  On a stock Debian host the host name is 127.0.1.1 and
``<host>.local`` resolves to IPv4 only, so no ``-n`` reaches the LAN.
Every queue therefore runs on ``localhost``, and when ``[server] hostname``
names the host, this forwarder listens on each non-loopback address of the
host, on the queue's own port, and passes the bytes to 127.0.0.1.
ippeveprinter builds ``printer-uri-supported`` from the request's Host
header, so a client on the LAN is given URIs it can use.

On the way, the client's bytes are followed (never changed) by an
:class:`~printerapp.ipp.peek.HttpRequestScanner`, and each IPP request's
header is handed to an observer (pre-warm, :mod:`printerapp.server.power`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from printerapp.errors import IppError
from printerapp.ipp.peek import HttpRequestScanner, IppRequestHead, parse_request_head

__all__ = ["HostAddress", "LanForwarder", "parse_ip_addr"]

log = logging.getLogger(__name__)

#: how often the queues' ports are compared with the listeners
RECONCILE_S = 1.0
#: how often the host's addresses are read again (DHCP, a cable plugged in)
ADDRESS_RESCAN_S = 10.0
#: connections one forwarder serves at once; more wait in the kernel's backlog
MAX_CONNECTIONS = 64
_CHUNK = 1 << 16
#: how much of each request body is read for its IPP header
PEEK_BYTES = 4096

#: told of each IPP request: (queue port, request header, client address)
Observer = Callable[[int, IppRequestHead, str], object]


@dataclass(frozen=True, slots=True)
class HostAddress:
    """One address of the host: link-local IPv6 needs its interface (scope)."""

    address: str
    family: int
    scope_id: int = 0


def parse_ip_addr(text: str) -> list[HostAddress]:
    """Return the non-loopback addresses in ``ip -j addr`` output (pure)."""
    out = []
    for link in json.loads(text or "[]"):
        if not isinstance(link, dict) or "LOOPBACK" in link.get("flags", []):
            continue
        index = int(link.get("ifindex", 0))
        for info in link.get("addr_info", []):
            family = {"inet": socket.AF_INET, "inet6": socket.AF_INET6}.get(info.get("family"))
            local = info.get("local")
            if family is None or not isinstance(local, str) or info.get("scope") == "host":
                continue
            scope = index if family == socket.AF_INET6 and info.get("scope") == "link" else 0
            out.append(HostAddress(local, family, scope))
    return out


async def host_addresses() -> list[HostAddress]:
    """Read the host's non-loopback addresses with iproute2 (empty when it fails)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            "ip",
            "-j",
            "addr",
            "show",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 10)
        return parse_ip_addr(out.decode("utf-8", "replace"))
    except (OSError, TimeoutError, ValueError) as exc:
        log.warning("cannot read the host's addresses: %s", exc)
        return []


class LanForwarder:
    """Listeners on the host's addresses for every running queue's port."""

    def __init__(
        self, ports: Callable[[], Iterable[int]], observer: Observer | None = None
    ) -> None:
        self.ports = ports
        self.observer = observer
        self._servers: dict[tuple[HostAddress, int], asyncio.Server] = {}
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._addresses: list[HostAddress] = []

    @property
    def listening(self) -> set[tuple[str, int]]:
        """The (address, port) pairs served now."""
        return {(a.address, port) for a, port in self._servers}

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the listeners in step with the queues and addresses until *stop* is set."""
        loop = asyncio.get_running_loop()
        rescan_at = 0.0
        try:
            while not stop.is_set():
                if loop.time() >= rescan_at:
                    self._addresses = await host_addresses()
                    rescan_at = loop.time() + ADDRESS_RESCAN_S
                await self._reconcile()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RECONCILE_S)
        finally:
            for server in self._servers.values():
                server.close()
            for server in self._servers.values():
                await server.wait_closed()
            self._servers.clear()

    async def _reconcile(self) -> None:
        wanted = {(a, p) for a in self._addresses for p in set(self.ports()) if p}
        for key in set(self._servers) - wanted:
            self._servers.pop(key).close()
        for key in wanted - set(self._servers):
            address, port = key
            try:
                host = address.address
                if address.scope_id:  # a link-local IPv6 address names its interface
                    host = f"{host}%{address.scope_id}"
                self._servers[key] = await asyncio.start_server(
                    functools.partial(self._forward, port=port),
                    host=host,
                    port=port,
                    family=address.family,
                    reuse_address=True,
                )
            except OSError as exc:
                log.warning("cannot serve port %d on %s: %s", port, address.address, exc)

    async def _forward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, port: int
    ) -> None:
        async with self._slots:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                writer.close()
                return
            watch = None if self.observer is None else self._watcher(writer, port)
            await asyncio.gather(_copy(reader, up_writer, watch), _copy(up_reader, writer))

    def _watcher(self, writer: asyncio.StreamWriter, port: int) -> Callable[[bytes], None]:
        observer = self.observer or (lambda _port, _head, _peer: None)
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) else "?"
        scanner = HttpRequestScanner(PEEK_BYTES)

        def watch(chunk: bytes) -> None:
            for request in scanner.feed(chunk):
                if request.method != "POST" or not request.body:
                    continue
                try:
                    head = parse_request_head(request.body)
                except IppError as exc:
                    log.debug("port %d: %s from %s", port, exc, client)
                    continue
                try:
                    observer(port, head, client)
                except Exception:  # an observer's bug must not cut the client off
                    log.exception("port %d: request observer failed", port)

        return watch


async def _copy(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    watch: Callable[[bytes], None] | None = None,
) -> None:
    try:
        while chunk := await reader.read(_CHUNK):
            if watch is not None:
                watch(chunk)
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError):
            writer.close()
