"""IPP over HTTP to a queue, with our own encoder and decoder.

Every request is built by :mod:`printerapp.ipp.request` (Print-Job with its
job template attributes, the other operations with their operation
attributes), POSTed over aiohttp, and its answer decoded by
:mod:`printerapp.ipp.answer` into the dicts the consumers read.  Every
failure (no connection, an HTTP error, a message that is not IPP, an error
status) is an :class:`IppError`.

Every request names :data:`OWN_USER` as its ``requesting-user-name``
unless told otherwise: pre-warm (:mod:`printerapp.power.prewarm`) must
never take the dashboard's status polls or the announcer's
Get-Printer-Attributes for a person's print dialog, whichever path they
take to the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from printerapp.errors import IppError
from printerapp.ipp.answer import IppAnswer, decode_response, status_name
from printerapp.ipp.attrs import AttrValue
from printerapp.ipp.peek import OWN_USER
from printerapp.ipp.request import (
    IppAttribute,
    operation_request,
    print_job_header,
    response_status,
)

__all__ = [
    "JOB_OPERATIONS",
    "OWN_USER",
    "get_jobs",
    "get_printer_attributes",
    "identify_printer",
    "job_operation",
    "post_ipp",
    "print_job",
]

#: the operations sent here, by the names callers use -> operation-id (RFC 8011 5.4.15)
OPERATIONS = {
    "CANCEL_JOB": 0x0008,
    "GET_JOBS": 0x000A,
    "GET_PRINTER_ATTRIBUTES": 0x000B,
    "HOLD_JOB": 0x000C,
    "RELEASE_JOB": 0x000D,
    "IDENTIFY_PRINTER": 0x003C,
}
#: the per-job operations :func:`job_operation` sends
JOB_OPERATIONS = ("CANCEL_JOB", "HOLD_JOB", "RELEASE_JOB")
#: the statuses below this are not errors (successful and informational, RFC 8011 B.1)
_FIRST_ERROR = 0x0200


async def _post(url: str, body: bytes, timeout_s: float) -> bytes:
    """POST the IPP *body* to *url*; return the answer's body (IppError on an HTTP error)."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
        # ssl=False: a CUPS server's certificate is its own self-signed one (as pyipp did)
        session.post(
            url, data=body, headers={"Content-Type": "application/ipp"}, ssl=False
        ) as resp,
    ):
        if resp.status >= 400:
            raise IppError(f"HTTP {resp.status} {resp.reason or ''}".rstrip())
        return await resp.read()


async def post_ipp(port: int, body: bytes, timeout_s: float, host: str = "127.0.0.1") -> int:
    """POST *body* to ``/ipp/print`` on *port*; return the IPP status code."""
    try:
        return response_status(await _post(f"http://{host}:{port}/ipp/print", body, timeout_s))
    except (OSError, ValueError, aiohttp.ClientError, TimeoutError) as exc:
        raise IppError(f"port {port}: {exc or type(exc).__name__}") from exc
    except IppError as exc:
        raise IppError(f"port {port}: {exc}") from exc


async def print_job(
    port: int,
    document: bytes,
    *,
    user: str,
    job_name: str,
    document_format: str,
    attributes: Iterable[IppAttribute] = (),
    timeout_s: float,
    host: str = "127.0.0.1",
) -> int:
    """Send *document* to the queue on *port* with Print-Job; return the IPP status code."""
    uri = f"ipp://localhost:{port}/ipp/print"
    header = print_job_header(uri, user, job_name, document_format, attributes)
    return await post_ipp(port, header + document, timeout_s, host)


def http_url(printer_uri: str) -> str:
    """Return the HTTP URL an ``ipp://`` or ``ipps://`` printer URI is reached at."""
    parts = urlsplit(printer_uri)
    scheme = {"ipp": "http", "ipps": "https"}.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise IppError(f"not an IPP printer URI: {printer_uri!r}")
    try:
        port = parts.port or 631
    except ValueError as exc:
        raise IppError(f"not an IPP printer URI: {printer_uri!r} ({exc})") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{scheme}://{host}:{port}{parts.path or '/'}"


async def _execute(
    printer_uri: str, operation: str, attributes: dict[str, AttrValue], timeout_s: float
) -> IppAnswer:
    """Send operation *operation* (``GET_JOBS``...) with these operation attributes."""
    what = operation.title().replace("_", "-")
    attributes.setdefault("requesting-user-name", ("name", [OWN_USER]))
    try:
        body = operation_request(OPERATIONS[operation], printer_uri, attributes)
        answer = decode_response(await _post(http_url(printer_uri), body, timeout_s))
    except (OSError, aiohttp.ClientError, TimeoutError) as exc:
        raise IppError(f"{what} on {printer_uri}: {exc or type(exc).__name__}") from exc
    except IppError as exc:
        raise IppError(f"{what} on {printer_uri}: {exc}") from exc
    if answer.status >= _FIRST_ERROR:
        reason = f"status {answer.status:#06x} ({status_name(answer.status)})"
        message = answer.operation.get("status-message")
        if isinstance(message, str) and message:
            reason += f": {message[:255]}"  # the printer's own words: at most text(255)
        raise IppError(f"{what} on {printer_uri}: {reason}")
    return answer


def _requested(requested: list[str] | None) -> dict[str, AttrValue]:
    return {"requested-attributes": ("keyword", requested)} if requested else {}


async def get_jobs(
    printer_uri: str,
    timeout_s: float,
    which: str = "not-completed",
    requested: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Return the jobs of the IPP printer at *printer_uri* (Get-Jobs), one dict each."""
    attributes: dict[str, AttrValue] = {"which-jobs": ("keyword", [which])}
    attributes.update(_requested(requested))
    answer = await _execute(printer_uri, "GET_JOBS", attributes, timeout_s)
    return list(answer.jobs)


async def get_printer_attributes(
    printer_uri: str, timeout_s: float, requested: list[str] | None = None
) -> dict[str, Any]:
    """Return the printer attributes of *printer_uri* (Get-Printer-Attributes; all by default)."""
    answer = await _execute(printer_uri, "GET_PRINTER_ATTRIBUTES", _requested(requested), timeout_s)
    return answer.printers[0] if answer.printers else {}


async def job_operation(
    printer_uri: str, operation: str, job_id: int, timeout_s: float, user: str = OWN_USER
) -> None:
    """Send Cancel-Job, Hold-Job or Release-Job (*operation*, see JOB_OPERATIONS) for *job_id*."""
    if operation not in JOB_OPERATIONS:
        raise ValueError(f"not a job operation: {operation!r}")
    attributes: dict[str, AttrValue] = {
        "job-id": ("integer", [job_id]),
        "requesting-user-name": ("name", [user]),
    }
    await _execute(printer_uri, operation, attributes, timeout_s)


async def identify_printer(printer_uri: str, timeout_s: float) -> None:
    """Send Identify-Printer: the printer shows itself its default way (ippeveprinter: sound)."""
    await _execute(printer_uri, "IDENTIFY_PRINTER", {}, timeout_s)
