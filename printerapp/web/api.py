"""The JSON routes the dashboard adds to the control API.

=======  =====================================  =========================================
method   path                                   answer
=======  =====================================  =========================================
GET      /api/status                            ``{"now", "printers": [VIEW, ...]}``: each
                                                printer with ``plug`` (state, ``off_at``,
                                                delay, hold, ``prewarm``) and ``jobs``
GET      /api/drivers?device-id=&make-and-model=&uri=&limit=
                                                ``{"drivers": [{"name", "make_and_model",
                                                "score", "reasons", "generic"}], "reason"}``
GET      /api/energy?printer=&days=&months=     ``{"printer", "currency", "days": [{"day",
                                                "wh", "cost", "estimated"}], "months":
                                                [{"month", ...}], "jobs": [{"job", "job_id",
                                                "start", "end", "wh", "cost", "currency",
                                                "estimated"}]}``
GET      /api/events                            ``text/event-stream``: ``printers`` events
POST     /api/printers/{name}/testpage          ``{"message"}``
POST     /api/printers/{name}/power             body ``{"on": bool}``
POST     /api/printers/{name}/hold              body ``{"seconds": N}`` (0 ends it)
POST     /api/printers/{name}/delay             body ``{"seconds": N}``
=======  =====================================  =========================================

Errors are ``{"error": message}`` with the status of
:data:`printerapp.web.http.STATUSES`: 400 bad input, 404 no such printer,
409 the action does not fit the state (no plug, a job active, queue
stopped), 502 the queue failed, 503 the plug did not answer.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from printerapp.errors import InputError
from printerapp.ppd.rank import DeviceQuery
from printerapp.web.energyview import energy_json
from printerapp.web.events import events_handler
from printerapp.web.http import check_text, json_error, read_json_object
from printerapp.web.view import WEB, run_action, snapshot

__all__ = ["MAX_DAYS", "add_api_routes"]

log = logging.getLogger(__name__)

#: the longest energy history one request may ask for
MAX_DAYS = 366
MAX_MONTHS = 120
MAX_DRIVERS = 100


def _query_text(request: web.Request, key: str) -> str:
    return check_text(request.query.get(key, ""), key)


def _query_int(request: web.Request, key: str, default: int, top: int) -> int:
    text = request.query.get(key, str(default))
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise InputError(f"{key!r} must be a whole number from 1 to {top}")
    return int(text)


async def _status(request: web.Request) -> web.Response:
    return web.json_response(await snapshot(request.app[WEB]))


async def _drivers(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    query = DeviceQuery(
        _query_text(request, "device-id"),
        _query_text(request, "make-and-model"),
        _query_text(request, "uri"),
    )
    limit = _query_int(request, "limit", 20, MAX_DRIVERS)
    if not (query.device_id or query.make_model):
        raise InputError("give 'device-id' or 'make-and-model'")
    if ctx.ranker is None:
        return json_error(503, "the driver database is not loaded")
    choice = ctx.ranker(query, limit)
    drivers = [
        {
            "name": c.record.name,
            "make_and_model": c.record.make_and_model,
            "score": c.score,
            "reasons": list(c.reasons),
            "generic": c.generic,
        }
        for c in choice.candidates
    ]
    return web.json_response({"drivers": drivers, "reason": choice.reason})


async def _energy(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    name = _query_text(request, "printer")
    days = _query_int(request, "days", 30, MAX_DAYS)
    months = _query_int(request, "months", 12, MAX_MONTHS)
    info = ctx.printer(name)
    summary = ctx.power.energy_summary(info.name, days, months, ctx.clock())
    return web.json_response(energy_json(summary, info.name, info.key))


def _action_of(kind: str, body: dict[str, Any]) -> tuple[str, object]:
    if kind == "power":
        on = body.get("on")
        if not isinstance(on, bool):
            raise InputError("'on' must be true or false")
        return ("on" if on else "off"), None
    if kind in ("hold", "delay"):
        if "seconds" not in body:
            raise InputError("'seconds' is required")
        return kind, body["seconds"]
    return kind, None


async def _action(request: web.Request) -> web.Response:
    body = await read_json_object(request, empty_ok=True)
    action, value = _action_of(request.match_info["action"], body)
    message = await run_action(request.app[WEB], request.match_info["name"], action, value)
    return web.json_response({"message": message})


def add_api_routes(app: web.Application) -> None:
    """Add the JSON routes to *app* (which holds the WEB context)."""
    app.router.add_get("/api/status", _status)
    app.router.add_get("/api/drivers", _drivers)
    app.router.add_get("/api/energy", _energy)
    app.router.add_get("/api/events", events_handler)
    app.router.add_post("/api/printers/{name}/{action:testpage|power|hold|delay}", _action)
