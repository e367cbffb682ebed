"""Which jobs a queue has, over IPP (Get-Jobs with pyipp), as power sees them.

This is the watch that makes a missed job report harmless: the daemon and
``printerapp cups-power`` list every queue's not-completed jobs, and the idle
machine takes the listing as the truth.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from printerapp.errors import PowerWatchError
from printerapp.power.idle import JobPhase

__all__ = [
    "IPP_TIMEOUT_S",
    "active_jobs",
    "active_jobs_at",
    "get_jobs_message",
    "phases",
    "queue_uri",
]

logger = logging.getLogger(__name__)

#: one Get-Jobs request
IPP_TIMEOUT_S = 8

#: job-state (RFC 8011 5.3.7) -> phase.  A held job (4) waits for someone and
#: must not keep the printer on; a stopped one (6) is still the printer's.
_PHASES = {3: JobPhase.PENDING, 5: JobPhase.PROCESSING, 6: JobPhase.PROCESSING}


def get_jobs_message(requested: list[str] | None = None) -> dict[str, object]:
    """Return a pyipp Get-Jobs message for the not-completed jobs.

    pyipp's default ``attributes-natural-language`` is ``en-US``, which IPP's
    naturalLanguage syntax does not allow (it is lower case) and which
    Debian's CUPS 2.4.2 security updates answer with client-error-bad-request;
    ``en`` is what ipptool sends.
    """
    attrs: dict[str, object] = {"attributes-natural-language": "en", "which-jobs": "not-completed"}
    if requested:
        attrs["requested-attributes"] = requested
    return {"operation-attributes-tag": attrs}


def queue_uri(server: str, queue: str) -> str:
    """Return the IPP URI of CUPS queue *queue* on *server* (``ipp://host:port``)."""
    return f"{server.rstrip('/')}/printers/{queue}"


def phases(jobs: Iterable[Mapping[str, object]], prefix: str = "") -> dict[str, JobPhase]:
    """Map Get-Jobs results to ``prefix + job-id`` -> phase, keeping active jobs only."""
    found = {}
    for job in jobs:
        job_id, state = job.get("job-id"), job.get("job-state")
        if isinstance(job_id, int) and isinstance(state, int) and state in _PHASES:
            found[f"{prefix}{job_id}"] = _PHASES[state]
    return found


async def active_jobs(server: str, queue: str) -> dict[str, JobPhase]:
    """Return the pending and processing jobs of CUPS queue *queue* as ``queue/job-id``."""
    return await active_jobs_at(queue_uri(server, queue), prefix=f"{queue}/")


async def active_jobs_at(printer_uri: str, prefix: str = "") -> dict[str, JobPhase]:
    """Return the active jobs of any IPP printer (e.g. ippeveprinter's ``/ipp/print``)."""
    from pyipp import IPP
    from pyipp.enums import IppOperation
    from pyipp.exceptions import IPPError

    message = get_jobs_message(["job-id", "job-state"])
    try:
        async with IPP(printer_uri, request_timeout=IPP_TIMEOUT_S) as ipp:
            response = await ipp.execute(IppOperation.GET_JOBS, message)
    except IPPError as exc:
        raise PowerWatchError(f"Get-Jobs on {printer_uri}: {exc}") from exc
    jobs = response.get("jobs", [])
    return phases(jobs if isinstance(jobs, list) else [], prefix=prefix)
