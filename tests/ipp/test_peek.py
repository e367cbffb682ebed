"""The request peek: real ipptool bytes, split and chunked streams, and malformed input."""

from __future__ import annotations

import socket
import struct
import subprocess
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.errors import IppError
from printerapp.ipp.peek import (
    GET_PRINTER_ATTRIBUTES,
    HttpRequestScanner,
    parse_request_head,
)


def _captured(test_file: str) -> bytes:
    """Return the bytes ipptool sends for *test_file* to a listener that never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    data = bytearray()

    def accept() -> None:
        conn, _ = server.accept()
        conn.settimeout(1.0)
        with conn:
            try:
                while chunk := conn.recv(65536):
                    data.extend(chunk)
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept)
    thread.start()
    subprocess.run(
        ["ipptool", "-T", "2", f"ipp://127.0.0.1:{port}/ipp/print", test_file],
        capture_output=True,
        timeout=10,
        check=False,
    )
    thread.join(5)
    server.close()
    return bytes(data)


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return (
        bytes([tag])
        + struct.pack(">H", len(name))
        + name.encode()
        + struct.pack(">H", len(value))
        + value
    )


def _request(op: int, *attrs: bytes) -> bytes:
    return struct.pack(">BBHI", 2, 0, op, 7) + b"\x01" + b"".join(attrs) + b"\x03"


def test_ipptool_get_printer_attributes_is_read_whole() -> None:
    stream = _captured("get-printer-attributes.test")
    [request] = HttpRequestScanner().feed(stream)
    assert request.method == "POST"
    assert request.path == "/ipp/print"
    assert request.headers["user-agent"].startswith("CUPS/")
    head = parse_request_head(request.body)
    assert head.operation_id == GET_PRINTER_ATTRIBUTES
    assert head.version == (2, 0)
    assert head.complete
    assert head.values("requested-attributes") == ("all", "media-col-database")
    assert head.values("attributes-charset") == ("utf-8",)


def test_a_stream_fed_byte_by_byte_gives_the_same_request() -> None:
    stream = _captured("get-printer-description-attributes.test")
    whole = HttpRequestScanner().feed(stream)
    scanner = HttpRequestScanner()
    pieces = [r for i in range(len(stream)) for r in scanner.feed(stream[i : i + 1])]
    assert pieces == whole
    head = parse_request_head(pieces[0].body)
    assert "printer-description" in head.values("requested-attributes")


def test_kept_alive_and_chunked_requests_are_each_seen() -> None:
    first = _request(GET_PRINTER_ATTRIBUTES, _attr(0x44, "requested-attributes", b"printer-state"))
    second = _request(0x0002, _attr(0x42, "requesting-user-name", b"alice")) + b"%PDF-" * 500
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (second[:10], second[10:1000], second[1000:])
    )
    stream = (
        f"POST /ipp/print HTTP/1.1\r\nContent-Length: {len(first)}\r\n\r\n".encode()
        + first
        + b"POST /ipp/print HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\nX-Trailer: y\r\n\r\n"
        + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    scanner = HttpRequestScanner(peek=64)
    seen = [r for i in range(0, len(stream), 7) for r in scanner.feed(stream[i : i + 7])]
    assert [r.method for r in seen] == ["POST", "POST", "GET"]
    assert parse_request_head(seen[0].body).values("requested-attributes") == ("printer-state",)
    assert seen[1].body == second[:64]
    assert parse_request_head(seen[1].body).values("requesting-user-name") == ("alice",)
    assert not scanner.lost


def test_a_stream_that_is_not_http_is_given_up() -> None:
    scanner = HttpRequestScanner()
    assert scanner.feed(b"\x16\x03\x01 TLS hello\r\n\r\n") == []
    assert scanner.lost
    assert scanner.feed(b"POST / HTTP/1.1\r\n\r\n") == []


def test_a_head_cut_short_is_marked_incomplete() -> None:
    body = _request(GET_PRINTER_ATTRIBUTES, _attr(0x44, "requested-attributes", b"all"))
    head = parse_request_head(body[:15])
    assert not head.complete
    assert head.operation_id == GET_PRINTER_ATTRIBUTES


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x02\x00\x00\x0b",
        b"\x09\x00\x00\x0b\x00\x00\x00\x01\x01",
        b"\x02\x00\x00\x0b\x00\x00\x00\x01\x04",
    ],
)
def test_what_is_not_an_ipp_request_is_one_clear_error(body: bytes) -> None:
    with pytest.raises(IppError, match="IPP request"):
        parse_request_head(body)


@given(st.binary(max_size=300))
def test_any_bytes_give_a_head_or_an_ipp_error(data: bytes) -> None:
    try:
        head = parse_request_head(data)
    except IppError:
        return
    assert head.version[0] in (1, 2)
    assert all(isinstance(v, str) for values in head.operation.values() for v in values)


@given(st.binary(max_size=400), st.integers(1, 50))
def test_any_stream_never_raises(data: bytes, step: int) -> None:
    scanner = HttpRequestScanner(peek=32)
    for i in range(0, len(data), step):
        scanner.feed(data[i : i + step])
