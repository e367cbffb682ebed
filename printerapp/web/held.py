"""Held documents of one printer: the JSON routes, the page section and its forms.

=======  =============================================  =============================
method   path                                           answer
=======  =============================================  =============================
GET      /api/printers/{name}/held                      ``{"held": [...]}``
POST     /api/printers/{name}/held/{id}/resubmit        ``{"message"}``: a new job
DELETE   /api/printers/{name}/held/{id}                 ``{"message"}``
=======  =============================================  =============================

The printer page posts ``/printers/{name}/held/{id}/resubmit|delete`` (forms
cannot send DELETE) and is redirected back with a message.  See
:mod:`printerapp.manager.held` for where the documents come from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from html import escape
from urllib.parse import quote, urlencode

from aiohttp import web

from printerapp.errors import InputError, JobError, PrinterProcessError
from printerapp.manager.held import HeldDocument, delete_held, list_held, resubmit_held
from printerapp.web.http import read_json_object
from printerapp.web.printer_api import spool_of
from printerapp.web.security import CSRF_FIELD
from printerapp.web.view import WEB, WebContext

__all__ = ["add_held_routes", "held_action", "held_section"]


async def held_action(ctx: WebContext, name: str, doc_id: str, action: str) -> str:
    """Resubmit or delete held document *doc_id* of printer *name*; return a message."""
    info = ctx.printer(name)
    spool = spool_of(ctx, info)
    if action == "delete":
        doc = await asyncio.to_thread(delete_held, spool, doc_id)
        return f"{info.name}: held document {doc.job_name or doc.id!r} deleted"
    if action != "resubmit":
        raise InputError(f"unknown action {action!r} (resubmit or delete)")
    if info.state != "running":
        raise PrinterProcessError(f"printer {info.name!r} is not running ({info.state})")
    doc = await resubmit_held(spool, doc_id, info.port)
    return f"{info.name}: held document {doc.job_name or doc.id!r} sent to the queue again"


def _a(text: object) -> str:
    return escape(str(text), quote=True)


def _button(path: str, csrf: str, label: str, cls: str, aria: str) -> str:
    return (
        f'<form method="post" action="{_a(path)}" class="inline {cls}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">'
        f'<button aria-label="{_a(aria)}">{escape(label)}</button></form>'
    )


def _row(page: str, doc: HeldDocument, csrf: str) -> str:
    base = f"{page}/held/{doc.id}"
    what = doc.job_name or doc.id
    shown = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(doc.held_at))
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(doc.held_at))
    resubmit = _button(base + "/resubmit", csrf, "Resubmit", "resubmit", f"Resubmit {what}")
    return (
        f'<tr class="held-doc" data-id="{_a(doc.id)}"><td>{escape(doc.job_name)}'
        f'<div class="sub">{escape(doc.user)}</div></td>'
        f'<td><time datetime="{iso}">{shown}</time></td>'
        f"<td>{doc.size // 1024 + 1} KiB</td><td>{escape(doc.reason)}</td>"
        f'<td class="actions">{resubmit}'
        f"{_button(base + '/delete', csrf, 'Delete', 'delete', f'Delete {what}')}</td></tr>"
    )


def held_section(page: str, docs: Sequence[HeldDocument], csrf: str, days: float) -> str:
    """Return the page's "Held documents" section (empty when none are held)."""
    if not docs:
        return ""
    kept = f"kept {days:g} days" if days > 0 else "kept until deleted"
    rows = "".join(_row(page, d, csrf) for d in docs)
    return (
        f'<section><h2>Held documents ({kept})</h2><p class="sub">These jobs failed on every '
        "retry and were aborted; their documents wait here until resubmitted.</p>"
        '<div class="scroll"><table id="held"><thead><tr><th>Name / owner</th><th>Held</th>'
        f"<th>Size</th><th>Reason</th><th>Actions</th></tr></thead><tbody>{rows}</tbody>"
        "</table></div></section>"
    )


async def _list(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    info = ctx.printer(request.match_info["name"])
    docs = await asyncio.to_thread(list_held, spool_of(ctx, info))
    return web.json_response({"held": [d.as_json() for d in docs]})


async def _act(request: web.Request) -> web.Response:
    if request.method == "POST":
        await read_json_object(request, empty_ok=True)  # only JSON is taken
    match = request.match_info
    action = "delete" if request.method == "DELETE" else match["action"]
    message = await held_action(request.app[WEB], match["name"], match["id"], action)
    return web.json_response({"message": message})


async def _form(request: web.Request) -> web.Response:
    match = request.match_info
    back = "/printers/" + quote(match["name"], safe="")
    try:
        message = await held_action(request.app[WEB], match["name"], match["id"], match["action"])
    except InputError as exc:
        message = f"Not done: {exc}"
    except (PrinterProcessError, JobError) as exc:
        message = f"Failed: {exc}"
    return web.Response(status=303, headers={"Location": back + "?" + urlencode({"msg": message})})


def add_held_routes(app: web.Application) -> None:
    """Add the held documents' JSON routes and forms to *app* (which holds WEB)."""
    api = "/api/printers/{name}/held"
    app.router.add_get(api, _list)
    app.router.add_post(api + "/{id}/{action:resubmit}", _act)
    app.router.add_delete(api + "/{id}", _act)
    app.router.add_post("/printers/{name}/held/{id}/{action:resubmit|delete}", _form)
