"""Port allocation for queues, without the seed's bind-and-close race.

A port is *reserved* in the state file before its queue starts, so two
queues of this daemon never pick the same one; a port some other program
listens on is skipped; and after the start the queue itself proves that its
own process owns the port (queue.py).  If another program wins the port in
between, the queue fails with PortInUseError and moves on to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from printerapp.errors import ConfigError, PrinterProcessError
from printerapp.manager.procfs import listening_inodes

__all__ = ["DEFAULT_PORTS", "INTERNAL_PORTS", "PortRange", "choose_port"]


@dataclass(frozen=True, slots=True)
class PortRange:
    """An inclusive range of TCP ports for queues."""

    first: int = 8000
    last: int = 9000

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last <= 65535:
            raise ConfigError(f"port range {self.first}-{self.last} is not within 1-65535")

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last


DEFAULT_PORTS = PortRange()
#: the ippeveprinters' own ports, on loopback only, behind the fronts
INTERNAL_PORTS = PortRange(18000, 19000)


def _busy(port: int) -> bool:
    return bool(listening_inodes(port))


def choose_port(
    ports: PortRange,
    reserved: Collection[int],
    preferred: int | None = None,
    busy: Callable[[int], bool] = _busy,
) -> int:
    """Return *preferred* if it is free, else the lowest port neither reserved nor busy."""
    if (
        preferred is not None
        and preferred in ports
        and preferred not in reserved
        and not busy(preferred)
    ):
        return preferred
    for port in range(ports.first, ports.last + 1):
        if port not in reserved and not busy(port):
            return port
    raise PrinterProcessError(f"no free port left in {ports.first}-{ports.last}")
