"""Peek at IPP requests passing by: the HTTP framing and the IPP header (pure).

Written from RFC 8010 section 3 (and RFC 9112 for HTTP/1.1 framing), for
the LAN forwarder to see which operation a client asks for, without
answering it:

* an IPP request starts with version (2 octets), operation-id (2) and
  request-id (4), then attribute groups, each opened by a delimiter tag
  (0x00-0x0F; 0x03 ends the attributes);
* an attribute is value-tag (1), name-length (2), name, value-length (2),
  value; an additional value of the same attribute has name-length 0
  (an extension tag, 0x7F, keeps its real 4-octet tag inside the value, so
  it needs no special case).

Only the operation attributes group is read: it holds
``requesting-user-name`` and ``requested-attributes``.  Attribute values of
the text kinds are decoded as UTF-8 with replacement.  A header cut short
(the peek is bounded) gives what was read, with ``complete`` False.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from printerapp.errors import IppError

__all__ = [
    "GET_PRINTER_ATTRIBUTES",
    "OWN_USER",
    "HttpRequestScanner",
    "IppRequestHead",
    "parse_request_head",
]

GET_PRINTER_ATTRIBUTES = 0x000B
#: the requesting-user-name of printerapp's own requests (pre-warm does not count them)
OWN_USER = "printerapp"
_OPERATION_GROUP = 0x01
#: value tags whose values are text (RFC 8010 3.5.2: 0x41-0x4F character-string kinds)
_TEXT_TAGS = range(0x40, 0x50)


@dataclass(frozen=True, slots=True)
class IppRequestHead:
    """What an IPP request asks for, as far as its operation attributes go."""

    version: tuple[int, int]
    operation_id: int
    request_id: int
    #: operation attributes: name -> every value (text values decoded, others as bytes.hex())
    operation: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: False when the bytes ended before the operation group did
    complete: bool = True

    def values(self, name: str) -> tuple[str, ...]:
        """Return the values of operation attribute *name* (empty when absent)."""
        return self.operation.get(name, ())


def _read(data: bytes, at: int, size: int) -> bytes:
    if at + size > len(data):
        raise _Short
    return data[at : at + size]


class _Short(Exception):
    """The data ended inside an attribute."""


def _attribute(data: bytes, at: int) -> tuple[int, str, str, int]:
    """Read one attribute at *at*; return (tag, name, value, next offset)."""
    tag = data[at]
    at += 1
    (name_len,) = struct.unpack(">H", _read(data, at, 2))
    name = _read(data, at + 2, name_len).decode("utf-8", "replace")
    at += 2 + name_len
    (value_len,) = struct.unpack(">H", _read(data, at, 2))
    raw = _read(data, at + 2, value_len)
    value = raw.decode("utf-8", "replace") if tag in _TEXT_TAGS else raw.hex()
    return tag, name, value, at + 2 + value_len


def parse_request_head(data: bytes) -> IppRequestHead:
    """Parse the start of an IPP request; raise IppError when it is not one."""
    if len(data) < 9:
        raise IppError(f"IPP request too short ({len(data)} bytes)")
    major, minor, operation_id, request_id = struct.unpack(">BBHI", data[:8])
    if major not in (1, 2) or data[8] != _OPERATION_GROUP:
        raise IppError(f"not an IPP request (version {major}.{minor}, first tag {data[8]:#04x})")
    attrs: dict[str, list[str]] = {}
    at, last = 9, ""
    try:
        while at < len(data) and data[at] > 0x0F:
            _tag, name, value, at = _attribute(data, at)
            last = name or last
            if not last:
                raise IppError("IPP request: an additional value before any attribute")
            attrs.setdefault(last, []).append(value)
    except _Short:
        return IppRequestHead((major, minor), operation_id, request_id, _freeze(attrs), False)
    complete = at < len(data)
    return IppRequestHead((major, minor), operation_id, request_id, _freeze(attrs), complete)


def _freeze(attrs: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in attrs.items()}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request seen on a connection: its start line, headers and body's start."""

    method: str
    path: str
    headers: dict[str, str]
    #: up to the scanner's ``peek`` bytes of the (de-chunked) body
    body: bytes


#: the longest request head (start line and headers) the scanner accepts
MAX_HEAD = 16384


class HttpRequestScanner:
    """Follow the requests of one HTTP/1.1 client stream, fed in arbitrary pieces.

    :meth:`feed` returns each request whose body start (``peek`` bytes, or
    the whole body when shorter) has been seen.  A stream it cannot follow
    (no HTTP, an over-long head, a bad chunk size) makes it stop for good:
    :attr:`lost` turns True and nothing more is returned.
    """

    def __init__(self, peek: int = 4096) -> None:
        self.peek = peek
        self.lost = False
        self._buf = b""
        self._head: tuple[str, str, dict[str, str]] | None = None
        self._body = b""
        self._left = 0  # body octets left in a Content-Length body or the current chunk
        self._chunked = False
        self._crlf = False  # the CRLF after a chunk's data is due
        self._trailers = False  # the last chunk was read: trailers up to an empty line
        self._emitted = False

    def feed(self, data: bytes) -> list[HttpRequest]:
        """Take the next piece of the stream; return the requests now seen."""
        if self.lost:
            return []
        self._buf += data
        out: list[HttpRequest] = []
        try:
            while self._step(out):
                pass
        except ValueError:
            self.lost, self._buf = True, b""
        return out

    def _step(self, out: list[HttpRequest]) -> bool:
        """Make one move; return False when more data is needed."""
        if self._head is None:
            return self._read_head(out)
        if self._crlf:
            if len(self._buf) < 2:
                return False
            if self._buf[:2] != b"\r\n":
                raise ValueError("chunk data not followed by CRLF")
            self._buf, self._crlf = self._buf[2:], False
            return True
        if self._chunked and self._left == 0:
            return self._read_chunk_size(out)
        take = min(self._left, len(self._buf))
        if take == 0:
            return False
        if len(self._body) < self.peek:
            self._body += self._buf[: min(take, self.peek - len(self._body))]
        self._buf, self._left = self._buf[take:], self._left - take
        self._crlf = self._chunked and self._left == 0
        self._maybe_emit(out, done=not self._chunked and self._left == 0)
        return True

    def _read_head(self, out: list[HttpRequest]) -> bool:
        self._buf = self._buf.lstrip(b"\r\n")
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > MAX_HEAD:
                raise ValueError("request head too long")
            return False
        lines = self._buf[:end].decode("latin-1").split("\r\n")
        self._buf = self._buf[end + 4 :]
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise ValueError("not an HTTP request line")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("bad header line")
            headers[name.strip().lower()] = value.strip()
        self._head, self._body, self._emitted = (parts[0], parts[1], headers), b"", False
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._left = 0 if self._chunked else int(headers.get("content-length", "0"))
        if self._left < 0:
            raise ValueError("negative Content-Length")
        if not self._chunked and self._left == 0:
            self._maybe_emit(out, done=True)
        return True

    def _read_chunk_size(self, out: list[HttpRequest]) -> bool:
        end = self._buf.find(b"\r\n")
        if end < 0:
            if len(self._buf) > MAX_HEAD:
                raise ValueError("chunk size line too long")
            return False
        if self._trailers:
            # after the last chunk: trailer lines up to an empty one
            self._buf = self._buf[end + 2 :]
            if end == 0:
                self._trailers = False
                self._maybe_emit(out, done=True)
            return True
        line, self._buf = self._buf[:end], self._buf[end + 2 :]
        size = int(line.split(b";")[0].strip() or b"x", 16)
        if size < 0:
            raise ValueError("negative chunk size")
        self._left, self._trailers = size, size == 0
        return True

    def _maybe_emit(self, out: list[HttpRequest], *, done: bool) -> None:
        head = self._head
        if head is None:
            return
        if not self._emitted and (done or len(self._body) >= self.peek):
            out.append(HttpRequest(head[0], head[1], head[2], self._body))
            self._emitted = True
        if done:
            self._head = None
