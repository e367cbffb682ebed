"""Each printer's log (``/printers/{name}/log`` and its JSON) and the log-level switch.

=======  ============================  ==============================================
method   path                          answer
=======  ============================  ==============================================
GET      /api/printers/{name}/log      ``{"printer", "level", "records": [{"seq",
                                       "time", "level", "message", "source"}...]}``,
                                       oldest first; ``?level=`` shows from that
                                       level (default: the current log level),
                                       ``?after=SEQ`` only newer records
GET      /api/log-level                ``{"level", "levels"}``
POST     /api/log-level                body ``{"level": "DEBUG"}``: applies at once
=======  ============================  ==============================================

The page's form posts to ``/log-level`` (CSRF token, 303 back); both are
state-changing requests, so the security middleware guards them like every
other.  While the app runs, a :class:`~.logring.RingHandler` sits on the
root logger and a task follows the queues' own logs (:mod:`.queuelog`);
``static/log.js`` reloads ``#log`` every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from html import escape
from urllib.parse import urlencode

from aiohttp import web

from printerapp.errors import InputError
from printerapp.manager.system import PrinterInfo
from printerapp.web import queuelog
from printerapp.web.http import check_text, read_json_object
from printerapp.web.logring import (
    LOG_LEVELS,
    PLUG,
    LogEntry,
    LogRings,
    RingHandler,
    current_log_level,
    set_log_level,
)
from printerapp.web.printer_page import page_path
from printerapp.web.security import CSRF_FIELD, SECURITY
from printerapp.web.view import WEB

__all__ = ["LOG_RINGS", "add_log_view", "render_log_page"]

log = logging.getLogger(__name__)

LOG_RINGS = web.AppKey("log_rings", LogRings)
QUEUE_LOGS = web.AppKey("queue_logs", queuelog.QueueLogTail)
#: where the level form may send the browser back to: a path of this server
_LOCAL_PATH = re.compile(r"^/(?:[A-Za-z0-9._~%!$&'()*+,;=:@-][^\\\s]*)?$")
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _minimum(request: web.Request) -> int:
    text = request.query.get("level", "") or current_log_level()
    if text.upper() not in LOG_LEVELS:
        raise InputError(f"level {text!r} is not one of {', '.join(LOG_LEVELS)}")
    return logging.getLevelNamesMapping()[text.upper()]


def _entries(request: web.Request, info: PrinterInfo) -> list[LogEntry]:
    after = request.query.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        raise InputError(f"after {after!r} is not a record number")
    names = [info.key, info.name]
    if (power := request.app[WEB].power.status(info.name)) is not None:
        names.append(PLUG + power.plug)  # the records of the plug that powers it
    request.app[QUEUE_LOGS].wake(info.key)  # someone is reading it: follow it closely
    return request.app[LOG_RINGS].entries(names, _minimum(request), int(after))


async def _log_json(request: web.Request) -> web.Response:
    info = request.app[WEB].printer(request.match_info["name"])
    records = [e.as_json() for e in _entries(request, info)]
    body = {"printer": info.name, "level": current_log_level(), "records": records}
    return web.json_response(body)


async def _get_level(_request: web.Request) -> web.Response:
    return web.json_response({"level": current_log_level(), "levels": list(LOG_LEVELS)})


def _switch(level: str) -> str:
    old = current_log_level()
    new = set_log_level(level)
    # said at the new level or INFO, whichever is higher, so that it is always kept
    said = max(logging.INFO, logging.getLevelNamesMapping()[new])
    log.log(said, "log level %s (was %s)", new, old)
    return new


async def _post_level(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    level = check_text(body.get("level", ""), "level", required=True, limit=16)
    return web.json_response({"level": _switch(level), "levels": list(LOG_LEVELS)})


async def _form_level(request: web.Request) -> web.Response:
    form = await request.post()
    back = form.get("back", "/")
    # only a page of this server: never an open redirect ("//host", "/\\host" are other sites)
    if not isinstance(back, str) or not _LOCAL_PATH.match(back):
        back = "/"
    level = form.get("level", "")
    try:
        message = f"Log level: {_switch(level if isinstance(level, str) else '')}"
    except InputError as exc:
        message = f"Not done: {exc}"
    return web.Response(status=303, headers={"Location": back + "?" + urlencode({"msg": message})})


def _row(entry: LogEntry) -> str:
    when = time.strftime("%H:%M:%S", time.localtime(entry.time))
    level = entry.level.lower()
    return (
        f'<tr class="log {escape(level)} {escape(entry.source)}" data-seq="{entry.seq}">'
        f'<td class="when">{when}.{int(entry.time * 1000) % 1000:03d}</td>'
        f'<td class="level">{escape(entry.level)}</td>'
        f'<td class="text">{escape(entry.message)}</td></tr>'
    )


def _level_form(path: str, csrf: str) -> str:
    now = current_log_level()
    options = "".join(
        f"<option{' selected' if name == now else ''}>{name}</option>" for name in LOG_LEVELS
    )
    return (
        '<form method="post" action="/log-level" class="inline" id="log-level">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf, quote=True)}">'
        f'<input type="hidden" name="back" value="{escape(path, quote=True)}">'
        f'<label>Daemon log level <select name="level">{options}</select></label> '
        "<button>Apply</button></form>"
    )


def render_log_page(info: PrinterInfo, entries: list[LogEntry], csrf: str, message: str) -> str:
    """Return the HTML of printer *info*'s log page (newest record last)."""
    path = page_path(info.key) + "/log"
    note = f'<p id="message" role="status">{escape(message)}</p>' if message else ""
    rows = "".join(_row(e) for e in entries)
    table = (
        f'<div id="log-list" class="scroll"><table id="log"><tbody>{rows}</tbody></table>'
        + ("" if rows else '<p id="no-log">Nothing logged for this printer yet.</p>')
        + "</div>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Log of {escape(info.name)} - printerapp</title>"
        '<link rel="stylesheet" href="/static/dashboard.css">'
        '<link rel="stylesheet" href="/static/printer.css">'
        '<link rel="stylesheet" href="/static/log.css">'
        '<script src="/static/log.js" defer></script></head><body>'
        f'<header><a href="{escape(page_path(info.key), quote=True)}" class="back">&larr; '
        f"{escape(info.name)}</a><h1>Log</h1></header>"
        f"{note}<section><h2>Level</h2>{_level_form(path, csrf)}</section>"
        f"<section><h2>Records (level {current_log_level()} and above)</h2>{table}</section>"
        "</body></html>"
    )


async def _log_page(request: web.Request) -> web.Response:
    info = request.app[WEB].printer(request.match_info["name"])
    entries = _entries(request, info)
    message = request.query.get("msg", "")[:300]
    html = render_log_page(info, entries, request.app[SECURITY].csrf_token, message)
    return web.Response(text=html, content_type="text/html", headers=_HEADERS)


async def tail_loop(app: web.Application) -> None:
    """Follow the queues' logs: a busy one every queuelog.TAIL_S, each every IDLE_TAIL_S."""
    manager, tail = app[WEB].manager, app[QUEUE_LOGS]
    woken = asyncio.Event()
    #: public port -> queue key, for the requests the fronts see
    ports: dict[int, str] = {}

    def request_seen(port: int, _head: object, _client: str) -> None:
        if port not in ports:
            ports.update((p, key) for key, p in manager.ports().items())
        if (key := ports.get(port)) is not None:
            tail.wake(key, queuelog.WOKEN_S)
            woken.set()

    if manager.front is not None:
        manager.front.watch(request_seen)
    try:
        while True:
            woken.clear()
            due = tail.due()
            if due is None:  # every queue's turn
                queues = manager.ports()
                ports = {port: key for key, port in queues.items()}
                await asyncio.to_thread(tail.poll, list(queues))
            elif due:
                await asyncio.to_thread(tail.poll, due, every=False)
            if tail.busy():
                await asyncio.sleep(queuelog.TAIL_S)
            else:  # until the next sweep, or at once when a request reaches a queue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), tail.next_sweep())
    finally:
        if manager.front is not None:
            manager.front.unwatch(request_seen)


def add_log_view(app: web.Application, rings: LogRings | None = None) -> LogRings:
    """Add the log routes to *app* (which holds WEB); keep records while it runs."""
    rings = LogRings() if rings is None else rings
    app[LOG_RINGS] = rings
    app[QUEUE_LOGS] = queuelog.QueueLogTail(app[WEB].manager.log_dir)
    app.router.add_get("/api/printers/{name}/log", _log_json)
    app.router.add_get("/api/log-level", _get_level)
    app.router.add_post("/api/log-level", _post_level)
    app.router.add_post("/log-level", _form_level)
    app.router.add_get("/printers/{name}/log", _log_page)

    async def keeping(_app: web.Application) -> AsyncIterator[None]:
        handler = RingHandler(rings)
        logging.getLogger().addHandler(handler)
        task = asyncio.create_task(tail_loop(app), name="queue logs")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        logging.getLogger().removeHandler(handler)

    app.cleanup_ctx.append(keeping)
    return rings
