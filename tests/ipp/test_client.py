"""The IPP client against the real ippeveprinter: Print-Job out, Get-Jobs back."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.errors import IppError, PrinterAppError
from printerapp.ipp import request as ipp
from printerapp.ipp.client import get_jobs, print_job
from tests.support.cupsd import free_port

IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"
TEST_PAGE = Path("/usr/share/cups/data/default-testpage.pdf")


async def _until_it_answers(uri: str) -> None:
    for _ in range(100):
        try:
            await get_jobs(uri, 2)
        except IppError:
            await asyncio.sleep(0.05)
        else:
            return
    pytest.fail(f"{uri} never answered Get-Jobs")


@pytest.fixture
def queue(avahi: None, tmp_path: Path) -> Iterator[int]:
    """A plain ippeveprinter that takes PDF (no PPD, no job command); yields its port."""
    port = free_port()
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-f", "application/pdf"]
    argv += ["-d", str(tmp_path), f"client {port}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        asyncio.run(_until_it_answers(f"ipp://127.0.0.1:{port}/ipp/print"))
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.e2e
@pytest.mark.needs_root
def test_print_job_then_get_jobs(queue: int) -> None:
    document = TEST_PAGE.read_bytes()

    async def scenario() -> list[dict[str, object]]:
        status = await print_job(
            queue,
            document,
            user="alice",
            job_name="report",
            document_format="application/pdf",
            attributes=[ipp.IppAttribute("copies", ipp.INTEGER, 2)],
            timeout_s=10,
        )
        assert status < 0x0100, f"Print-Job refused: {status:#06x}"
        requested = ["job-id", "job-name", "job-originating-user-name", "copies"]
        return await get_jobs(
            f"ipp://127.0.0.1:{queue}/ipp/print", 5, which="all", requested=requested
        )

    [job] = asyncio.run(scenario())
    assert job["job-name"] == "report"
    assert job["job-originating-user-name"] == "alice"
    assert job["copies"] == 2


@pytest.mark.e2e
@pytest.mark.needs_root
def test_a_refused_document_is_a_status_not_an_error(queue: int) -> None:
    status = asyncio.run(
        print_job(
            queue,
            b"\x00" * 64,
            user="bob",
            job_name="blob",
            document_format="application/x-unknown",
            timeout_s=10,
        )
    )
    # ippeveprinter 2.4 answers client-error-attributes-or-values-not-supported
    assert 0x0400 <= status < 0x0500


def test_nothing_listening_is_an_ipp_error() -> None:
    port = free_port()  # closed again: nothing listens there
    with pytest.raises(IppError, match=f"port {port}") as sent:
        asyncio.run(
            print_job(port, b"", user="u", job_name="j", document_format="x/y", timeout_s=2)
        )
    assert isinstance(sent.value, PrinterAppError)
    with pytest.raises(IppError, match="Get-Jobs on"):
        asyncio.run(get_jobs(f"ipp://127.0.0.1:{port}/ipp/print", 2))
