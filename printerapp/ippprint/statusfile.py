"""The printer status a job leaves beside its spool file, for the queue's front to show.

ippeveprinter 2.4 keeps only 15 ``printer-state-reasons`` and a fixed
``printer-state-message`` ("Printing."), so what the backend says about the
printer ("connecting to device", "not responding") cannot reach clients
through it.  The job writes it here instead, in the CUPS words, and the
daemon's IPP front (:mod:`printerapp.manager.front`) puts it into the
Get-Printer-Attributes answers while the queue is processing.

The file is small JSON, replaced atomically; a file that cannot be read is
no status at all (the front then shows ippeveprinter's own words).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STATUS_FILE", "PrinterStatus", "parse_status", "read_status", "write_status"]

#: its name in the queue's spool directory
STATUS_FILE = "printer-status.json"
_MAX_BYTES = 16384


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the running job knows about its printer."""

    #: printer-state-reasons in CUPS's words (``connecting-to-device``, ``offline``...)
    reasons: tuple[str, ...] = ()
    #: what a person should read ("" : nothing to add to ippeveprinter's)
    message: str = ""


def parse_status(text: str) -> PrinterStatus | None:
    """Parse a status file's text; None when it is not one (pure)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    reasons, message = data.get("reasons", []), data.get("message", "")
    if not isinstance(reasons, list) or not isinstance(message, str):
        return None
    words = tuple(r for r in reasons if isinstance(r, str) and r.isascii() and r.isprintable())
    return PrinterStatus(words, message[:1023])


def read_status(path: Path) -> PrinterStatus | None:
    """Read the status file *path*; None when it is missing or unreadable."""
    try:
        with path.open("rb") as fh:
            text = fh.read(_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    return parse_status(text)


def write_status(path: Path, status: PrinterStatus) -> None:
    """Replace the status file *path* (atomically: the front never reads half of it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    data = {"reasons": list(status.reasons), "message": status.message}
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        # the status is a courtesy to clients: a full disk must not fail the job
        with contextlib.suppress(OSError):
            tmp.unlink()
