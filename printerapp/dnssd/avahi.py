"""Publish services with the host's avahi-daemon over the system D-Bus (jeepney, asyncio).

One connection holds every entry group: avahi withdraws a client's
services when its connection closes, so a daemon that dies leaves no stale
announcement.  A service is registered on the interfaces named (all when
none are), with its subtypes, and its TXT record can be replaced in place.
A name taken by another service gets avahi's alternative ("Name #2").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from printerapp.errors import DnssdError

__all__ = ["AvahiPublisher", "Service", "encode_txt"]

log = logging.getLogger(__name__)

AVAHI = "org.freedesktop.Avahi"
IF_UNSPEC, PROTO_UNSPEC = -1, -1
#: entry group states (avahi-common/defs.h)
REGISTERING, ESTABLISHED, COLLISION, FAILURE = 1, 2, 3, 4
#: how long a registration may take to be established (probing takes about 0.75 s)
ESTABLISH_TIMEOUT_S = 5.0
#: how many alternative names are tried before giving up
MAX_RENAMES = 10
#: how often a probe running in the background is checked (the probe takes ~0.75 s)
SETTLE_POLL_S = 0.5
#: how long one D-Bus call to avahi may take
CALL_TIMEOUT_S = 10.0
#: services registered, updated or withdrawn at once: each has at most 4 calls in flight,
#: and the system bus allows one connection 128 pending replies (LimitsExceeded beyond)
MAX_BUSY = 16


def _retrieved(call: asyncio.Future[Any]) -> None:
    """Take a call's outcome when its caller went away, so asyncio does not report it."""
    if not call.cancelled():
        call.exception()


@dataclass(frozen=True, slots=True)
class Service:
    """One service to announce."""

    name: str
    type: str
    port: int
    txt: tuple[tuple[str, str], ...] = ()
    #: e.g. ``_print``, ``_universal`` (written as ``_universal._sub._ipp._tcp``)
    subtypes: tuple[str, ...] = ()
    #: interface names (``lo``, ``eth0``); empty: every interface avahi uses
    interfaces: tuple[str, ...] = ()


def encode_txt(txt: Sequence[tuple[str, str]]) -> list[bytes]:
    """Return TXT strings as ``key=value`` bytes; raise DnssdError on one over 255 bytes."""
    out = []
    for key, value in txt:
        item = f"{key}={value}".encode()
        if len(item) > 255 or not key or "=" in key:
            raise DnssdError(f"TXT key {key!r}: not a valid key=value of at most 255 bytes")
        out.append(item)
    return out


@dataclass
class _Group:
    path: str
    service: Service
    name: str
    #: the avahi interface index this group announces on (IF_UNSPEC: all)
    interface: int


class AvahiPublisher:
    """Services by key (e.g. a queue key), each in its own avahi entry group."""

    def __init__(self) -> None:
        self._router: Any = None
        self._conn: Any = None
        self._groups: dict[str, list[_Group]] = {}
        #: one lock per key: the services of different queues are registered side by side
        self._locks: dict[str, asyncio.Lock] = {}
        #: taken after a key's lock, by every operation that talks to avahi (see MAX_BUSY)
        self._busy = asyncio.Semaphore(MAX_BUSY)
        #: D-Bus calls under way (shielded from their callers' cancellation)
        self._calls: set[asyncio.Future[Any]] = set()
        #: the probes still running in the background (see publish)
        self._settling: set[asyncio.Task[None]] = set()
        #: this host's mDNS name, the target of every service we announce (after start)
        self.host_fqdn = ""
        #: avahi's index of each interface name asked for
        self._if_index: dict[str, int] = {}

    async def start(self) -> None:
        """Connect to the system bus; raise DnssdError when avahi cannot be reached."""
        from jeepney.io.asyncio import DBusRouter, open_dbus_connection

        try:
            self._conn = await open_dbus_connection(bus="SYSTEM")
            self._router = DBusRouter(self._conn)
            (self.host_fqdn,) = await self._call("/", "Server", "GetHostNameFqdn")
        except (OSError, KeyError, DnssdError) as exc:
            await self.close()
            raise DnssdError(f"avahi-daemon cannot be reached on the system bus: {exc}") from exc

    async def close(self) -> None:
        """Withdraw everything and disconnect."""
        for task in list(self._settling):
            task.cancel()
        await asyncio.gather(*self._settling, return_exceptions=True)
        if self._router is not None:
            # stops the router's receiving task; a task that failed is not our error here
            with contextlib.suppress(Exception):
                await self._router.__aexit__(None, None, None)
        if self._conn is not None:
            await self._conn.close()
        self._router = self._conn = None
        self._groups.clear()

    @property
    def connected(self) -> bool:
        """True between a successful start() and close()."""
        return self._router is not None

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _call(
        self, path: str, interface: str, method: str, sig: str = "", *args: object
    ) -> Any:
        from jeepney import DBusAddress, MessageType, new_method_call

        if self._router is None:
            raise DnssdError("not connected to avahi-daemon")
        from jeepney.io.common import RouterClosed

        address = DBusAddress(path, bus_name=AVAHI, interface=f"{AVAHI}.{interface}")
        call = asyncio.ensure_future(
            self._router.send_and_get_reply(new_method_call(address, method, sig, args))
        )
        # never cancelled half-way: jeepney's router dies when a reply meets a cancelled wait
        self._calls.add(call)
        call.add_done_callback(_retrieved)
        call.add_done_callback(self._calls.discard)
        try:
            reply = await asyncio.wait_for(asyncio.shield(call), CALL_TIMEOUT_S)
        except (OSError, TimeoutError, RouterClosed) as exc:
            raise DnssdError(f"avahi {method}: {exc or type(exc).__name__}") from exc
        if reply.header.message_type is MessageType.error:
            from jeepney.low_level import HeaderFields

            error = reply.header.fields.get(HeaderFields.error_name, "error")
            raise DnssdError(f"avahi {method}: {error}: {' '.join(map(str, reply.body))}")
        return reply.body

    async def _interfaces(self, names: Sequence[str]) -> tuple[int, ...]:
        if not names:
            return (IF_UNSPEC,)
        found = []
        for name in names:
            if name not in self._if_index:
                asked = await self._call("/", "Server", "GetNetworkInterfaceIndexByName", "s", name)
                self._if_index[name] = int(asked[0])
            found.append(self._if_index[name])
        return tuple(found)

    async def _in_order(self, calls: Sequence[Coroutine[Any, Any, Any]]) -> None:
        """Send *calls* at once and wait for every answer; raise the first failure.

        D-Bus keeps the order of one connection's messages, so avahi takes
        them as if each had waited for the last: one round trip, not several.
        """
        results = await asyncio.gather(*calls, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _register(
        self, service: Service, name: str, interfaces: tuple[int, ...]
    ) -> list[_Group]:
        groups = []
        txt = encode_txt(service.txt)
        for index in interfaces:
            (path,) = await self._call("/", "Server", "EntryGroupNew")
            group = _Group(path, service, name, index)
            groups.append(group)
            args = (index, PROTO_UNSPEC, 0, name, service.type, "", "")
            calls = [
                self._call(
                    path, "EntryGroup", "AddService", "iiussssqaay", *args, service.port, txt
                ),
                *(
                    self._call(
                        path, "EntryGroup", "AddServiceSubtype", "iiussss", *args[:6], sub_type
                    )
                    for sub_type in (f"{sub}._sub.{service.type}" for sub in service.subtypes)
                ),
                self._call(path, "EntryGroup", "Commit"),
            ]
            try:
                await self._in_order(calls)
            except DnssdError:
                self._if_index.clear()  # an interface that went and came back has a new index
                await self._free(groups)  # a refused name leaves no empty group behind
                raise
        return groups

    async def _state(self, groups: Sequence[_Group], poll_s: float = 0.05) -> int:
        deadline = asyncio.get_running_loop().time() + ESTABLISH_TIMEOUT_S
        while True:
            async with self._busy:
                states = [(await self._call(g.path, "EntryGroup", "GetState"))[0] for g in groups]
            if any(s in (COLLISION, FAILURE) for s in states) or all(
                s == ESTABLISHED for s in states
            ):
                return int(max(states))
            if asyncio.get_running_loop().time() > deadline:
                return REGISTERING
            await asyncio.sleep(poll_s)

    async def _free(self, groups: Sequence[_Group]) -> None:
        for group in groups:
            try:
                await self._call(group.path, "EntryGroup", "Free")
            except DnssdError as exc:
                log.debug("%s", exc)

    async def publish(self, key: str, service: Service) -> str:
        """Announce *service* under *key* (replacing what *key* had); return the name it got.

        It returns once avahi holds the registration: a name another service
        of this host has is refused at once, and its alternative is taken
        here; a second registration of the name on this host is refused from
        now on.  The probe on the network (about 0.75 s) goes on in the
        background, so queues start without waiting for it; a name another
        host holds is then replaced by its alternative there.
        """
        async with self._lock(key), self._busy:
            name = await self._publish_now(key, service, service.name)
        self._settle(key, service, 1)
        return name

    async def _publish_now(self, key: str, service: Service, name: str) -> str:
        """Register *service* as *name* or the first alternative free on this host."""
        await self._free(self._groups.pop(key, []))
        interfaces = await self._interfaces(service.interfaces)
        for _attempt in range(MAX_RENAMES):
            try:
                self._groups[key] = await self._register(service, name, interfaces)
            except DnssdError as exc:
                if "CollisionError" not in str(exc):
                    raise
            else:
                return name
            (name,) = await self._call("/", "Server", "GetAlternativeServiceName", "s", name)
            log.warning("DNS-SD name %r is taken; announcing as %r", service.name, name)
        raise DnssdError(f"no free DNS-SD name for {service.name!r}")

    def _settle(self, key: str, service: Service, attempt: int) -> None:
        task = asyncio.get_running_loop().create_task(self._wait_established(key, service, attempt))
        self._settling.add(task)  # a reference, or the loop may drop the task half-way
        task.add_done_callback(self._settling.discard)

    async def _wait_established(self, key: str, service: Service, attempt: int) -> None:
        """Wait for the probe of *key*'s groups; on a collision on the network, rename."""
        groups = self._groups.get(key, [])
        try:
            # asked rarely: a hundred queues announced at once must not flood the bus
            await asyncio.sleep(SETTLE_POLL_S)
            state = await self._state(groups, SETTLE_POLL_S) if groups else ESTABLISHED
            async with self._lock(key), self._busy:
                if state != COLLISION or self._groups.get(key) is not groups:
                    if state == FAILURE:
                        log.error("avahi could not register %r", groups[0].name)
                    return
                if attempt >= MAX_RENAMES:
                    log.error("no free DNS-SD name for %r", service.name)
                    return
                (name,) = await self._call(
                    "/", "Server", "GetAlternativeServiceName", "s", groups[0].name
                )
                log.warning(
                    "DNS-SD name %r is taken on the network; announcing as %r", groups[0].name, name
                )
                await self._publish_now(key, service, name)
        except DnssdError as exc:
            if self._groups.get(key) is groups:  # not when it was withdrawn meanwhile
                log.warning("DNS-SD announcement of %r: %s", service.name, exc)
            return
        self._settle(key, service, attempt + 1)

    async def update_txt(self, key: str, txt: Sequence[tuple[str, str]]) -> None:
        """Replace the TXT record of the service published under *key*."""
        async with self._lock(key), self._busy:
            for group in self._groups.get(key, []):
                args = (group.interface, PROTO_UNSPEC, 0, group.name, group.service.type, "")
                await self._call(
                    group.path,
                    "EntryGroup",
                    "UpdateServiceTxt",
                    "iiusssaay",
                    *args,
                    encode_txt(txt),
                )

    async def withdraw(self, key: str) -> None:
        """Withdraw what is published under *key* (nothing when nothing is)."""
        async with self._lock(key), self._busy:
            await self._free(self._groups.pop(key, []))
