"""Print a test page to a queue: CUPS's own test page PDF, sent with IPP Print-Job."""

from __future__ import annotations

import logging
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.errors import IppError, JobError
from printerapp.ipp.client import print_job

__all__ = ["SEND_TIMEOUT_S", "print_test_page", "test_page_file"]

log = logging.getLogger(__name__)

#: how long the queue may take to accept the test page
SEND_TIMEOUT_S = 30.0
_CANDIDATES = ("default-testpage.pdf", "testprint.pdf")


def test_page_file(dirs: CupsDirs) -> Path:
    """Return the test page PDF that cups-filters installs in CUPS's data dir."""
    for name in _CANDIDATES:
        path = dirs.datadir / "data" / name
        if path.is_file():
            return path
    raise JobError(f"no test page in {dirs.datadir / 'data'} (is cups-filters installed?)")


async def print_test_page(port: int, printer: str, dirs: CupsDirs, host: str = "127.0.0.1") -> int:
    """Send the test page to the queue on *port*; return the IPP status; raise JobError."""
    try:
        status = await print_job(
            port,
            test_page_file(dirs).read_bytes(),
            user="printerapp",
            job_name="Test page",
            document_format="application/pdf",
            timeout_s=SEND_TIMEOUT_S,
            host=host,
        )
    except (OSError, IppError) as exc:
        raise JobError(f"printer {printer!r}: cannot send the test page: {exc}") from exc
    if status >= 0x0100:
        raise JobError(f"printer {printer!r} refused the test page (IPP status {status:#06x})")
    log.info("printer %r: test page sent", printer)
    return status
