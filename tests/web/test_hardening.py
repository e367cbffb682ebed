"""The control server under attack: caps, deadlines, bad requests, silent clients, log floods.

The in-process tests serve the real control app and dashboard through the
daemon's own :func:`start_control_server` on 127.0.0.1 with shrunk limits;
the last test runs the real daemon in a subprocess at a 1,024-descriptor
limit and holds 1,100 half-open sockets and 200 silent event streams on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from printerapp.manager.drivers import DatabaseDrivers
from printerapp.manager.system import Manager, ManagerSettings
from printerapp.web import events, http, security
from printerapp.web.app import add_dashboard
from printerapp.web.control import control_app
from printerapp.web.events import EventHub
from printerapp.web.guard import ConnectionGuard, Limits, start_control_server
from printerapp.web.ratelog import Budget, RateLimitedLog
from tests.support.attack import (
    add_printer,
    close_all,
    half_open,
    held,
    latencies,
    percentile,
)
from tests.support.server import Daemon, kill_queues
from tests.web.conftest import PORTS, PXLMONO

pytestmark = pytest.mark.timeout(60)

HALF = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1"
STREAM = b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@dataclass
class Guarded:
    """A control server behind its guard, served in this process."""

    port: int
    guard: ConnectionGuard
    hub: EventHub

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def guarded(state: Path, db: DatabaseDrivers, limits: Limits) -> AsyncIterator[Guarded]:
    """Serve the control app and dashboard of a real (empty) Manager behind *limits*."""
    manager = Manager(ManagerSettings(state, ports=PORTS), db)
    await manager.start()
    app = control_app(manager, list)
    parts = add_dashboard(app, manager, bind_host="127.0.0.1", state_dir=state)
    runner, site = await start_control_server(app, "127.0.0.1", 0, limits)
    try:
        yield Guarded(site.port, site.guard, parts.hub)
    finally:
        await runner.cleanup()
        await manager.shutdown()


def _run(
    state: Path, db: DatabaseDrivers, limits: Limits, body: Callable[[Guarded], Awaitable[None]]
) -> None:
    async def scenario() -> None:
        async with guarded(state, db, limits) as g:
            await asyncio.wait_for(body(g), 40)

    asyncio.run(scenario())


async def _raw(port: int, payload: bytes, source: str = "127.0.0.1") -> socket.socket:
    """Connect from *source*, send *payload*; a tiny receive buffer, never read by us."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    sock.bind((source, 0))
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, payload)
    return sock


async def _answer(sock: socket.socket, seconds: float = 5.0) -> bytes:
    """Read what the server sends until it closes (or *seconds* pass)."""
    loop = asyncio.get_running_loop()
    got = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        async with asyncio.timeout(seconds):
            while chunk := await loop.sock_recv(sock, 65536):
                got += chunk
    return got


async def _health(url: str, source: str = "127.0.0.1") -> float:
    """GET /api/health as a well-behaved client; return the seconds it took."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0), force_close=True)
    start = time.monotonic()
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"{url}/api/health") as response,
    ):
        assert response.status == 200, await response.text()
    return time.monotonic() - start


async def _until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    """Wait until *condition* holds (the server runs on this loop too)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _close(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Fail the test if anything logged a traceback."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    with_trace = [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text]
    assert not with_trace, with_trace
    assert "Traceback" not in caplog.text


# -- the rate limiter ---------------------------------------------------------------


def test_budget_lets_a_burst_through_then_reports_what_it_held_back() -> None:
    now = [0.0]
    budget = Budget(burst=3, interval=10, clock=lambda: now[0])
    assert [budget.take() for _ in range(5)] == [0, 0, 0, None, None]
    now[0] = 10.5
    assert budget.take() == 2  # the first line of the next window reports the two held back
    assert budget.take() == 0


def test_rate_limited_log_writes_one_summary(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    limited = RateLimitedLog(logging.getLogger("test.ratelog"), burst=2, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "test.ratelog"):
        for n in range(1000):
            limited.warning("refused %d", n)
        now[0] = 61.0
        limited.warning("refused %d", 1000)
    assert [r.getMessage() for r in caplog.records] == [
        "refused 0",
        "refused 1",
        "refused 1000 [998 similar lines suppressed]",
    ]


# -- sizing, descriptors and failed accepts -----------------------------------------


def test_limits_leave_half_the_descriptors_to_the_daemon() -> None:
    assert (Limits.for_fd_limit(1024).connections, Limits.for_fd_limit(1024).per_client) == (
        512,
        256,
    )
    assert Limits.for_fd_limit(1 << 20).connections == 1024
    assert Limits.for_fd_limit(20).connections == 16


def test_daemon_raises_its_soft_descriptor_limit_to_the_hard_one() -> None:
    code = "from printerapp.server.daemon import raise_fd_limit; print(raise_fd_limit(65536))"
    out = subprocess.run(
        ["prlimit", "--nofile=256:4096", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.strip() == "4096"


#: a control server at 40 descriptors with a cap far above it: accept() must fail
_EMFILE_SERVER = """
import asyncio, logging, resource, sys
from aiohttp import web
from printerapp.web.guard import Limits, quiet_accept_errors, start_control_server
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
async def main():
    quiet_accept_errors(asyncio.get_running_loop())
    app, limits = web.Application(), Limits(10000, 10000)
    runner, site = await start_control_server(app, "127.0.0.1", 0, limits)
    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))
    print(site.port, flush=True)
    await asyncio.sleep(4)
    await runner.cleanup()
asyncio.run(main())
"""


def test_accept_out_of_descriptors_is_one_line_not_a_traceback_each(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _EMFILE_SERVER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        socks = half_open(port, 100)
        time.sleep(3)
        close_all(socks)
        _out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    lines = err.decode().splitlines()
    accepts = [line for line in lines if "cannot accept a connection" in line]
    assert accepts, err.decode()[-2000:]  # the limit really was hit
    assert "Traceback" not in err.decode()
    assert len(accepts) == 1  # 3 s of failing hundreds of accepts: one line
    assert len(err) < 20_000


# -- deadlines and caps -------------------------------------------------------------


def test_half_open_connections_get_408_and_are_closed(
    tmp_path: Path, drivers: DatabaseDrivers, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    async def body(g: Guarded) -> None:
        socks = [await _raw(g.port, HALF) for _ in range(20)]
        idle = await _raw(g.port, b"")  # says nothing at all
        await _until(lambda: g.guard.open == 21)
        start = time.monotonic()
        answers = await asyncio.gather(*(_answer(s) for s in [*socks, idle]))
        assert time.monotonic() - start < 3
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[0]
        assert g.guard.open == 0
        _close([*socks, idle])

    _run(tmp_path, drivers, Limits(header_timeout=0.5), body)


def test_a_client_at_its_cap_displaces_its_own_oldest_idle_connection(
    tmp_path: Path, drivers: DatabaseDrivers, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    async def body(g: Guarded) -> None:
        socks = [await _raw(g.port, HALF) for _ in range(40)]
        await asyncio.sleep(0.2)
        await _until(lambda: g.guard.open == 8)  # the per-client cap: the older ones closed
        assert await _answer(socks[0], 1) == b""  # closed unanswered
        assert await _health(g.url) < 1  # the same address still gets in
        more = [await _raw(g.port, HALF, "127.0.0.2") for _ in range(40)]
        await asyncio.sleep(0.2)
        await _until(lambda: g.guard.open == 12)  # the total cap
        assert await _health(g.url, "127.0.0.3") < 1
        _close(socks + more)

    _run(tmp_path, drivers, Limits(connections=12, per_client=8, header_timeout=30), body)


def test_idle_kept_alive_connections_make_room_too(
    tmp_path: Path, drivers: DatabaseDrivers, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    async def body(g: Guarded) -> None:
        kept = [await _raw(g.port, HALF + b"\r\n\r\n") for _ in range(4)]
        loop = asyncio.get_running_loop()
        for sock in kept:  # each got its answer and stays open for the next request
            assert (await loop.sock_recv(sock, 65536)).startswith(b"HTTP/1.1 200 ")
        assert g.guard.open == 4
        assert await _health(g.url) < 1
        assert await _answer(kept[0], 1) == b""  # the oldest idle one made room
        _close(kept)

    _run(tmp_path, drivers, Limits(connections=4, per_client=4), body)


def test_busy_server_answers_503_with_retry_after(
    tmp_path: Path, drivers: DatabaseDrivers, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    async def body(g: Guarded) -> None:
        streams = [await _raw(g.port, STREAM) for _ in range(4)]  # busy with a request each
        await _until(lambda: g.hub.clients == 4)
        refused = await _answer(await _raw(g.port, HALF))
        head, _, payload = refused.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 "), refused
        assert b"Retry-After: 5" in head
        assert json.loads(payload)["error"].startswith("the control server is busy")
        _close(streams[:1])
        await asyncio.sleep(0.2)
        assert await _health(g.url) < 1
        _close(streams[1:])

    _run(tmp_path, drivers, Limits(connections=4, per_client=4), body)


# -- bad requests -------------------------------------------------------------------


def test_oversized_requests_get_4xx_and_one_line_each(
    tmp_path: Path,
    drivers: DatabaseDrivers,
    no_tracebacks: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "BODY_TIMEOUT_S", 0.5)
    post = (
        b"POST /api/printers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n"
    )
    cases = {
        "request line": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        "header": (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            400,
        ),
        "headers": (b"GET / HTTP/1.1\r\n" + b"X-A: 1\r\n" * 200 + b"\r\n", 400),
        "body": (post + b"Content-Length: 20000\r\n\r\n" + b"{" * 20000, 413),
        "chunked body": (
            post + b"Transfer-Encoding: chunked\r\n\r\n5000\r\n" + b" " * 0x5000 + b"\r\n0\r\n\r\n",
            413,
        ),
        "slow body": (post + b"Content-Length: 100\r\n\r\n{", 408),
        "multipart": (
            post.replace(b"application/json", b"multipart/form-data; boundary=x")
            + b"Content-Length: 4\r\n\r\n--x-",
            415,
        ),
    }

    async def body(g: Guarded) -> None:
        for what, (request, status) in cases.items():
            answer = await _answer(await _raw(g.port, request))
            assert answer[:12] in (b"HTTP/1.0 %d" % status, b"HTTP/1.1 %d" % status), (
                what,
                answer[:200],
            )
        assert await _health(g.url) < 1
        bad = [r for r in no_tracebacks.records if r.getMessage().startswith("bad request from")]
        assert len(bad) == 3  # the three the HTTP parser refused, one line each
        assert all(len(r.getMessage()) < 300 for r in no_tracebacks.records)

    _run(tmp_path, drivers, Limits(), body)


def test_refusals_flood_the_log_no_more_than_the_budget(
    tmp_path: Path,
    drivers: DatabaseDrivers,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    limited = RateLimitedLog(security.log, burst=5, interval=60, clock=lambda: now[0])
    monkeypatch.setattr(security, "_refusals", limited)
    caplog.set_level(logging.WARNING, "printerapp.web.security")

    async def body(g: Guarded) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                async with session.get(
                    f"{g.url}/api/health", headers={"Host": "evil.example"}
                ) as r:
                    assert r.status == 403
            now[0] = 61.0
            async with session.delete(f"{g.url}/api/printers/x", headers={"Host": "evil"}) as r:
                assert r.status == 403

    _run(tmp_path, drivers, Limits(), body)
    lines = [r.getMessage() for r in caplog.records if r.name == "printerapp.web.security"]
    assert len(lines) == 6, lines
    assert lines[-1].endswith("[195 similar lines suppressed]")


# -- silent event clients -----------------------------------------------------------


def _rss() -> int:
    """This process's resident memory in bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _events_seen(url: str, want: int) -> int:
    """Read the event stream as a browser would; return how many ``big`` events came."""
    seen = 0
    timeout = aiohttp.ClientTimeout(total=20)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{url}/api/events") as response,
    ):
        async for line in response.content:
            seen += line == b"event: big\n"
            if seen == want:
                break
    return seen


def test_silent_event_clients_are_dropped_and_others_served(
    tmp_path: Path,
    drivers: DatabaseDrivers,
    no_tracebacks: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "WRITE_TIMEOUT_S", 0.5)
    count, size = 40, 64 * 1024

    async def body(g: Guarded) -> None:
        silent = [await _raw(g.port, STREAM) for _ in range(200)]
        reader = asyncio.create_task(_events_seen(g.url, count))
        await _until(lambda: g.hub.clients == 201, 10)
        base, peak = _rss(), 0
        for n in range(count):
            g.hub.publish("big", {"n": n, "pad": "x" * size})
            assert await _health(g.url) < 1
            peak = max(peak, _rss() - base)
            await asyncio.sleep(0.02)
        assert await reader == count  # a client that reads gets every event
        # every silent client is dropped after WRITE_TIMEOUT_S, its buffers with it
        await _until(lambda: g.guard.open == 0, 5)
        assert g.hub.clients <= 1  # the reader's handler notices at its next write
        assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB more for 200 silent clients"
        _close(silent)

    _run(tmp_path, drivers, Limits(), body)


# -- the real daemon at a 1,024-descriptor limit ------------------------------------


def _fds(pid: int) -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


@pytest.mark.e2e
@pytest.mark.needs_root
@pytest.mark.usefixtures("avahi")
def test_daemon_at_1024_descriptors_outlives_1100_half_open_sockets(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, prefix=["prlimit", "--nofile=1024:1024", "--"])
    try:
        daemon.start()
        assert daemon.proc is not None
        before = daemon.log.stat().st_size
        sources = ["127.0.0.1", *(f"127.0.0.{n}" for n in range(2, 10))]
        with held(daemon.control, 1100, 200, sources) as (attack, sse):
            assert len(attack) == 1100
            assert len(sse) == 200
            times = latencies(daemon.control, 20)
            fds = _fds(daemon.proc.pid)
            start = time.monotonic()
            assert (
                add_printer(daemon.control, PXLMONO) == 201
            )  # a queue starts and the state is saved
            added_in = time.monotonic() - start
            times += latencies(daemon.control, 20, "/api/printers")
        state = json.loads((daemon.state / "state.json").read_text())
        assert "Attacked" in json.dumps(state)
        assert percentile(times, 1.0) < 1, times
        assert fds < 1000, fds  # the cap leaves the daemon its own descriptors
        log = daemon.log.read_bytes()[before:]
        assert len(log) < 1_000_000
        assert b"Traceback" not in log, log[-3000:]
        assert b"Too many open files" not in log, log[-3000:]
        print(f"p50 {percentile(times, 0.5) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, ")
        print(f"{fds} descriptors, add printer {added_in:.1f} s, log +{len(log)} bytes")
    finally:
        daemon.stop()
        kill_queues(daemon.state)
