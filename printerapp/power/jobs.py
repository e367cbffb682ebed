"""Which jobs a queue has, over IPP Get-Jobs, as power sees them.

This is the watch that makes a missed job report harmless: the daemon and
``printerapp cups-power`` list every queue's not-completed jobs, and the idle
machine takes the listing as the truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from printerapp.errors import IppError, PowerWatchError
from printerapp.ipp.client import get_jobs
from printerapp.power.idle import JobPhase

__all__ = ["IPP_TIMEOUT_S", "active_jobs", "active_jobs_at", "phases", "queue_uri"]

#: one Get-Jobs request
IPP_TIMEOUT_S = 8

#: job-state (RFC 8011 5.3.7) -> phase.  A held job (4) waits for someone and
#: must not keep the printer on; a stopped one (6) is still the printer's.
_PHASES = {3: JobPhase.PENDING, 5: JobPhase.PROCESSING, 6: JobPhase.PROCESSING}


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
    try:
        jobs = await get_jobs(printer_uri, IPP_TIMEOUT_S, requested=["job-id", "job-state"])
    except IppError as exc:
        raise PowerWatchError(str(exc)) from exc
    return phases(jobs, prefix=prefix)
