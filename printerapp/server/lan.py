"""Serve the LAN: the queues' fronts also listen on the host's own addresses.

ippeveprinter 2.4 binds only the addresses its ``-n`` name resolves to,
and exits unless that name gives both an IPv4 and an IPv6 address; it has
no wildcard bind.  On a stock Debian host the host name is 127.0.1.1 and
``<host>.local`` resolves to IPv4 only, so no ``-n`` reaches the LAN.
Every queue therefore runs on loopback, behind its front
(:mod:`printerapp.manager.front`), and when ``[server] hostname`` names
the host, the fronts listen on each non-loopback address of the host as
well, on the queue's own port.  ippeveprinter builds
``printer-uri-supported`` from the request's Host header, so a client on
the LAN is given URIs it can use.  The addresses are read again every
ADDRESS_RESCAN_S seconds (DHCP, a cable plugged in).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from printerapp.manager.front import Listen, QueueFront

__all__ = ["HostAddress", "parse_ip_addr", "watch_lan"]

log = logging.getLogger(__name__)

#: how often the host's addresses are read again (DHCP, a cable plugged in)
ADDRESS_RESCAN_S = 10.0


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


async def watch_lan(front: QueueFront, stop: asyncio.Event) -> None:
    """Keep the fronts listening on the host's addresses until *stop* is set."""
    try:
        while not stop.is_set():
            addresses = await host_addresses()
            await front.set_lan(_listens(addresses))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ADDRESS_RESCAN_S)
    finally:
        await front.set_lan(())


def _listens(addresses: Iterable[HostAddress]) -> list[Listen]:
    # a link-local IPv6 address names its interface (scope)
    return [(f"{a.address}%{a.scope_id}" if a.scope_id else a.address, a.family) for a in addresses]
