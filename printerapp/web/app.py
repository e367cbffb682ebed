"""Put the dashboard, its JSON routes, the event stream and the security checks on the control app.

The daemon calls :func:`add_dashboard` once, on the app that
:func:`printerapp.web.control.control_app` returned and before it
starts serving::

    app = control_app(manager, devices)
    web_parts = add_dashboard(app, manager, bind_host=host, state_dir=state_dir,
                              power=power, ranker=ranker_for(drivers))
    log.info("dashboard: %s", dashboard_url(host, port))

The security middleware then guards every route of the app, the lead's
included.  The manager (or anything on the loop) may publish to
``web_parts.hub`` directly; a watcher also publishes every change it sees.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from printerapp.cups import CupsDirs
from printerapp.manager.system import Manager
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.needs import missing_needs
from printerapp.ppd.rank import Choice, DeviceQuery, choose
from printerapp.web import (
    api,
    dashboard,
    defaults_api,
    defaults_page,
    events,
    held,
    logview,
    printer_api,
    printer_page,
)
from printerapp.web.kept import KeepSettings
from printerapp.web.logring import LogRings
from printerapp.web.power import NoPower, PowerControl
from printerapp.web.security import SECURITY, Security, security_middleware
from printerapp.web.view import WEB, Ranker, WebContext, snapshot

__all__ = ["WebParts", "add_dashboard", "dashboard_url", "ranker_for"]


@dataclass(frozen=True, slots=True)
class WebParts:
    """What :func:`add_dashboard` set up, for the daemon and tests."""

    context: WebContext
    hub: events.EventHub
    security: Security
    #: each printer's recent log records
    logs: LogRings


def ranker_for(index: DriverIndex, missing: frozenset[str] | None = None) -> Ranker:
    """Return the driver ranking over *index* (e.g. ``DatabaseDrivers.index``).

    Drivers needing what this host lacks (*missing*, found on the host when
    None) come after the free ones, as the manager would choose.
    """
    lacking = missing_needs() if missing is None else missing

    def ranked(query: DeviceQuery, limit: int) -> Choice:
        return choose(index, query, missing=lacking, limit=limit)

    return ranked


def dashboard_url(host: str, port: int) -> str:
    """Return the dashboard's URL for a server bound to *host*:*port*."""
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/"


def add_dashboard(
    app: web.Application,
    manager: Manager,
    *,
    bind_host: str,
    state_dir: Path,
    power: PowerControl | None = None,
    ranker: Ranker | None = None,
    dirs: CupsDirs | None = None,
    clock: Callable[[], float] | None = None,
    keep: KeepSettings | None = None,
) -> WebParts:
    """Add the dashboard, its API, the event stream and the security checks to *app*."""
    security = Security.for_bind(bind_host, state_dir)
    context = WebContext(manager, power or NoPower(), ranker, dirs or CupsDirs.from_env())
    if clock is not None:
        context.clock = clock
    hub = events.EventHub()
    app[SECURITY] = security
    app[WEB] = context
    app[events.EVENT_HUB] = hub

    async def current() -> dict[str, Any]:
        return await snapshot(context)

    app[events.SNAPSHOT] = current
    app.middlewares.append(security_middleware(security))
    api.add_api_routes(app)
    dashboard.add_dashboard_routes(app)
    printer_api.add_printer_api(app, keep or KeepSettings())
    printer_page.add_printer_page(app)
    held.add_held_routes(app)
    defaults_api.add_defaults_api(app)
    defaults_page.add_defaults_page(app)
    logs = logview.add_log_view(app)

    async def watching(_app: web.Application) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        task = asyncio.create_task(events.watch(hub, current), name="dashboard events")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def close_streams(_app: web.Application) -> None:
        hub.close()

    app.cleanup_ctx.append(watching)
    app.on_shutdown.append(close_streams)
    return WebParts(context, hub, security, logs)
