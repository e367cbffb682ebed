"""``[control]`` limits reach the real daemon's control server: shrunk, they are enforced."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import Daemon, kill_queues

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path, "[control]\nheader_timeout = 1\nmax_line = 512\nmax_per_address = 3\n")
    try:
        yield d
    finally:
        d.stop()
        kill_queues(d.state)


def _read_all(sock: socket.socket, within: float) -> bytes:
    sock.settimeout(within)
    out = b""
    try:
        while chunk := sock.recv(4096):
            out += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return out


@pytest.mark.timeout(120)
def test_shrunk_control_limits_are_enforced(daemon: Daemon) -> None:
    daemon.start()
    addr = ("127.0.0.1", daemon.control)
    # a header timeout of 1 s, not the default 10 s
    with socket.create_connection(addr) as silent:
        start = time.monotonic()
        answer = _read_all(silent, 5)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - start < 3
    # a request line over 512 bytes (the default takes 8,190) is refused with 400
    with socket.create_connection(addr) as long:
        long.sendall(b"GET /api/health?" + b"x" * 600 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = _read_all(long, 5)
        assert answer.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400")), answer
        assert b"512" in answer, answer  # the configured limit, named
    # three connections from one address: a fourth evicts the oldest still sending headers
    held = [socket.create_connection(addr) for _ in range(3)]
    try:
        time.sleep(0.2)
        with socket.create_connection(addr) as fourth:
            assert _read_all(held[0], 0.5) == b""  # closed unanswered to make room
            fourth.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            fourth.settimeout(5)
            assert fourth.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
    assert daemon.api("/api/health") is not None
