"""The control server's front door: connection caps, a header deadline, clean refusals.

aiohttp holds a connection that sends half a request for as long as its
keep-alive timeout, and accepts as many as the process has descriptors, so
a few hundred idle sockets could starve the daemon of the files it needs to
save its state and start queues.  :class:`ConnectionGuard` wraps aiohttp's
protocol factory:

* at most :attr:`Limits.connections` connections in all (sized from the
  descriptor limit, leaving the rest to the daemon) and
  :attr:`Limits.per_client` from one address;
* at a cap, the oldest connection still sending its request headers (else
  the oldest idle kept-alive one) is closed to make room; when every
  connection is busy with a request the new one is answered ``503`` with
  ``Retry-After`` and closed;
* a connection must send its first request's headers within
  :attr:`Limits.header_timeout` seconds (``408``, then closed); between
  requests aiohttp's keep-alive timeout (:attr:`Limits.keepalive`) applies.

Request lines and headers over the aiohttp limits below get ``400``;
aiohttp's one traceback per bad request becomes one rate-limited line.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from printerapp.web.events import WRITE_TIMEOUT_S
from printerapp.web.ratelog import RateLimitedLog

__all__ = [
    "FD_SHARE",
    "HEADER_TIMEOUT_S",
    "KEEPALIVE_S",
    "LINGER_S",
    "MAX_CONNECTIONS",
    "MAX_FIELD",
    "MAX_HEADERS",
    "MAX_LINE",
    "MAX_PER_CLIENT",
    "SEND_BUFFER",
    "ConnectionGuard",
    "Limits",
    "quiet_accept_errors",
    "start_control_server",
]

log = logging.getLogger(__name__)

#: seconds a new connection has to send its first request's headers
HEADER_TIMEOUT_S = 10.0
#: seconds an idle kept-alive connection stays open between requests
KEEPALIVE_S = 15.0
#: connections in all, at most (and at most 1/FD_SHARE of the descriptor limit)
MAX_CONNECTIONS = 1024
#: the control server may hold this fraction (1/FD_SHARE) of the process's descriptors
FD_SHARE = 2
#: connections from one client address
MAX_PER_CLIENT = 256
#: seconds aiohttp goes on reading a body it refused, so the client sees the answer
LINGER_S = 2.0
#: bytes of the request line, of one header, and the number of headers
MAX_LINE = 8190
MAX_FIELD = 8190
MAX_HEADERS = 64
#: bytes the kernel may buffer towards one client (Linux doubles it): without a
#: cap it grows to tcp_wmem's maximum, 4 MiB, for every client that never reads
SEND_BUFFER = 128 * 1024
#: what a refused client is told to wait
RETRY_AFTER_S = 5

_BUSY = b'{"error": "the control server is busy: too many connections"}'
_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: %d\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
) % (RETRY_AFTER_S, len(_BUSY), _BUSY)
_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_ACCEPT_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

_refusals = RateLimitedLog(log)
#: evictions and deadlines: routine under attack, so a trickle even at DEBUG
_closings = RateLimitedLog(log)
#: asyncio reports a failed accept() once per attempt, up to the backlog at a time
_accept_failures = RateLimitedLog(log, burst=1, interval=10.0)
#: the logger handed to aiohttp's request handler (bad requests, handler crashes)
HTTP_LOG = logging.getLogger("printerapp.web.requests")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of the daemon one control server may hold (``[control]`` in the config)."""

    connections: int = MAX_CONNECTIONS
    per_client: int = MAX_PER_CLIENT
    header_timeout: float = HEADER_TIMEOUT_S
    keepalive: float = KEEPALIVE_S
    max_line: int = MAX_LINE
    max_field: int = MAX_FIELD
    max_headers: int = MAX_HEADERS
    #: seconds an event stream client may go without reading
    event_write_timeout: float = WRITE_TIMEOUT_S

    @classmethod
    def for_fd_limit(cls, nofile: int) -> Limits:
        """Return the default limits for a process allowed *nofile* descriptors."""
        return cls().sized(nofile)

    def sized(self, nofile: int) -> Limits:
        """Return these limits with the connection caps within 1/FD_SHARE of *nofile*."""
        total = max(16, min(self.connections, nofile // FD_SHARE))
        return replace(self, connections=total, per_client=min(self.per_client, total))

    def handler_args(self) -> dict[str, Any]:
        """Return the arguments of aiohttp's request handler."""
        return {
            "keepalive_timeout": self.keepalive,
            "max_line_size": self.max_line,
            "max_field_size": self.max_field,
            "max_headers": self.max_headers,
            "lingering_time": LINGER_S,
            "logger": HTTP_LOG,
            "access_log": None,
        }


class ConnectionGuard:
    """A protocol factory that admits, times and counts the connections of another."""

    def __init__(self, factory: Callable[[], asyncio.Protocol], limits: Limits) -> None:
        self.factory = factory
        self.limits = limits
        self._clients: Counter[str] = Counter()
        self._open: dict[_Guarded, str] = {}
        #: connections still sending their first headers, oldest first
        self._pending: dict[_Guarded, None] = {}

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self)

    @property
    def open(self) -> int:
        """How many connections are admitted now."""
        return len(self._open)

    def admit(self, conn: _Guarded, peer: str) -> bool:
        """Count *conn* from *peer* in, closing an idle one for room; False: refuse it."""
        full = self._clients[peer] >= self.limits.per_client
        if full and not self._evict(lambda c: self._open[c] == peer):
            _refusals.warning("control server: %s has too many connections; refused", peer)
            return False
        if len(self._open) >= self.limits.connections and not self._evict(lambda c: True):
            _refusals.warning("control server: %d connections open; refused %s", self.open, peer)
            return False
        self._open[conn] = peer
        self._clients[peer] += 1
        self._pending[conn] = None
        return True

    def _evict(self, which: Callable[[_Guarded], bool]) -> bool:
        idle = (c for c in self._open if c.idle)
        victim = next((c for c in itertools.chain(self._pending, idle) if which(c)), None)
        if victim is None:
            return False
        _closings.log(
            logging.DEBUG,
            "control server: at a limit; closing an idle connection of %s",
            self._open[victim],
        )
        self.release(victim)
        victim.abort()
        return True

    def headers_done(self, conn: _Guarded) -> None:
        """Note that *conn* sent its first request's headers."""
        self._pending.pop(conn, None)

    def release(self, conn: _Guarded) -> None:
        """Count *conn* out (closed or evicted); idempotent."""
        self._pending.pop(conn, None)
        peer = self._open.pop(conn, None)
        if peer is not None:
            self._clients[peer] -= 1
            if not self._clients[peer]:
                del self._clients[peer]


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's protocol behind the guard's admission and deadline."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self._guard = guard
        self._inner: asyncio.Protocol | None = None
        self._transport: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast("asyncio.Transport", transport)  # a TCP server's are
        self._transport = transport
        peer = transport.get_extra_info("peername")
        if not self._guard.admit(self, str(peer[0]) if peer else "?"):
            transport.write(_REFUSAL)
            transport.close()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.limits.header_timeout, self._expire)
        self._inner = self._guard.factory()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            return  # refused: the 503 is on its way
        if self._deadline is not None:
            seen, self._tail = self._tail + data, (self._tail + data)[-3:]
            if b"\r\n\r\n" in seen or b"\n\n" in seen:
                self._deadline.cancel()
                self._deadline = None
                self._guard.headers_done(self)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self._inner is None else self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._guard.release(self)
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    @property
    def idle(self) -> bool:
        """Whether the connection waits, between requests, for its next one."""
        # aiohttp's handler sets this while a request is being handled (no public
        # way to ask); if a release renames it, nothing is idle, nothing evicted
        busy = getattr(self._inner, "_request_in_progress", True)
        return self._deadline is None and self._inner is not None and busy is False

    def abort(self) -> None:
        """Close at once, unanswered (an idle connection evicted for room)."""
        if self._transport is not None:
            self._transport.abort()

    def _expire(self) -> None:
        self._deadline = None
        _closings.log(logging.DEBUG, "control server: no request headers in time; closing")
        if self._transport is not None:
            self._transport.write(_TIMEOUT)
            self._transport.close()


class GuardedSite(web.TCPSite):
    """A TCP site whose connections go through a :class:`ConnectionGuard`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, limits: Limits) -> None:
        super().__init__(runner, host, port)
        # BaseSite refuses a runner that is not set up: its server exists
        self.guard = ConnectionGuard(cast("web.Server", runner.server), limits)

    async def start(self) -> None:
        """Listen, handing every connection to the guard."""
        await web.BaseSite.start(self)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self.guard, self._host, self._port, backlog=self._backlog
        )
        self._bound_port = int(self._server.sockets[0].getsockname()[1])


class _BadRequests(RateLimitedLog):
    """aiohttp's log: a malformed request is one warning line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = (
                "bad request from %s: %d %.200s",
                (remote, exc.code, exc.message),
            )
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return super().filter(record)


HTTP_LOG.addFilter(_BadRequests(HTTP_LOG))


async def start_control_server(
    app: web.Application, host: str, port: int, limits: Limits
) -> tuple[web.AppRunner, GuardedSite]:
    """Serve *app* on *host*:*port* behind the guard; return its runner and site."""
    runner = web.AppRunner(app, **limits.handler_args())
    await runner.setup()
    site = GuardedSite(runner, host, port, limits)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, site


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Make a failed accept() (out of descriptors) one rate-limited line, not a traceback."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in _ACCEPT_ERRORS:
            _accept_failures.warning("control server: cannot accept a connection: %s", exc)
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
