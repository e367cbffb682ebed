"""A queue's front: real ippeveprinter behind it, ipptool and raw sockets in front."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from printerapp.ipp.attrs import PRINTER_GROUP, encode_attribute
from printerapp.ipp.peek import IppRequestHead
from printerapp.ippprint.statusfile import PrinterStatus
from printerapp.manager import front as front_mod
from printerapp.manager.front import QueueFront
from printerapp.manager.overlay import make_rewrite, status_changes
from printerapp.manager.queue import PortInUseError
from tests.support.cupsd import free_port
from tests.support.ippprinter import TESTPAGE, Printer, ipptool

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("avahi")]

PPD = Path("/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd")
GPA = "/usr/share/cups/ipptool/get-printer-attributes.test"
_T = TypeVar("_T")


class Loop:
    """An event loop in a thread: the front serves while the test runs ipptool."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def fronted(tmp_path: Path) -> Iterator[tuple[Printer, QueueFront, int, list[tuple[int, str]]]]:
    printer = Printer(tmp_path / "queue", PPD, {})
    seen: list[tuple[int, str]] = []

    def observe(_port: int, head: IppRequestHead, client: str) -> None:
        seen.append((head.operation_id, client))

    loop = Loop()
    front = QueueFront(observe)
    port = free_port()
    try:
        loop.run(front.open(port, printer.port, make_rewrite(printer.spool)))
        yield printer, front, port, seen
    finally:
        loop.run(front.close_all())
        loop.close()
        printer.stop()


def test_clients_print_through_the_front(
    fronted: tuple[Printer, QueueFront, int, list[tuple[int, str]]],
) -> None:
    printer, _front, port, seen = fronted
    uri = f"ipp://localhost:{port}/ipp/print"
    out = ipptool(uri, GPA)
    assert "[PASS]" in out, out
    # ippeveprinter builds its URIs from the Host header: clients get the front's port
    assert f"ipp://localhost:{port}/ipp/print" in out
    # Print-Job: a chunked body after 100-continue, then Get-Job-Attributes on the connection
    out = ipptool(
        "-f",
        str(TESTPAGE),
        "-d",
        "filetype=application/pdf",
        uri,
        str(printer.workdir / "print.test"),
    )
    assert "[PASS]" in out, out
    assert (0x000B, "::1") in seen or (0x000B, "127.0.0.1") in seen
    assert any(op == 0x0002 for op, _client in seen)


def test_watchers_are_told_of_each_request_with_its_port(
    fronted: tuple[Printer, QueueFront, int, list[tuple[int, str]]],
) -> None:
    _printer, front, port, seen = fronted
    watched: list[tuple[int, int]] = []

    def watcher(p: int, head: IppRequestHead, _client: str) -> None:
        watched.append((p, head.operation_id))

    front.watch(watcher)
    out = ipptool(f"ipp://localhost:{port}/ipp/print", GPA)
    assert "[PASS]" in out, out
    assert watched == [(port, op) for op, _client in seen]
    assert (port, 0x000B) in watched
    front.unwatch(watcher)
    assert "[PASS]" in ipptool(f"ipp://localhost:{port}/ipp/print", GPA)
    assert len(watched) < len(seen)  # the observer is still told; the watcher no more


def test_the_front_completes_answers_only_while_processing(
    fronted: tuple[Printer, QueueFront, int, list[tuple[int, str]]],
) -> None:
    printer, _front, port, _seen = fronted
    (printer.spool / "printer-status.json").write_text(
        '{"reasons": ["offline"], "message": "Printer not responding: refused"}'
    )
    out = ipptool(f"ipp://localhost:{port}/ipp/print", GPA)
    # idle: a status left by an old job says nothing about the printer now
    assert "printer-state-message (textWithoutLanguage) = Idle." in out, out


def test_garbage_and_cut_requests_do_not_hurt_the_front(
    fronted: tuple[Printer, QueueFront, int, list[tuple[int, str]]],
) -> None:
    _printer, _front, port, _seen = fronted
    for junk in (b"\x16\x03\x01\x02\x00garbage\r\n\r\n", b"POST /ipp/print HTTP/1.1\r\nContent-"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(10)
            while sock.recv(4096):
                pass
    assert "[PASS]" in ipptool(f"ipp://127.0.0.1:{port}/ipp/print", GPA)


def test_a_taken_port_is_refused_at_once(tmp_path: Path) -> None:
    loop = Loop()
    try:
        with socket.socket() as other:
            other.bind(("127.0.0.1", 0))
            other.listen()
            taken = other.getsockname()[1]
            front = QueueFront()
            with pytest.raises(PortInUseError, match=f"port {taken}"):
                loop.run(front.open(taken, 1))
            assert front.upstream(taken) is None
    finally:
        loop.close()


def _group(state: int, reasons: list[str]) -> dict[str, bytes]:
    return {
        "printer-state": encode_attribute("printer-state", ("enum", [state])),
        "printer-state-reasons": encode_attribute("printer-state-reasons", ("keyword", reasons)),
        "printer-state-message": encode_attribute("printer-state-message", ("text", ["x"])),
    }


def test_status_changes_name_what_ippeveprinter_calls_other() -> None:
    status = PrinterStatus(("connecting-to-device", "offline"), "Printer not responding.")
    changes = status_changes(_group(4, ["other", "media-low"]), status)
    assert changes["printer-state-reasons"] == (
        "keyword",
        ["media-low", "connecting-to-device", "offline-report"],
    )
    assert changes["printer-state-message"] == ("text", ["Printer not responding."])
    assert status_changes(_group(3, ["other"]), status) == {}
    assert status_changes(_group(4, ["none"]), None) == {}
    assert status_changes(_group(4, ["none"]), PrinterStatus((), "Waiting to retry")) == {
        "printer-state-message": ("text", ["Waiting to retry"])
    }


def test_a_broken_answer_passes_unchanged(tmp_path: Path) -> None:
    rewrite = make_rewrite(tmp_path)
    head = IppRequestHead((2, 0), 0x000B, 1)
    body = struct.pack(">BBHI", 2, 0, 0, 1) + bytes([PRINTER_GROUP]) + b"\x44\x00\x09cut"
    assert rewrite(head, body) == body


def test_one_client_cannot_hold_every_connection(
    fronted: tuple[Printer, QueueFront, int, list[tuple[int, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _printer, _front, port, _seen = fronted
    monkeypatch.setattr(front_mod, "MAX_PER_ADDRESS", 4)
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    try:
        for sock in held:  # each relayed: ippeveprinter answers a request on it
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert sock.recv(12).startswith(b"HTTP/1.1")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
            extra.settimeout(10)
            assert extra.recv(1) == b""  # the fifth is closed at once
    finally:
        for sock in held:
            sock.close()
    # the slots come back: a client is served again
    deadline = time.monotonic() + 10
    while "[PASS]" not in ipptool(f"ipp://127.0.0.1:{port}/ipp/print", GPA):
        assert time.monotonic() < deadline, "the front did not free the client's slots"
        time.sleep(0.2)


def test_closing_the_front_ends_the_relays_under_way(tmp_path: Path) -> None:
    printer = Printer(tmp_path / "queue", PPD, {})
    loop = Loop()
    front = QueueFront()
    port = free_port()
    try:
        loop.run(front.open(port, printer.port))
        # a client that keeps its connection open (keep-alive) is relayed until the front closes
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert sock.recv(12).startswith(b"HTTP/1.1")
            assert len(front._relays) == 1
            loop.run(front.close_all())
            assert not front._relays
            sock.settimeout(10)
            while sock.recv(65536):  # the rest of the answer, then the end
                pass
    finally:
        loop.close()
        printer.stop()
