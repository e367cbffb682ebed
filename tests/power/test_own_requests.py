"""printerapp's own IPP requests never count as a print dialog, whatever path they take.

The dashboard (a printer's status and jobs), the announcer (every attribute)
and the job watch send their requests through :mod:`printerapp.ipp.client`.
Here they pass a recording relay in front of a real ippeveprinter queue, as
they will pass any front proxy: the relay follows the client's stream with
the same scanner the LAN forwarder uses, and pre-warm's :func:`classify`
judges each request.  ipptool's Get-Printer-Attributes through the same relay
is the control: it is seen, and it is a dialog.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printerapp.ipp.client import OWN_USER, get_jobs, get_printer_attributes
from printerapp.ipp.peek import HttpRequestScanner, IppRequestHead, parse_request_head
from printerapp.power.prewarm import Asked, classify
from printerapp.web.jobs import queue_status
from printerapp.web.view import queue_jobs
from tests.support.ippevequeue import Queue

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

GPA = "/usr/share/cups/ipptool/get-printer-attributes.test"
IPPTOOL = shutil.which("ipptool") or "/usr/bin/ipptool"


class Relay:
    """A TCP relay on 127.0.0.1 that records the IPP request heads clients send."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.heads: list[IppRequestHead] = []
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scan: bool
    ) -> None:
        scanner = HttpRequestScanner()
        try:
            while data := await reader.read(65536):
                if scan:
                    self.heads += [parse_request_head(r.body) for r in scanner.feed(data)]
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pipe(reader, up_writer, scan=True), self._pipe(up_reader, writer, scan=False)
        )

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._client(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Relay]:
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()


def test_the_dashboard_and_the_announcer_never_count_ipptool_does(
    tmp_path: Path, avahi: None
) -> None:
    queue = Queue(tmp_path / "queue", Path("/bin/true"))

    async def go() -> None:
        async with Relay(queue.port).running() as relay:
            uri = f"ipp://127.0.0.1:{relay.port}/ipp/print"
            status = await queue_status(relay.port)  # the printer page and its API
            assert status.state in ("idle", "processing")
            assert await queue_jobs(relay.port) == 0  # the dashboard's job count
            await get_printer_attributes(uri, 5)  # the announcer: every attribute
            await get_jobs(uri, 5, "all")
            ours = list(relay.heads)
            proc = await asyncio.create_subprocess_exec(
                IPPTOOL, "-t", uri, GPA, stdout=asyncio.subprocess.PIPE
            )
            out, _ = await proc.communicate()
            assert b"[PASS]" in out
            theirs = relay.heads[len(ours) :]

        assert len(ours) == 4, ours
        assert all(OWN_USER in h.values("requesting-user-name") for h in ours)
        judged = [classify(h) for h in ours]
        assert judged == [Asked.OWN, Asked.OTHER, Asked.OWN, Asked.OTHER]
        assert [classify(h) for h in theirs] == [Asked.DIALOG]

    try:
        asyncio.run(go())
    finally:
        queue.stop()
