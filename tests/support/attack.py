"""A hostile crowd for the control server: half-open sockets and SSE clients that never read.

Shared by ``tests/web/test_hardening.py`` and ``bench/control_attack.py``.
Every socket is plain blocking ``socket`` on loopback; the caller closes
them with :func:`close_all`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Iterator, Sequence

__all__ = [
    "HALF_REQUEST",
    "add_printer",
    "close_all",
    "get",
    "half_open",
    "held",
    "latencies",
    "percentile",
    "silent_streams",
]

#: a request line and one header, but never the blank line that ends the headers
HALF_REQUEST = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1"
_STREAM = b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"


def _connect(port: int, source: str, payload: bytes) -> socket.socket | None:
    sock = socket.socket()
    try:
        # a tiny receive window: the server's writes to a silent reader block early
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(payload)
    except OSError:
        sock.close()
        return None
    return sock


def half_open(
    port: int, count: int, sources: Sequence[str] = ("127.0.0.1",)
) -> list[socket.socket]:
    """Open *count* connections that each send half a request and stop (round-robin sources)."""
    socks = (_connect(port, sources[i % len(sources)], HALF_REQUEST) for i in range(count))
    return [s for s in socks if s is not None]


def silent_streams(port: int, count: int, source: str = "127.0.0.1") -> list[socket.socket]:
    """Open *count* ``/api/events`` streams whose clients never read a byte."""
    socks = (_connect(port, source, _STREAM) for _ in range(count))
    return [s for s in socks if s is not None]


def close_all(socks: Sequence[socket.socket]) -> None:
    """Close every socket of the crowd."""
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.close()


@contextlib.contextmanager
def held(
    port: int, half: int, streams: int, sources: Sequence[str]
) -> Iterator[tuple[list[socket.socket], list[socket.socket]]]:
    """Hold *half* half-open sockets (over *sources*) and *streams* silent SSE clients."""
    attack = half_open(port, half, sources)
    sse: list[socket.socket] = []
    try:
        sse = silent_streams(port, streams)
        yield attack, sse
    finally:
        close_all(attack)
        close_all(sse)


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET *path* from the control server as a well-behaved client; return status and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def add_printer(port: int, ppd: str, name: str = "Attacked") -> int:
    """Add a printer (socket://127.0.0.1:9 with *ppd*) through the API; return the status."""
    body = json.dumps({"device_uri": "socket://127.0.0.1:9", "ppd": ppd, "name": name})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/printers", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def latencies(port: int, count: int, path: str = "/api/health") -> list[float]:
    """Time *count* GETs of *path*, one after another; a failed one raises."""
    out = []
    for _ in range(count):
        start = time.monotonic()
        status, _body = get(port, path)
        assert status == 200, status
        out.append(time.monotonic() - start)
    return out


def percentile(values: Sequence[float], share: float) -> float:
    """Return the *share* (0..1) percentile of *values*, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
