"""``GET /api/events``: server-sent events fed by an in-process publisher.

The manager (or anything on the loop) calls :meth:`EventHub.publish`; code
on another thread calls :meth:`EventHub.publish_threadsafe`, which reaches the
loop through ``call_soon_threadsafe`` only.  Each connected client has a
bounded queue: a client too slow to keep up is sent ``resync`` and dropped
from the hub, so one stalled browser never grows the daemon's memory; the
browser's EventSource reconnects and starts from a fresh snapshot.

:func:`watch` turns any snapshot function into events: it publishes
``printers`` whenever the snapshot changes, so state, jobs, plug and
countdown reach the page even from parts that publish nothing themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from printerapp.web.ratelog import RateLimitedLog

__all__ = [
    "EVENT_HUB",
    "HEARTBEAT_S",
    "QUEUE_LIMIT",
    "SNAPSHOT",
    "WATCH_S",
    "WRITE_TIMEOUT_S",
    "EventHub",
    "events_handler",
    "watch",
]

log = logging.getLogger(__name__)
_drops = RateLimitedLog(log)

#: a comment line this often keeps proxies and the browser from timing out
HEARTBEAT_S = 15.0
#: how often :func:`watch` compares the snapshot
WATCH_S = 1.0
#: events a client may fall behind before it is dropped
QUEUE_LIMIT = 256
#: seconds one write may wait for a client to read, before the client is dropped
WRITE_TIMEOUT_S = 10.0

Event = tuple[str, str]  # (event name, JSON data)
_CLOSE: Event = ("", "")


def format_event(name: str, data: str, event_id: int | None = None) -> bytes:
    """Return one server-sent event on the wire."""
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


class EventHub:
    """Fan events out to every connected client."""

    def __init__(self, limit: int = QUEUE_LIMIT, write_timeout: float | None = None) -> None:
        self.limit = limit
        #: seconds a client may go without reading before it is dropped
        self.write_timeout = WRITE_TIMEOUT_S if write_timeout is None else write_timeout
        self._clients: set[asyncio.Queue[Event]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        #: events published so far (the SSE ``id``)
        self.count = 0
        #: set when a client connects: :func:`watch` sleeps on it while nobody listens
        self._joined = asyncio.Event()

    @property
    def clients(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    def publish(self, name: str, data: Any) -> None:
        """Send event *name* with JSON-serialisable *data* to every client (on the loop)."""
        self.count += 1
        event = (name, json.dumps(data, separators=(",", ":"), sort_keys=True))
        for queue in list(self._clients):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                _drops.warning("event client too slow; dropping it (it will reconnect)")
                self._clients.discard(queue)
                queue.get_nowait()
                queue.put_nowait(("resync", "{}"))

    def publish_threadsafe(self, name: str, data: Any) -> None:
        """Publish from another thread (a monitor), through the loop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.publish, name, data)

    def subscribe(self) -> asyncio.Queue[Event]:
        """Return a new client's queue (on the loop)."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event] = asyncio.Queue(self.limit)
        self._clients.add(queue)
        self._joined.set()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        """Forget a client."""
        self._clients.discard(queue)

    async def wait_for_client(self) -> None:
        """Return once a client is connected (at once if one is)."""
        while not self._clients:
            self._joined.clear()
            await self._joined.wait()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the loop that :meth:`publish_threadsafe` must reach."""
        self._loop = loop

    def close(self) -> None:
        """End every client's stream (server shutdown)."""
        self.closed = True
        for queue in list(self._clients):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(_CLOSE)
        self._clients.clear()


EVENT_HUB = web.AppKey("event_hub", EventHub)
Snapshot = Callable[[], Awaitable[Any]]
SNAPSHOT: web.AppKey[Snapshot] = web.AppKey("event_snapshot")


async def events_handler(request: web.Request) -> web.StreamResponse:
    """Stream events: a ``printers`` snapshot first, then every change."""
    hub = request.app[EVENT_HUB]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    timeout = hub.write_timeout
    try:
        await _send(response, b"retry: 2000\n\n", timeout)
        snapshot = json.dumps(await request.app[SNAPSHOT]())
        await _send(response, format_event("printers", snapshot), timeout)
        while not hub.closed:
            try:
                name, data = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await _send(response, b": heartbeat\n\n", timeout)
                continue
            if (name, data) == _CLOSE:
                break
            await _send(response, format_event(name, data, hub.count), timeout)
            if name == "resync":
                break
    except ConnectionResetError:
        log.debug("event client went away")
    except TimeoutError:
        # it has not read for the write timeout: drop it, with what is buffered for it
        _drops.warning("event client has not read for %g s; dropping it", timeout)
        if request.transport is not None:
            request.transport.abort()
    finally:
        hub.unsubscribe(queue)
    return response


async def _send(response: web.StreamResponse, data: bytes, within: float) -> None:
    async with asyncio.timeout(within):
        await response.write(data)


async def watch(hub: EventHub, snapshot: Snapshot, interval: float | None = None) -> None:
    """Publish ``printers`` whenever ``await snapshot()`` changes; run until cancelled.

    With no client connected nothing is computed (a snapshot asks every queue
    for its jobs) and the loop sleeps until one connects.  The first snapshot
    after a client connects is published too: it may repeat the one the
    client got on connecting, which is harmless, and nothing that changed in
    between is lost.
    """
    last = None
    while True:
        if hub.clients == 0:
            last = None
            await hub.wait_for_client()
        else:
            current = json.dumps(await snapshot(), sort_keys=True)
            if current != last:
                hub.publish("printers", json.loads(current))
                last = current
        await asyncio.sleep(WATCH_S if interval is None else interval)
