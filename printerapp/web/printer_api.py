"""One printer in detail, its job actions, and the JSON routes for them.

=======  ==============================================  ==================================
method   path                                            answer
=======  ==============================================  ==================================
GET      /api/printers/{name}                            the printer as ``/api/printers``
                                                         lists it, plus ``printer_state``,
                                                         ``state_reasons``, ``state_message``,
                                                         ``operations``, ``identify``,
                                                         ``jobs``, ``supplies``, ``kept`` and
                                                         ``held`` (see :mod:`.held`)
POST     /api/printers/{name}/jobs/{id}/cancel           ``{"message"}`` (Cancel-Job)
POST     /api/printers/{name}/jobs/{id}/hold|release     409 when the queue lacks the operation
POST     /api/printers/{name}/documents/{key}/reprint    ``{"message"}``: a new job
POST     /api/printers/{name}/identify                   ``{"message"}`` (Identify-Printer, or
                                                         an identify page: its ``identify``)
=======  ==============================================  ==================================

``{name}`` is the service name (URL-encoded) or the queue key.  A
background task keeps the documents of listed jobs (:mod:`.kept`) and
drops expired ones: every :data:`KEEP_SCAN_S` of the queues a request
reached (the fronts tell of each), every :data:`KEEP_SWEEP_S` of all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from printerapp.errors import InputError, IppError, JobError, PrinterProcessError
from printerapp.manager.held import HeldDocument, list_held
from printerapp.manager.resubmit import KeptJob, job_attributes, print_kept
from printerapp.manager.system import PrinterInfo
from printerapp.power.energy import JobEnergy
from printerapp.supplies.levels import supplies_json
from printerapp.web.http import read_json_object
from printerapp.web.identify import identify
from printerapp.web.jobenergy import energy_json, match_energy
from printerapp.web.jobs import (
    JobView,
    QueueStatus,
    jobs_json,
    queue_jobs,
    queue_status,
    run_job_operation,
)
from printerapp.web.kept import (
    KeepSettings,
    KeptDocument,
    find_kept,
    keep_documents,
    list_kept,
    spooled_documents,
)
from printerapp.web.kept import prune as prune_kept
from printerapp.web.view import WEB, WebContext, info_json

__all__ = [
    "KEEP",
    "KEEP_SCAN_S",
    "KEEP_SWEEP_S",
    "PRINTER_ACTIONS",
    "Detail",
    "add_printer_api",
    "detail_json",
    "printer_action",
    "printer_detail",
]

log = logging.getLogger(__name__)

KEEP = web.AppKey("keep_settings", KeepSettings)
#: seconds between keeping the listed jobs' documents, of the queues a request reached
KEEP_SCAN_S = 5.0
#: seconds between looks at every queue's spool (ippeveprinter deletes a job's 60 s after it)
KEEP_SWEEP_S = 30.0
#: seconds between prunings of the kept documents (they are kept for hours)
PRUNE_S = 60.0
#: the days of the energy log searched for the listed jobs (they ended within a minute)
ENERGY_DAYS = 2
PRINTER_ACTIONS = ("cancel", "hold", "release", "reprint", "identify")
_JOB_ID = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True, slots=True)
class Detail:
    """One printer with what its queue says now; status None when the queue did not answer."""

    info: PrinterInfo
    status: QueueStatus | None
    jobs: tuple[JobView, ...]
    kept: tuple[KeptDocument, ...]
    #: job id -> key of its kept document, for the jobs the queue lists
    documents: dict[int, str]
    #: why the queue's status is missing ("" when it answered)
    problem: str = ""
    #: documents of jobs that used up their retries (:mod:`printerapp.manager.held`)
    held: tuple[HeldDocument, ...] = ()
    #: job id -> the job's measured energy (jobs of a printer with a metering plug)
    energy: Mapping[int, JobEnergy] = field(default_factory=dict)
    #: what "Identify" does for this printer: "ipp" (Identify-Printer) or "print" (a page)
    identify: str = "ipp"

    @property
    def can_identify(self) -> bool:
        """True when "Identify" can be offered: a page to print, or the queue's operation."""
        if self.identify == "print":
            return self.info.state == "running"
        return self.status is not None and "Identify-Printer" in self.status.operations


def spool_of(ctx: WebContext, info: PrinterInfo) -> Path:
    """Return the spool directory of *info*'s queue."""
    return ctx.manager.spool_dir / info.key


def _documents(jobs: tuple[JobView, ...], kept: tuple[KeptDocument, ...]) -> dict[int, str]:
    by_origin = {(d.job_id, int(d.created)): d.key for d in kept}
    out = {}
    for job in jobs:
        if job.created is not None and (key := by_origin.get((job.id, int(job.created)))):
            out[job.id] = key
    return out


async def printer_detail(ctx: WebContext, keep: KeepSettings, name: str) -> Detail:
    """Return printer *name* with its queue's state, jobs, supplies and kept documents."""
    info = ctx.printer(name)
    spool = spool_of(ctx, info)
    status: QueueStatus | None = None
    jobs: tuple[JobView, ...] = ()
    problem = f"the queue is {info.state}"
    if info.state == "running":
        try:
            status, listed = await asyncio.gather(queue_status(info.port), queue_jobs(info.port))
            jobs, problem = tuple(listed), ""
            await asyncio.to_thread(keep_documents, spool, jobs, keep)
        except IppError as exc:
            problem = str(exc)
    kept = tuple(await asyncio.to_thread(list_kept, spool))
    held = tuple(await asyncio.to_thread(list_held, spool))
    # on the loop's thread: the energy log's SQLite connection belongs to it
    energy = _energy(ctx, info, jobs) if jobs else {}
    mode = ctx.manager.settings.identify_for(info.device_uri)
    return Detail(info, status, jobs, kept, _documents(jobs, kept), problem, held, energy, mode)


def _energy(ctx: WebContext, info: PrinterInfo, jobs: tuple[JobView, ...]) -> dict[int, JobEnergy]:
    now = ctx.clock()
    summary = ctx.power.energy_summary(info.name, ENERGY_DAYS, 1, now)
    return match_energy(jobs, summary.jobs, info.key, now)


def detail_json(detail: Detail) -> dict[str, Any]:
    """Return *detail* as ``GET /api/printers/{name}`` answers it."""
    out = info_json(detail.info)
    status = detail.status
    out.update(
        printer_state=status.state if status else None,
        state_reasons=list(status.reasons) if status else [],
        state_message=status.message if status else detail.problem,
        operations=sorted(status.operations) if status else [],
        identify=detail.identify,
        jobs=jobs_json(
            detail.jobs,
            detail.documents,
            {job_id: energy_json(record) for job_id, record in detail.energy.items()},
        ),
        supplies=supplies_json(status.supplies) if status else [],
        kept=[
            {
                "key": d.key,
                "job_id": d.job_id,
                "name": d.job_name,
                "user": d.user,
                "created": d.created,
                "size": d.size,
            }
            for d in detail.kept
        ],
        held=[d.as_json() for d in detail.held],
    )
    return out


async def _reprint(ctx: WebContext, info: PrinterInfo, key: str) -> str:
    doc = find_kept(spool_of(ctx, info), key)
    values = await asyncio.to_thread(doc.variables)
    job = KeptJob(doc.path, doc.content_type, doc.user, doc.job_name, job_attributes(values))
    try:
        status = await print_kept(job, info.port)
    except (OSError, IppError) as exc:
        raise JobError(f"{info.name}: reprint of job {doc.job_id}: {exc}") from exc
    if status >= 0x0100:
        raise JobError(f"{info.name}: the queue refused the reprint (status {status:#06x})")
    return f"{info.name}: job {doc.job_id} ({doc.job_name or 'untitled'}) sent again"


async def printer_action(ctx: WebContext, name: str, action: str, target: str = "") -> str:
    """Carry out *action* (cancel, hold, release: a job id; reprint: a document key; identify)."""
    info = ctx.printer(name)
    if action not in PRINTER_ACTIONS:
        raise InputError(f"unknown action {action!r} (one of {', '.join(PRINTER_ACTIONS)})")
    if info.state != "running":
        raise PrinterProcessError(f"printer {info.name!r} is not running ({info.state})")
    if action == "identify":
        mode = ctx.manager.settings.identify_for(info.device_uri)
        return await identify(info, mode, ctx.clock())
    if action == "reprint":
        return await _reprint(ctx, info, target)
    if not _JOB_ID.match(target):
        raise InputError(f"{target!r} is not a job id")
    return await run_job_operation(info.port, info.name, int(target), action)


async def _detail(request: web.Request) -> web.Response:
    detail = await printer_detail(request.app[WEB], request.app[KEEP], request.match_info["name"])
    return web.json_response(detail_json(detail))


async def _act(request: web.Request) -> web.Response:
    await read_json_object(request, empty_ok=True)  # nothing is needed, but only JSON is taken
    match = request.match_info
    target = match.get("job") or match.get("doc") or ""
    message = await printer_action(request.app[WEB], match["name"], match["action"], target)
    return web.json_response({"message": message})


async def keep_loop(app: web.Application) -> None:
    """Keep the listed jobs' documents and drop expired ones (see :class:`_Keeper`)."""
    keeper = _Keeper(app[WEB], app[KEEP])
    front = keeper.ctx.manager.front
    if front is not None:
        front.watch(keeper.request_seen)
    try:
        while True:
            await keeper.scan()
            await asyncio.sleep(KEEP_SCAN_S)
    finally:
        if front is not None:
            front.unwatch(keeper.request_seen)


class _Keeper:
    """Every KEEP_SCAN_S, the spools of the queues a request reached since; all of them
    every KEEP_SWEEP_S (or every time, without fronts to tell of requests)."""

    def __init__(self, ctx: WebContext, keep: KeepSettings) -> None:
        self.ctx, self.keep = ctx, keep
        #: per queue, the spooled documents whose job the queue listed (so they are kept)
        self.done: dict[str, set[str]] = {}
        #: the public ports a request reached since the last scan
        self.touched: set[int] = set()
        self.swept_at = self.pruned_at = -math.inf

    def request_seen(self, port: int, _head: object, _client: str) -> None:
        self.touched.add(port)

    async def scan(self) -> None:
        now = self.ctx.clock()
        sweep = self.ctx.manager.front is None or now - self.swept_at >= KEEP_SWEEP_S
        touched, self.touched = self.touched, set()
        keeping = self.keep.hours > 0 and (sweep or bool(touched))
        prune = now - self.pruned_at >= PRUNE_S
        if not (keeping or prune):
            return
        printers = self.ctx.manager.printers()
        if keeping:
            self.swept_at = now if sweep else self.swept_at
            for info in printers:
                if info.state == "running" and (sweep or info.port in touched):
                    await self._keep_new(info)
        if prune:
            self.pruned_at = now
            spools = [spool_of(self.ctx, info) for info in printers]
            await asyncio.to_thread(_prune_all, spools, self.keep, now)

    async def _keep_new(self, info: PrinterInfo) -> None:
        try:
            done = self.done.setdefault(info.key, set())
            await _keep_new(info, spool_of(self.ctx, info), self.keep, done)
        except (IppError, OSError) as exc:
            log.debug("%s: keeping documents: %s", info.name, exc)


def _prune_all(spools: list[Path], keep: KeepSettings, now: float) -> None:
    for spool in spools:
        try:
            prune_kept(spool, keep, now)
        except OSError as exc:
            log.debug("%s: pruning kept documents: %s", spool.name, exc)


async def _keep_new(info: PrinterInfo, spool: Path, keep: KeepSettings, done: set[str]) -> None:
    """Keep the queue's newly spooled documents; ask the queue only when there are some.

    An idle queue costs a directory listing, not a Get-Jobs: a hundred idle
    queues asked every 5 s kept the daemon busy for nothing.
    """
    spooled = spooled_documents(spool)
    done &= set(spooled)  # ippeveprinter deleted the others
    if not set(spooled) - done:
        return
    jobs = await queue_jobs(info.port)
    await asyncio.to_thread(keep_documents, spool, jobs, keep)
    listed = {j.id for j in jobs}
    done |= {name for name, job_id in spooled.items() if job_id in listed}


def add_printer_api(app: web.Application, keep: KeepSettings) -> None:
    """Add the per-printer JSON routes and the keeping task to *app* (which holds WEB)."""
    app[KEEP] = keep
    base = "/api/printers/{name}"
    app.router.add_get(base, _detail)
    app.router.add_post(base + "/jobs/{job}/{action:cancel|hold|release}", _act)
    app.router.add_post(base + "/documents/{doc}/{action:reprint}", _act)
    app.router.add_post(base + "/{action:identify}", _act)

    async def keeping(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(keep_loop(app), name="keep documents")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(keeping)
