"""One client connection through a queue's front: HTTP/1.1 relayed, IPP answers completed.

The client's bytes pass to ippeveprinter unchanged, followed by an
:class:`~printerapp.ipp.peek.HttpRequestScanner` that tells which IPP
operation each request is.  ippeveprinter's answers pass back unchanged,
except the answer to a Get-Printer-Attributes, which is read whole (it is a
few kilobytes), given to the *rewrite* callable and sent with its new
length.  Interim answers (``100 Continue``) pass at once; a protocol switch
(``101``) or a stream the scanner cannot follow turns the connection into a
plain relay, so nothing a client does can make the front hold its bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from printerapp.errors import IppError
from printerapp.ipp.peek import (
    GET_PRINTER_ATTRIBUTES,
    HttpRequest,
    HttpRequestScanner,
    IppRequestHead,
    parse_request_head,
)

__all__ = ["MAX_ANSWER", "Exchange", "relay"]

log = logging.getLogger(__name__)

_CHUNK = 1 << 16
#: how much of each request body is read for its IPP header
PEEK_BYTES = 4096
#: the largest answer that is rewritten (ippeveprinter's full answer is ~30 KB)
MAX_ANSWER = 4 << 20
#: the longest status line and headers of an answer
MAX_HEAD = 65536
#: how long an answer waits to be matched to its request before it passes unchanged
MATCH_WAIT_S = 5.0

#: told of each IPP request: (request header, client address)
Observer = Callable[[IppRequestHead, str], object]
#: given a Get-Printer-Attributes request and ippeveprinter's answer; returns the answer to send
Rewrite = Callable[[IppRequestHead, bytes], bytes]


@dataclass(slots=True)
class Exchange:
    """What one connection needs: where ippeveprinter is, and who is told what."""

    upstream_port: int
    rewrite: Rewrite
    observer: Observer | None = None


class _Flow:
    """The requests seen on the connection, handed to the answer side in order."""

    def __init__(self) -> None:
        self.requests: asyncio.Queue[tuple[HttpRequest, IppRequestHead | None]] = asyncio.Queue()
        self.lost = False
        self.lost_event = asyncio.Event()


async def relay(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, exchange: Exchange
) -> None:
    """Serve one client connection through to ippeveprinter."""
    try:
        up_reader, up_writer = await asyncio.open_connection(
            "127.0.0.1", exchange.upstream_port, limit=MAX_HEAD
        )
    except OSError:
        writer.close()
        return
    peer = writer.get_extra_info("peername")
    client = str(peer[0]) if isinstance(peer, tuple) else "local"
    flow = _Flow()
    requests = asyncio.create_task(_requests(reader, up_writer, flow, exchange, client))
    try:
        await _answers(up_reader, writer, flow, exchange)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        log.debug("front of port %d: connection ended: %s", exchange.upstream_port, exc)
    finally:
        requests.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await requests
        for w in (writer, up_writer):
            with contextlib.suppress(OSError):
                w.close()


async def _requests(
    reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
    flow: _Flow,
    exchange: Exchange,
    client: str,
) -> None:
    scanner = HttpRequestScanner(PEEK_BYTES)
    try:
        while chunk := await reader.read(_CHUNK):
            if not flow.lost:
                for request in scanner.feed(chunk):
                    flow.requests.put_nowait((request, _ipp_head(request, exchange, client)))
                if scanner.lost:
                    flow.lost = True
                    flow.lost_event.set()
            up_writer.write(chunk)
            await up_writer.drain()
        if up_writer.can_write_eof():
            up_writer.write_eof()  # the client is done sending; its answer may still come
    except OSError:
        with contextlib.suppress(OSError):
            up_writer.close()


def _ipp_head(request: HttpRequest, exchange: Exchange, client: str) -> IppRequestHead | None:
    if request.method != "POST" or not request.body:
        return None
    try:
        head = parse_request_head(request.body)
    except IppError as exc:
        log.debug("front of port %d: %s from %s", exchange.upstream_port, exc, client)
        return None
    if exchange.observer is not None:
        try:
            exchange.observer(head, client)
        except Exception:  # an observer's bug must not cut the client off
            log.exception("front of port %d: request observer failed", exchange.upstream_port)
    return head


async def _answers(
    up_reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    flow: _Flow,
    exchange: Exchange,
) -> None:
    while not flow.lost:
        try:
            head = await up_reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            writer.write(exc.partial)
            return
        code, headers = _parse_head(head)
        if 100 <= code < 200:
            writer.write(head)
            await writer.drain()
            if code == 101:  # another protocol from here on: relay it as it is
                await _copy_all(up_reader, writer)
                return
            continue
        request, ipp = await _matching_request(flow)
        if (request is not None and request.method == "HEAD") or code in (204, 304):
            writer.write(head)
        elif ipp is not None and ipp.operation_id == GET_PRINTER_ATTRIBUTES and code == 200:
            body = _rewritten(exchange, ipp, await _read_body(up_reader, headers))
            writer.write(_with_length(head, len(body)) + body)
        else:
            writer.write(head)
            if not await _copy_body(up_reader, writer, headers):
                return
        await writer.drain()
    await _copy_all(up_reader, writer)


def _rewritten(exchange: Exchange, ipp: IppRequestHead, body: bytes) -> bytes:
    try:
        return exchange.rewrite(ipp, body)
    except Exception:  # a bug in a rewrite must not cost the client its answer
        log.exception("front of port %d: cannot complete an answer", exchange.upstream_port)
        return body


async def _matching_request(flow: _Flow) -> tuple[HttpRequest | None, IppRequestHead | None]:
    get = asyncio.ensure_future(flow.requests.get())
    lost = asyncio.ensure_future(flow.lost_event.wait())
    try:
        await asyncio.wait({get, lost}, timeout=MATCH_WAIT_S, return_when=asyncio.FIRST_COMPLETED)
    finally:
        lost.cancel()
    if get.done():
        return get.result()
    get.cancel()
    return None, None  # not matched: the answer passes as it is


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def _with_length(head: bytes, length: int) -> bytes:
    """Return the answer's head with a Content-Length of *length* and no chunking."""
    lines = head.decode("latin-1").split("\r\n")
    kept = [
        line
        for line in lines[1:]
        if line
        and line.partition(":")[0].strip().lower() not in ("content-length", "transfer-encoding")
    ]
    return "\r\n".join([lines[0], *kept, f"Content-Length: {length}", "", ""]).encode("latin-1")


def _is_chunked(headers: dict[str, str]) -> bool:
    return "chunked" in headers.get("transfer-encoding", "").lower()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if not _is_chunked(headers):
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= MAX_ANSWER:
            raise ValueError(f"answer of {length} bytes")
        return await reader.readexactly(length)
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return bytes(body)
        if len(body) + size > MAX_ANSWER:
            raise ValueError("answer too long to complete")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _copy_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
) -> bool:
    """Pass one answer's body; return False when it ran to the end of the connection."""
    if _is_chunked(headers):
        while True:
            line = await reader.readuntil(b"\r\n")
            writer.write(line)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                    writer.write(trailer)
                writer.write(trailer)
                return True
            await _copy_exact(reader, writer, size + 2)
    if "content-length" in headers:
        await _copy_exact(reader, writer, int(headers["content-length"]))
        return True
    await _copy_all(reader, writer)
    return False


async def _copy_exact(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
    while n > 0:
        chunk = await reader.read(min(n, _CHUNK))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", n)
        writer.write(chunk)
        await writer.drain()
        n -= len(chunk)


async def _copy_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(_CHUNK):
        writer.write(chunk)
        await writer.drain()
