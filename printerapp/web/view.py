"""The printers as the dashboard sees them, and the per-printer actions.

:func:`printer_view` joins the manager's :class:`PrinterInfo` with the plug
status and the job count; :func:`run_action` carries out one action (test
page, power on/off, hold, delay, restart) for both the JSON API and the HTML forms,
so both validate the same way.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

from printerapp.cups import CupsDirs
from printerapp.errors import InputError, IppError, PrinterProcessError, UnknownPrinterError
from printerapp.ipp.client import get_jobs
from printerapp.manager.held import count_held
from printerapp.manager.system import Manager, PrinterInfo
from printerapp.ppd.rank import Choice, DeviceQuery
from printerapp.web.logring import redact
from printerapp.web.power import MAX_SECONDS, NoPower, PowerControl
from printerapp.web.testpage import print_test_page

__all__ = [
    "ACTIONS",
    "RESTARTABLE",
    "WEB",
    "Ranker",
    "WebContext",
    "printer_view",
    "run_action",
]

log = logging.getLogger(__name__)

#: one Get-Jobs request for the job count
JOBS_TIMEOUT_S = 2
ACTIONS = ("testpage", "on", "off", "hold", "delay", "restart")
#: queue states in which the dashboard offers "Restart" (dashboard.js has the same list)
RESTARTABLE = frozenset({"stopped", "waiting"})

Ranker = Callable[[DeviceQuery, int], Choice]


@dataclass
class WebContext:
    """What the web handlers reach: the manager and the optional parts."""

    manager: Manager
    power: PowerControl = field(default_factory=NoPower)
    ranker: Ranker | None = None
    dirs: CupsDirs = field(default_factory=CupsDirs.from_env)
    clock: Callable[[], float] = time.time

    def printer(self, name: str) -> PrinterInfo:
        """Return the printer called *name* (service name or key)."""
        for info in self.manager.printers():
            if name in (info.name, info.key):
                return info
        raise UnknownPrinterError(f"no printer called {name!r}")


WEB = web.AppKey("web_context", WebContext)


async def queue_jobs(port: int) -> int | None:
    """Return how many not-completed jobs the queue on *port* has; None when it did not say."""
    try:
        jobs = await get_jobs(f"ipp://127.0.0.1:{port}/ipp/print", JOBS_TIMEOUT_S)
    except IppError as exc:
        log.debug("%s", exc)
        return None
    return len(jobs)


def info_json(info: PrinterInfo) -> dict[str, Any]:
    """Return a printer as the API shows it: its device URI without user or password."""
    return {**asdict(info), "device_uri": redact(info.device_uri)}


async def printer_view(ctx: WebContext, info: PrinterInfo) -> dict[str, Any]:
    """Return one printer with its plug, countdown, jobs and held documents, for the dashboard."""
    view = info_json(info)
    power = ctx.power.status(info.name)
    view["plug"] = None if power is None else asdict(power)
    view["jobs"] = await queue_jobs(info.port) if info.state == "running" else None
    view["held"] = count_held(ctx.manager.spool_dir / info.key)
    return view


async def snapshot(ctx: WebContext) -> dict[str, Any]:
    """Return every printer's view and the server's clock (for the countdowns)."""
    infos = ctx.manager.printers()
    views = await asyncio.gather(*(printer_view(ctx, i) for i in infos))
    return {"now": round(ctx.clock(), 3), "printers": list(views)}


def seconds_value(value: object, what: str) -> float:
    """Return *value* as seconds in [0, a week]; raise InputError naming *what*."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number of seconds") from None
    if isinstance(value, bool) or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        raise InputError(f"{what} must be between 0 and {MAX_SECONDS:.0f} seconds")
    return seconds


async def run_action(ctx: WebContext, name: str, action: str, value: object = None) -> str:
    """Carry out *action* on printer *name*; return what was done, for the user."""
    info = ctx.printer(name)
    if action == "testpage":
        if info.state != "running":
            raise PrinterProcessError(f"printer {info.name!r} is not running ({info.state})")
        await print_test_page(info.port, info.name, ctx.dirs)
        return f"test page sent to {info.name}"
    if action == "restart":
        info = await ctx.manager.restart(info.name)
        return f"{info.name} restarted: {info.state}"
    if action in ("on", "off"):
        await ctx.power.switch(info.name, action == "on")
        return f"{info.name}: plug switched {action}"
    if action == "hold":
        seconds = seconds_value(value, "hold")
        ctx.power.hold(info.name, seconds)
        return f"{info.name}: plug held on for {seconds:.0f} s"
    if action == "delay":
        seconds = seconds_value(value, "delay")
        ctx.power.set_delay(info.name, seconds)
        return f"{info.name}: idle delay set to {seconds:.0f} s"
    raise InputError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
