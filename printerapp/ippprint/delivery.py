"""Did the printer take the job?  Ask the kernel, not only the backend.

CUPS's ``socket`` backend writes the job into the socket, shuts its side
down and waits up to 90 s for the printer to close; then it exits 0 either
way.  A printer that accepted the connection and never read (or stalled
half-way) therefore "completes" the job, under cupsd as well.  But the data
it did not take is still in this host's send queue: ``/proc/net/tcp`` lists
the backend's (now orphaned) connection with its ``tx_queue``, the bytes the
printer has not acknowledged.  When the backend says OK while such bytes
remain and do not drain, the job did not reach the printer.

A slow printer drains: while the queue shrinks we wait (the job's time limit
bounds it); only a queue that stays put for DELIVERY_STALL_S is a failure.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "DELIVERY_STALL_ENV",
    "DELIVERY_STALL_S",
    "TcpConn",
    "Watcher",
    "parse_proc_net_tcp",
    "undelivered",
]

#: seconds the unsent bytes may stay put before the printer is deemed not to read
DELIVERY_STALL_S = 20.0
#: overrides DELIVERY_STALL_S (tests shrink it)
DELIVERY_STALL_ENV = "PRINTERAPP_DELIVERY_STALL"
#: how often the send queue is looked at while it drains
POLL_S = 0.5
_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
#: TCP states in which our side may still hold unsent data (include/net/tcp_states.h)
_SENDING = frozenset(
    {1, 4, 5, 8, 9, 11}
)  # ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE_WAIT LAST_ACK CLOSING


@dataclass(frozen=True, slots=True)
class TcpConn:
    """One line of /proc/net/tcp{,6}."""

    local: tuple[str, int]
    remote: tuple[str, int]
    state: int
    tx_queue: int


def _address(text: str) -> tuple[str, int]:
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    # the kernel prints each 32-bit word in host (little-endian) order
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(words)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip), int(port, 16)


def parse_proc_net_tcp(text: str) -> list[TcpConn]:
    """Parse the text of /proc/net/tcp or /proc/net/tcp6 (bad lines are skipped)."""
    out = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        try:
            tx = int(fields[4].split(":")[0], 16)
            out.append(TcpConn(_address(fields[1]), _address(fields[2]), int(fields[3], 16), tx))
        except ValueError:
            continue
    return out


def _read_tables() -> list[TcpConn]:
    conns: list[TcpConn] = []
    for table in _TABLES:
        try:
            conns += parse_proc_net_tcp(table.read_text())
        except OSError:
            continue
    return conns


def _targets(device_uri: str) -> set[tuple[str, int]]:
    """Return the addresses a ``socket://`` URI connects to (empty for other schemes)."""
    parts = urlsplit(device_uri)
    if parts.scheme != "socket" or not parts.hostname:
        return set()
    try:
        port = parts.port or 9100
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return set()
    return {(str(info[4][0]), port) for info in infos}


Pair = tuple[tuple[str, int], tuple[str, int]]


def undelivered(conns: Iterable[TcpConn], targets: set[tuple[str, int]], old: set[Pair]) -> int:
    """Return the bytes new connections to *targets* still hold unacknowledged."""
    return sum(
        c.tx_queue
        for c in conns
        if c.remote in targets and c.state in _SENDING and (c.local, c.remote) not in old
    )


@dataclass(slots=True)
class Watcher:
    """Remembers the connections before a backend runs, and judges after it."""

    targets: set[tuple[str, int]]
    old: set[Pair]
    stall_s: float = DELIVERY_STALL_S
    read: Callable[[], list[TcpConn]] = _read_tables

    @classmethod
    def before(cls, device_uri: str | None, stall_s: float = DELIVERY_STALL_S) -> Watcher | None:
        """Start watching for a ``socket://`` device (None: nothing to watch)."""
        targets = _targets(device_uri) if device_uri else set()
        if not targets:
            return None
        conns = _read_tables()
        return cls(targets, {(c.local, c.remote) for c in conns if c.remote in targets}, stall_s)

    def pending(self) -> int:
        """Bytes the printer has not acknowledged on connections made since :meth:`before`."""
        return undelivered(self.read(), self.targets, self.old)

    def wait_drained(self, say: Callable[[int], None], deadline: float | None = None) -> int:
        """Wait while the unsent bytes shrink; return what is left once they stop (0: all taken)."""
        left = self.pending()
        still_since = time.monotonic()
        reported = False
        while left and time.monotonic() - still_since < self.stall_s:
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not reported:
                say(left)
                reported = True
            time.sleep(POLL_S)
            now = self.pending()
            if now < left:
                still_since = time.monotonic()
            left = now
        return left
