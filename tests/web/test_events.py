"""The event publisher and the server-sent event stream."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from printerapp.web import events
from printerapp.web.events import EVENT_HUB, SNAPSHOT, EventHub, events_handler, format_event


def test_format_event_splits_lines() -> None:
    assert format_event("printers", '{"a":1}', 7) == b'event: printers\nid: 7\ndata: {"a":1}\n\n'
    assert format_event("x", "one\ntwo") == b"event: x\ndata: one\ndata: two\n\n"


def test_publish_reaches_every_client() -> None:
    async def scenario() -> None:
        hub = EventHub()
        one, two = hub.subscribe(), hub.subscribe()
        hub.publish("printers", {"n": 1})
        assert one.get_nowait() == ("printers", '{"n":1}')
        assert two.get_nowait() == ("printers", '{"n":1}')
        hub.unsubscribe(one)
        hub.publish("printers", {"n": 2})
        assert one.empty()
        assert two.get_nowait() == ("printers", '{"n":2}')

    asyncio.run(scenario())


def test_slow_client_is_told_to_resync_and_dropped() -> None:
    async def scenario() -> None:
        hub = EventHub(limit=3)
        slow = hub.subscribe()
        for n in range(4):
            hub.publish("printers", {"n": n})
        assert hub.clients == 0
        got = [slow.get_nowait() for _ in range(slow.qsize())]
        assert got[-1] == ("resync", "{}")
        assert len(got) == 3

    asyncio.run(scenario())


def test_publish_from_another_thread_goes_through_the_loop() -> None:
    async def scenario() -> None:
        hub = EventHub()
        queue = hub.subscribe()
        seen: list[str] = []

        def worker() -> None:
            seen.append(threading.current_thread().name)
            hub.publish_threadsafe("device", {"uri": "usb://x"})

        thread = threading.Thread(target=worker, name="monitor")
        thread.start()
        thread.join(5)
        name, data = await asyncio.wait_for(queue.get(), 5)
        assert (name, data) == ("device", '{"uri":"usb://x"}')
        assert seen == ["monitor"]

    asyncio.run(scenario())


def _sse_app(hub: EventHub, state: dict[str, Any]) -> web.Application:
    app = web.Application()
    app[EVENT_HUB] = hub

    async def current() -> dict[str, Any]:
        return dict(state)

    app[SNAPSHOT] = current
    app.router.add_get("/api/events", events_handler)

    async def close(_app: web.Application) -> None:
        hub.close()

    app.on_shutdown.append(close)
    return app


async def _next_event(resp: Any) -> tuple[str, str]:
    name = data = ""
    while True:
        line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and name:
            return name, data


def test_stream_sends_a_snapshot_then_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "WATCH_S", 0.02)

    async def scenario() -> None:
        hub = EventHub()
        state: dict[str, Any] = {"printers": []}
        client: TestClient[web.Request, web.Application] = TestClient(
            TestServer(_sse_app(hub, state))
        )
        await client.start_server()
        watcher = asyncio.create_task(events.watch(hub, client.app[SNAPSHOT]))
        try:
            resp = await client.get("/api/events")
            assert resp.headers["Content-Type"] == "text/event-stream"
            assert await _next_event(resp) == ("printers", '{"printers": []}')
            state["printers"] = ["Office"]
            while (event := await _next_event(resp)) == ("printers", '{"printers":[]}'):
                pass  # the watcher's first look may repeat the snapshot
            assert event == ("printers", '{"printers":["Office"]}')
            hub.publish("printer-added", {"name": "Lab"})
            assert await _next_event(resp) == ("printer-added", '{"name":"Lab"}')
            assert hub.clients == 1
            resp.close()
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            await client.close()

    asyncio.run(scenario())


def test_heartbeat_and_shutdown_end_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "HEARTBEAT_S", 0.05)

    async def scenario() -> None:
        hub = EventHub()
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(_sse_app(hub, {})))
        await client.start_server()
        try:
            resp = await client.get("/api/events")
            await _next_event(resp)
            lines = set()
            for _ in range(4):
                lines.add((await asyncio.wait_for(resp.content.readline(), 5)).strip())
            assert b": heartbeat" in lines
            hub.close()
            assert await asyncio.wait_for(resp.content.read(), 5) in (b"", b": heartbeat\n\n")
        finally:
            await client.close()

    asyncio.run(scenario())


def test_watch_computes_nothing_without_clients() -> None:
    async def scenario() -> None:
        hub = EventHub()
        calls: list[int] = []

        async def counted() -> dict[str, int]:
            calls.append(1)
            return {"n": len(calls)}

        watcher = asyncio.create_task(events.watch(hub, counted, interval=0.01))
        try:
            await asyncio.sleep(0.1)
            assert calls == []
            queue = hub.subscribe()
            name, data = await asyncio.wait_for(queue.get(), 5)
            assert name == "printers"
            assert json.loads(data)["n"] >= 1
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    asyncio.run(scenario())
