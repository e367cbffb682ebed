"""IPP over HTTP to a queue: pyipp where it fits, our own Print-Job where it does not.

Get-Jobs goes through pyipp.  Print-Job does not: pyipp (0.17) encodes
attributes by a fixed name table that has no ``print-color-mode``, writes
``media`` as a name instead of a keyword and ``page-ranges`` as text, and
silently drops what it does not know, so a resubmitted job would lose its
options.  :mod:`printerapp.ipp.request` builds that request instead, and
:func:`post_ipp` sends it.  Every failure is an :class:`IppError`.

Every request sent through pyipp names :data:`OWN_USER` as its
``requesting-user-name`` (pyipp's own default is ``PythonIPP``): pre-warm
(:mod:`printerapp.power.prewarm`) must never take the dashboard's status
polls or the announcer's Get-Printer-Attributes for a person's print
dialog, whichever path they take to the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp

from printerapp.errors import IppError
from printerapp.ipp.peek import OWN_USER
from printerapp.ipp.request import IppAttribute, print_job_header, response_status

__all__ = [
    "JOB_OPERATIONS",
    "OWN_USER",
    "get_jobs",
    "get_printer_attributes",
    "identify_printer",
    "job_operation",
    "jobs_message",
    "post_ipp",
    "print_job",
]

#: the per-job operations :func:`job_operation` sends, by pyipp's name
JOB_OPERATIONS = ("CANCEL_JOB", "HOLD_JOB", "RELEASE_JOB")


async def post_ipp(port: int, body: bytes, timeout_s: float, host: str = "127.0.0.1") -> int:
    """POST *body* to ``/ipp/print`` on *port*; return the IPP status code."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.post(
                f"http://{host}:{port}/ipp/print",
                data=body,
                headers={"Content-Type": "application/ipp"},
            ) as resp,
        ):
            return response_status(await resp.read())
    except (OSError, ValueError, aiohttp.ClientError, TimeoutError) as exc:
        raise IppError(f"port {port}: {exc or type(exc).__name__}") from exc


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


def jobs_message(
    which: str = "not-completed", requested: list[str] | None = None
) -> dict[str, Any]:
    """Return a pyipp Get-Jobs message.

    pyipp's default ``attributes-natural-language`` is ``en-US``, which IPP's
    naturalLanguage syntax does not allow (it is lower case) and which
    Debian's CUPS 2.4.2 security updates answer with client-error-bad-request;
    ``en`` is what ipptool sends.
    """
    attrs: dict[str, Any] = {"attributes-natural-language": "en", "which-jobs": which}
    if requested:
        attrs["requested-attributes"] = requested
    return {"operation-attributes-tag": attrs}


async def _execute(
    printer_uri: str, operation: str, message: dict[str, Any], timeout_s: float
) -> dict[str, Any]:
    """Send one pyipp request named *operation* (``GET_JOBS``...); wrap its failures."""
    from pyipp import IPP
    from pyipp.enums import IppOperation
    from pyipp.exceptions import IPPError

    operation_attributes = message.setdefault("operation-attributes-tag", {})
    operation_attributes.setdefault("requesting-user-name", OWN_USER)
    try:
        async with IPP(printer_uri, request_timeout=int(max(1, timeout_s))) as ipp:
            return await ipp.execute(IppOperation[operation], message)
    except (IPPError, OSError, TimeoutError) as exc:
        what = operation.title().replace("_", "-")
        raise IppError(f"{what} on {printer_uri}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    """Say why a request failed: the IPP status by name when the printer answered one."""
    details = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    code = details.get("status-code")
    if isinstance(code, int):
        from pyipp.enums import IppStatus

        name = IppStatus(code).name if code in IppStatus._value2member_map_ else "unknown"
        return f"status {code:#06x} ({name.lower().replace('_', '-')})"
    return str(exc) or type(exc).__name__


async def get_jobs(
    printer_uri: str,
    timeout_s: float,
    which: str = "not-completed",
    requested: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Return the jobs of the IPP printer at *printer_uri* (Get-Jobs), one dict each."""
    message = jobs_message(which, requested)
    response = await _execute(printer_uri, "GET_JOBS", message, timeout_s)
    jobs = response.get("jobs", [])
    return [j for j in jobs if isinstance(j, dict)] if isinstance(jobs, list) else []


async def get_printer_attributes(
    printer_uri: str, timeout_s: float, requested: list[str] | None = None
) -> dict[str, Any]:
    """Return the printer attributes of *printer_uri* (Get-Printer-Attributes; all by default)."""
    # printerapp's own name: the queue's front does not take its polls for a print dialog
    attrs: dict[str, Any] = {"attributes-natural-language": "en", "requesting-user-name": OWN_USER}
    if requested:
        attrs["requested-attributes"] = requested
    message = {"operation-attributes-tag": attrs}
    response = await _execute(printer_uri, "GET_PRINTER_ATTRIBUTES", message, timeout_s)
    printers = response.get("printers") or [{}]
    first = printers[0] if isinstance(printers, list) else {}
    return first if isinstance(first, dict) else {}


async def job_operation(
    printer_uri: str, operation: str, job_id: int, timeout_s: float, user: str = OWN_USER
) -> None:
    """Send Cancel-Job, Hold-Job or Release-Job (*operation*, see JOB_OPERATIONS) for *job_id*."""
    if operation not in JOB_OPERATIONS:
        raise ValueError(f"not a job operation: {operation!r}")
    attrs = {"attributes-natural-language": "en", "job-id": job_id, "requesting-user-name": user}
    await _execute(printer_uri, operation, {"operation-attributes-tag": attrs}, timeout_s)


async def identify_printer(printer_uri: str, timeout_s: float) -> None:
    """Send Identify-Printer: the printer shows itself its default way (ippeveprinter: sound)."""
    attrs = {"attributes-natural-language": "en", "requesting-user-name": OWN_USER}
    await _execute(printer_uri, "IDENTIFY_PRINTER", {"operation-attributes-tag": attrs}, timeout_s)
