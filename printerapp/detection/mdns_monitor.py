"""Browse DNS-SD printer services with python-zeroconf and report changes.

Only this module imports zeroconf.  The browser calls us on its own thread,
one event after another, so a service is resolved on a small pool of
threads instead: one that does not answer (a name being probed again, a
host gone) would otherwise hold every announcement behind it for up to
RESOLVE_TIMEOUT_MS.  Each event of a service bumps its generation; a
resolve that finishes after a newer event of its service is dropped.
Every resolved service goes through the pure :func:`service_to_device`,
and each change is handed to ``on_change`` (which must itself be
thread-safe: the detector passes a ``loop.call_soon_threadsafe`` wrapper).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

from .mdns_txt import (
    PRINTER_SERVICES,
    OwnQueues,
    ServiceFacts,
    decode_txt,
    is_driverless,
    service_to_device,
)
from .records import Change, Device

__all__ = ["RESOLVE_TIMEOUT_MS", "RESOLVE_WORKERS", "MdnsMonitor"]

log = logging.getLogger(__name__)

#: how long to wait for a service's SRV/TXT/A records after it appears
RESOLVE_TIMEOUT_MS = 1500
#: how many services are resolved at once
RESOLVE_WORKERS = 8

ChangeCallback = Callable[[Change, Device], object]


class MdnsMonitor:
    """A python-zeroconf ServiceBrowser over the printer service types."""

    def __init__(
        self,
        on_change: ChangeCallback,
        *,
        interfaces: Sequence[str] = (),
        own: OwnQueues | None = None,
        services: Sequence[str] = PRINTER_SERVICES,
    ) -> None:
        self._on_change = on_change
        self._interfaces = list(interfaces)
        self._own = own
        self._services = list(services)
        self._lock = threading.Lock()
        self._known: dict[str, Device] = {}
        #: service name -> SRV host, and the hosts that announce a driverless service
        self._servers: dict[str, str] = {}
        self._driverless: set[str] = set()
        self._zc: Zeroconf | None = None
        self._browser: ServiceBrowser | None = None
        self._resolvers: ThreadPoolExecutor | None = None
        #: the last event's number of each service name (see the module's text)
        self._generation: dict[str, int] = {}
        self._events = itertools.count(1)

    def start(self) -> None:
        """Open the mDNS sockets and start browsing."""
        if self._interfaces:
            self._zc = Zeroconf(interfaces=self._interfaces, ip_version=IPVersion.V4Only)
        else:
            self._zc = Zeroconf()
        self._resolvers = ThreadPoolExecutor(RESOLVE_WORKERS, thread_name_prefix="mdns-resolve")
        self._browser = ServiceBrowser(self._zc, self._services, handlers=[self._handle])

    def stop(self) -> None:
        """Stop browsing and close the sockets (waits for the browser thread)."""
        if self._browser is not None:
            self._browser.cancel()
            self._browser.join(timeout=5)
            self._browser = None
        if self._resolvers is not None:
            # a resolve under way ends within RESOLVE_TIMEOUT_MS; its answer goes nowhere
            self._resolvers.shutdown(wait=False, cancel_futures=True)
            self._resolvers = None
        if self._zc is not None:
            self._zc.close()
            self._zc = None

    @property
    def devices(self) -> list[Device]:
        """The devices currently announced."""
        with self._lock:
            return list(self._known.values())

    def _handle(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        with self._lock:
            generation = self._generation[name] = next(self._events)
            if state_change is ServiceStateChange.Removed:
                self._servers.pop(name, None)
        if state_change is ServiceStateChange.Removed:
            self._set(name, None, generation)
            return
        resolvers = self._resolvers
        if resolvers is not None:
            try:
                resolvers.submit(self._resolve, zeroconf, service_type, name, generation)
            except RuntimeError:  # stopped meanwhile
                return

    def _resolve(self, zeroconf: Zeroconf, service_type: str, name: str, generation: int) -> None:
        info = zeroconf.get_service_info(service_type, name, timeout=RESOLVE_TIMEOUT_MS)
        if info is None:
            log.debug("mDNS service %r did not resolve", name)
            return
        facts = ServiceFacts(
            service_type=service_type,
            name=name,
            addresses=tuple(info.parsed_addresses()),
            port=info.port or 0,
            txt=decode_txt(info.properties),
            server=(info.server or "").lower(),
        )
        ours = self._own is not None and self._own.owns(facts)
        if is_driverless(facts) and facts.server and not ours:
            self._mark_driverless(facts.server)
        device = service_to_device(facts, self._own)
        with self._lock:
            if self._generation.get(name) != generation:
                return  # removed or announced again while it resolved: that event decides
            self._servers[name] = facts.server
            if facts.server in self._driverless:
                device = None
        self._set(name, device, generation)

    def _mark_driverless(self, server: str) -> None:
        """Drop what this host announced before its driverless IPP service showed."""
        with self._lock:
            self._driverless.add(server)
            names = [n for n, s in self._servers.items() if s == server and n in self._known]
        for name in names:
            self._set(name, None)

    def _set(self, name: str, device: Device | None, generation: int | None = None) -> None:
        with self._lock:
            if generation is not None and self._generation.get(name) != generation:
                return
            old = self._known.pop(name, None)
            if device is not None:
                self._known[name] = device
            if old == device:
                return
            # under the lock: two resolving threads must not report one name out of order
            if old is not None:
                self._on_change(Change.REMOVED, old)
            if device is not None:
                self._on_change(Change.ADDED, device)
