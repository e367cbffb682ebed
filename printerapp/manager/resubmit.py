"""Documents kept for a retry go back to their queue, so no job is lost.

When a backend asks for a retry (the printer is off, busy, unreachable),
``printerapp ippprint`` keeps the document and the job's ``IPP_*``
variables under ``<spool>/retry/`` and fails the job.  Once the queue runs
again, and every RETRY_INTERVAL while documents wait, the manager submits
each one to its queue as a new Print-Job with the same attributes; only an
accepted job deletes the kept copy.  The document is streamed from its file
(chunked), never read into memory whole: kept documents may be large.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from printerapp.errors import IppError
from printerapp.ipp import request as ipp
from printerapp.ipp.keywords import ORIENTATION, PRINT_QUALITY

__all__ = [
    "RETRY_INTERVAL",
    "KeptJob",
    "job_attributes",
    "kept_job",
    "kept_jobs",
    "print_kept",
    "resubmit",
]

log = logging.getLogger(__name__)

#: seconds between attempts while documents wait (CUPS's JobRetryInterval is 30 s)
RETRY_INTERVAL = 60.0
SEND_TIMEOUT = 120.0
#: bytes read from a kept document at a time
CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class KeptJob:
    """A document kept for a retry, with what its job said about itself."""

    document: Path
    content_type: str
    user: str
    job_name: str
    attributes: tuple[ipp.IppAttribute, ...]

    @property
    def sidecar(self) -> Path:
        """The JSON file holding the job's variables."""
        return self.document.with_name(self.document.name + ".json")


def _enum(keywords: Mapping[str, int]) -> Callable[[str], int]:
    def convert(text: str) -> int:
        return keywords[text] if text in keywords else int(text)

    return convert


def _range(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


#: IPP_* variable -> (attribute, value tag, conversion); defaults (IPP_*_DEFAULT) are not job values
_JOB_VARS: dict[str, tuple[str, int, Callable[[str], int | str | tuple[int, int]]]] = {
    "IPP_COPIES": ("copies", ipp.INTEGER, int),
    "IPP_MEDIA": ("media", ipp.KEYWORD, str),
    "IPP_SIDES": ("sides", ipp.KEYWORD, str),
    "IPP_PRINT_COLOR_MODE": ("print-color-mode", ipp.KEYWORD, str),
    "IPP_PRINT_QUALITY": ("print-quality", ipp.ENUM, _enum(PRINT_QUALITY)),
    "IPP_ORIENTATION_REQUESTED": ("orientation-requested", ipp.ENUM, _enum(ORIENTATION)),
    "IPP_NUMBER_UP": ("number-up", ipp.INTEGER, int),
    "IPP_PAGE_RANGES": ("page-ranges", ipp.RANGE, _range),
}


def job_attributes(variables: Mapping[str, str]) -> tuple[ipp.IppAttribute, ...]:
    """Return the job template attributes a kept job carried (bad values are dropped)."""
    out = []
    for var, (name, tag, convert) in _JOB_VARS.items():
        if var not in variables:
            continue
        try:
            out.append(ipp.IppAttribute(name, tag, convert(variables[var])))
        except (KeyError, ValueError):
            log.warning("kept job: ignoring %s=%r", var, variables[var])
    return tuple(out)


def kept_jobs(retry_dir: Path) -> list[KeptJob]:
    """Return the documents waiting in *retry_dir*, oldest first."""
    try:
        sidecars = sorted(retry_dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    jobs = []
    for sidecar in sidecars:
        try:
            jobs.append(kept_job(sidecar))
        except (OSError, ValueError) as exc:
            log.error("%s: cannot resubmit: %s", sidecar, exc)
    return jobs


def kept_job(sidecar: Path) -> KeptJob:
    """Read the kept job whose sidecar is *sidecar*; raise ValueError or OSError."""
    document = sidecar.with_suffix("")
    variables = json.loads(sidecar.read_text(encoding="utf-8"))
    if not isinstance(variables, dict) or not document.is_file():
        raise ValueError("not a kept job")
    values = {str(k): str(v) for k, v in variables.items()}
    return KeptJob(
        document,
        values.get("CONTENT_TYPE", "application/octet-stream"),
        values.get("IPP_JOB_ORIGINATING_USER_NAME", ""),
        values.get("IPP_JOB_NAME", ""),
        job_attributes(values),
    )


async def _stream(header: bytes, document: Path) -> AsyncIterator[bytes]:
    yield header
    with document.open("rb") as src:
        while chunk := await asyncio.to_thread(src.read, CHUNK):
            yield chunk


async def _print_job(job: KeptJob, port: int, host: str) -> int:
    """Send *job* with Print-Job, its document streamed; return the IPP status code."""
    uri = f"ipp://localhost:{port}/ipp/print"
    header = ipp.print_job_header(uri, job.user, job.job_name, job.content_type, job.attributes)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT)) as session,
            session.post(
                f"http://{host}:{port}/ipp/print",
                data=_stream(header, job.document),
                headers={"Content-Type": "application/ipp"},
            ) as resp,
        ):
            return ipp.response_status(await resp.read())
    except (ValueError, aiohttp.ClientError, TimeoutError) as exc:
        raise IppError(f"port {port}: {exc or type(exc).__name__}") from exc


async def print_kept(job: KeptJob, port: int, host: str = "127.0.0.1") -> int:
    """Send *job* as a new Print-Job and keep the copy (a reprint); return the IPP status."""
    return await _print_job(job, port, host)


async def resubmit(job: KeptJob, port: int, host: str = "127.0.0.1") -> bool:
    """Submit *job* to the queue on *port*; on acceptance delete the kept copy."""
    try:
        status = await _print_job(job, port, host)
    except (OSError, IppError) as exc:
        log.warning("%s: resubmission failed: %s", job.document.name, exc)
        return False
    if status >= 0x0100:
        log.warning(
            "%s: the queue refused the resubmission (status %#06x)", job.document.name, status
        )
        return False
    log.info("%s: resubmitted to port %d", job.document.name, port)
    job.document.unlink(missing_ok=True)
    job.sidecar.unlink(missing_ok=True)
    return True
