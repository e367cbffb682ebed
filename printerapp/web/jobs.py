"""A queue's jobs, state and supplies as IPP clients see them, and the per-job operations.

Everything comes from the queue itself over IPP: Get-Jobs (``which-jobs=all``)
for the list, Get-Printer-Attributes for ``printer-state``, its reasons and
message, the supplies and the operations it supports.  ippeveprinter 2.4
forgets a job (and deletes its document) 60 s after it ended, so the list
holds the active jobs and the last minute's ended ones; :mod:`.kept` keeps
documents longer for reprints.  :func:`job_view` is pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from printerapp.errors import IppError, JobError, PrinterProcessError
from printerapp.ipp.client import get_jobs, get_printer_attributes, identify_printer, job_operation
from printerapp.supplies.levels import SupplyLevel, supply_levels

__all__ = [
    "ENDED",
    "JOB_ATTRIBUTES",
    "JOB_STATES",
    "PRINTER_ATTRIBUTES",
    "JobView",
    "QueueStatus",
    "job_view",
    "queue_jobs",
    "queue_status",
    "queue_uri",
    "run_job_operation",
    "send_identify",
]

#: one request to the queue (loopback: it answers in milliseconds)
IPP_TIMEOUT_S = 5.0
JOB_STATES = {
    3: "pending",
    4: "held",
    5: "processing",
    6: "stopped",
    7: "canceled",
    8: "aborted",
    9: "completed",
}
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
#: the states a job ends in: no Cancel, but a Reprint when its document is kept
ENDED = frozenset({"canceled", "aborted", "completed"})
#: job template attributes a kept document remembers, as the job runner's IPP_* names
_OPTIONS = (
    "copies",
    "media",
    "sides",
    "print-color-mode",
    "print-quality",
    "orientation-requested",
    "number-up",
)
JOB_ATTRIBUTES = [
    "job-id",
    "job-name",
    "job-originating-user-name",
    "job-state",
    "job-state-reasons",
    "job-state-message",
    "job-impressions-completed",
    "time-at-creation",
    "time-at-processing",
    "time-at-completed",
    "date-time-at-creation",
    "date-time-at-processing",
    "date-time-at-completed",
    *_OPTIONS,
]
PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "operations-supported",
    "printer-supply",
    "printer-supply-description",
    "marker-colors",
    "marker-high-levels",
    "marker-levels",
    "marker-low-levels",
    "marker-names",
    "marker-types",
]
#: the operations the page offers: printerapp.ipp.client's name -> (operation code, IPP name)
_OPERATIONS = {
    "CANCEL_JOB": (0x0008, "Cancel-Job"),
    "HOLD_JOB": (0x000C, "Hold-Job"),
    "RELEASE_JOB": (0x000D, "Release-Job"),
    "IDENTIFY_PRINTER": (0x003C, "Identify-Printer"),
}
_BY_CODE = {code: name for code, name in _OPERATIONS.values()}


@dataclass(frozen=True, slots=True)
class JobView:
    """One job as the queue reports it; times in seconds since the epoch."""

    id: int
    name: str
    user: str
    state: str
    reasons: tuple[str, ...]
    message: str
    pages: int | None
    created: float | None
    processing: float | None
    completed: float | None
    #: the job's own template attributes, as ``IPP_*`` variables (for a reprint)
    options: tuple[tuple[str, str], ...] = ()

    @property
    def ended(self) -> bool:
        """True once the job is completed, canceled or aborted."""
        return self.state in ENDED


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """The printer as IPP clients see it."""

    state: str
    reasons: tuple[str, ...]
    message: str
    #: operation names the queue supports (``Hold-Job``...)
    operations: frozenset[str]
    supplies: tuple[SupplyLevel, ...]


def queue_uri(port: int) -> str:
    """Return the IPP URI of the queue on *port*."""
    return f"ipp://127.0.0.1:{port}/ipp/print"


def _items(value: object) -> list[object]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _words(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in _items(value) if str(v) and str(v) != "none")


def _number(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _epoch(value: object) -> float | None:
    return value.timestamp() if isinstance(value, dt.datetime) else None


def _text(value: object) -> str:
    return "".join(c if c.isprintable() else " " for c in str(value))[:1023]


def _options(raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for name in _OPTIONS:
        value = raw.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            shown = str(int(value)) if isinstance(value, int) else value
            out.append(("IPP_" + name.upper().replace("-", "_"), shown))
    return tuple(out)


def job_view(raw: Mapping[str, Any]) -> JobView | None:
    """Return one Get-Jobs entry as a JobView; None when it has no job-id."""
    job_id = _number(raw.get("job-id"))
    if job_id is None:
        return None
    state = _number(raw.get("job-state"))
    return JobView(
        id=job_id,
        name=_text(raw.get("job-name", "")),
        user=_text(raw.get("job-originating-user-name", "")),
        state=JOB_STATES.get(state or 0, "unknown"),
        reasons=_words(raw.get("job-state-reasons")),
        message=_text(raw.get("job-state-message", "")),
        pages=_number(raw.get("job-impressions-completed")),
        created=_epoch(raw.get("date-time-at-creation")),
        processing=_epoch(raw.get("date-time-at-processing")),
        completed=_epoch(raw.get("date-time-at-completed")),
        options=_options(raw),
    )


async def queue_jobs(port: int) -> list[JobView]:
    """Return every job the queue on *port* lists (Get-Jobs, which-jobs=all), newest first."""
    raw = await get_jobs(queue_uri(port), IPP_TIMEOUT_S, "all", JOB_ATTRIBUTES)
    views = [v for v in map(job_view, raw) if v is not None]
    return sorted(views, key=lambda v: v.id, reverse=True)


def status_of(attrs: Mapping[str, Any]) -> QueueStatus:
    """Return the QueueStatus of a Get-Printer-Attributes answer (pure)."""
    state = _number(attrs.get("printer-state"))
    codes = {int(op) for op in _items(attrs.get("operations-supported")) if isinstance(op, int)}
    operations = {_BY_CODE[c] for c in codes if c in _BY_CODE}
    return QueueStatus(
        state=PRINTER_STATES.get(state or 0, "unknown"),
        reasons=_words(attrs.get("printer-state-reasons")),
        message=_text(attrs.get("printer-state-message", "")),
        operations=frozenset(operations),
        supplies=tuple(supply_levels(attrs)),
    )


async def queue_status(port: int) -> QueueStatus:
    """Return the state, reasons, message, operations and supplies of the queue on *port*."""
    attrs = await get_printer_attributes(queue_uri(port), IPP_TIMEOUT_S, PRINTER_ATTRIBUTES)
    return status_of(attrs)


async def run_job_operation(port: int, printer: str, job_id: int, action: str) -> str:
    """Cancel, hold or release job *job_id* on the queue; return what was done."""
    operation = {"cancel": "CANCEL_JOB", "hold": "HOLD_JOB", "release": "RELEASE_JOB"}[action]
    what = _OPERATIONS[operation][1]
    if action != "cancel":
        status = await queue_status(port)
        if what not in status.operations:
            raise PrinterProcessError(f"the queue of {printer!r} does not support {what}")
    try:
        await job_operation(queue_uri(port), operation, job_id, IPP_TIMEOUT_S)
    except IppError as exc:
        raise JobError(f"{printer}: job {job_id}: {exc}") from exc
    done = {"cancel": "canceled", "hold": "held", "release": "released"}[action]
    return f"{printer}: job {job_id} {done}"


async def send_identify(port: int, printer: str) -> str:
    """Forward Identify-Printer to the queue; return what was done."""
    try:
        await identify_printer(queue_uri(port), IPP_TIMEOUT_S)
    except IppError as exc:
        raise JobError(f"{printer}: {exc}") from exc
    return f"{printer}: Identify-Printer sent"


def jobs_json(
    jobs: Sequence[JobView],
    documents: Mapping[int, str],
    energy: Mapping[int, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Return *jobs* as the API shows them; *documents* maps job ids to kept documents.

    *energy* maps job ids to their measured energy as the API shows it (see .jobenergy).
    """
    measured = energy or {}
    return [
        {
            "id": j.id,
            "name": j.name,
            "user": j.user,
            "state": j.state,
            "state_reasons": list(j.reasons),
            "state_message": j.message,
            "pages": j.pages,
            "created": j.created,
            "processing": j.processing,
            "completed": j.completed,
            "document": documents.get(j.id),
            "energy": measured.get(j.id),
        }
        for j in jobs
    ]
