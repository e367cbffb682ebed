""" "Identify": IPP Identify-Printer to the queue, or a one-page print that names the queue.

Which one is the printer's ``identify`` setting (``[printers."URI"] identify``,
else ``[server] identify``; see :class:`printerapp.manager.settings.ManagerSettings`).
ippeveprinter only logs an Identify-Printer, so a real printer shows nothing;
the identify print is what makes a printer on a shelf of alike ones say which
queue it is.  :func:`identify_pdf` is pure: a PDF of one page with the
standard Helvetica font, so no font file is needed.
"""

from __future__ import annotations

import logging
import time

from printerapp.errors import IppError, JobError
from printerapp.ipp.client import print_job
from printerapp.manager.system import PrinterInfo
from printerapp.web.jobs import send_identify
from printerapp.web.logring import redact

__all__ = ["IDENTIFY_JOB_NAME", "SEND_TIMEOUT_S", "identify", "identify_pdf", "pdf_file"]

log = logging.getLogger(__name__)

#: how long the queue may take to accept the identify page
SEND_TIMEOUT_S = 30.0
IDENTIFY_JOB_NAME = "Identify printer"
#: the page: A4's width and US Letter's height, so it fits either paper unscaled
_PAGE = (595, 792)
_TEXT_LIMIT = 90


def _pdf_text(text: str) -> str:
    """Return *text* as a PDF literal string (WinAnsi: what Latin-1 lacks becomes ?)."""
    shown = "".join(c if c.isprintable() else " " for c in text)[:_TEXT_LIMIT]
    latin = shown.encode("latin-1", "replace").decode("latin-1")
    return "(" + latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _content(lines: list[tuple[int, int, str]]) -> bytes:
    ops = [
        "0.5 w 36 36 523 720 re S",
        *(f"BT /F1 {size} Tf 54 {y} Td {_pdf_text(text)} Tj ET" for size, y, text in lines),
    ]
    return "\n".join(ops).encode("latin-1")


def identify_pdf(name: str, device_uri: str, queue_uri: str, when: float) -> bytes:
    """Return a one-page PDF naming queue *name*, its device and queue URIs and the time."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    content = _content(
        [
            (36, 690, "This printer is"),
            (28, 640, name),
            (12, 590, f"Device: {redact(device_uri)}"),
            (12, 570, f"Queue: {queue_uri}"),
            (12, 550, f"Identify page printed by printerapp at {stamp}"),
        ]
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % _PAGE
        + b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """Assemble a PDF of *objects* (object 1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


async def _print_identify(info: PrinterInfo, now: float) -> str:
    document = identify_pdf(info.name, info.device_uri, info.uri, now)
    try:
        status = await print_job(
            info.port,
            document,
            user="printerapp",
            job_name=IDENTIFY_JOB_NAME,
            document_format="application/pdf",
            timeout_s=SEND_TIMEOUT_S,
        )
    except (OSError, IppError) as exc:
        raise JobError(f"{info.name}: cannot send the identify page: {exc}") from exc
    if status >= 0x0100:
        raise JobError(f"{info.name}: the queue refused the identify page (status {status:#06x})")
    log.info("printer %r: identify page sent", info.name)
    return f"{info.name}: identify page sent"


async def identify(info: PrinterInfo, mode: str, now: float) -> str:
    """Identify printer *info* the way *mode* says ("ipp" or "print"); return what was done."""
    try:
        if mode == "print":
            return await _print_identify(info, now)
        message = await send_identify(info.port, info.name)
    except JobError as exc:
        log.warning("printer %r: identify failed: %s", info.name, exc)
        raise
    log.info("printer %r: Identify-Printer sent", info.name)
    return message
