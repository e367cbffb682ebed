"""``/printers/{name}``: one printer's status, supplies, jobs and kept documents, server-rendered.

Every value shown is escaped (printer, job and user names come from the
network).  Each button is a form posting with the CSRF token and redirecting
back (303) with a message, so the page works without script;
``static/printer.js`` reloads ``#detail`` when the event stream reports a
change, and every few seconds for the queue's own changes.
"""

from __future__ import annotations

import time
from html import escape
from urllib.parse import quote, urlencode

from aiohttp import web

from printerapp.errors import InputError, JobError, PowerError, PrinterProcessError
from printerapp.supplies.levels import SupplyLevel
from printerapp.web import defaults_page
from printerapp.web.held import held_section
from printerapp.web.jobenergy import energy_text
from printerapp.web.jobs import JobView
from printerapp.web.kept import KeptDocument
from printerapp.web.logring import redact
from printerapp.web.printer_api import KEEP, Detail, printer_action, printer_detail
from printerapp.web.security import CSRF_FIELD, SECURITY
from printerapp.web.view import WEB

__all__ = ["add_printer_page", "page_path", "render_printer"]

_MESSAGE_LIMIT = 300
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _a(text: object) -> str:
    return escape(str(text), quote=True)


def page_path(key: str) -> str:
    """Return the page of the printer with queue key (or name) *key*."""
    return "/printers/" + quote(key, safe="")


def _button(path: str, csrf: str, label: str, cls: str, aria: str) -> str:
    return (
        f'<form method="post" action="{_a(path)}" class="inline {cls}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">'
        f'<button aria-label="{_a(aria)}">{escape(label)}</button></form>'
    )


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    shown = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    return f'<time datetime="{iso}">{shown}</time>'


def _status(d: Detail, csrf: str) -> str:
    info, status = d.info, d.status
    rows = [("Queue", f"{info.state}" + (f" ({info.reason})" if info.reason else ""))]
    if status is None:
        rows.append(("Printer", f"unknown: {d.problem}"))
    else:
        rows += [
            ("Printer", status.state),
            ("Reasons", ", ".join(status.reasons) or "none"),
            ("Message", status.message or "-"),
        ]
    cells = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    out = f'<dl id="status">{cells}</dl>'
    if d.can_identify:
        path = page_path(info.key) + "/identify"
        out += _button(path, csrf, "Identify", "identify", "Identify the printer")
    return out


def _bar(s: SupplyLevel) -> str:
    colour = s.colour or "#888888"
    level = s.level
    shown = "unknown" if level is None else f"{level} %"
    warn = {"empty": "empty", "low": "low", "full": "full", "almost-full": "almost full"}
    note = f' <strong class="warn">{warn[s.status]}</strong>' if s.status in warn else ""
    value = "" if level is None else f' aria-valuenow="{level}"'
    return (
        f'<li class="supply {_a(s.status)}"><span class="supply-name">{escape(s.name)}</span>'
        f'<span class="bar" role="meter" aria-valuemin="0" aria-valuemax="100"{value} '
        f'aria-label="{_a(s.name)}"><span class="fill" '
        f'style="width:{level or 0}%;background:{_a(colour)}"></span></span>'
        f'<span class="level">{escape(shown)}{note}</span></li>'
    )


def _supplies(d: Detail) -> str:
    if d.status is None or not d.status.supplies:
        return '<p id="supplies-unknown">Supply levels: unknown.</p>'
    return f'<ul id="supplies">{"".join(_bar(s) for s in d.status.supplies)}</ul>'


def _job_actions(d: Detail, job: JobView, csrf: str) -> str:
    base = f"{page_path(d.info.key)}/jobs/{job.id}"
    ops = d.status.operations if d.status else frozenset()
    out = []
    if not job.ended:
        out.append(_button(base + "/cancel", csrf, "Cancel", "cancel", f"Cancel job {job.id}"))
    if job.state == "pending" and "Hold-Job" in ops:
        out.append(_button(base + "/hold", csrf, "Hold", "hold", f"Hold job {job.id}"))
    if job.state == "held" and "Release-Job" in ops:
        out.append(_button(base + "/release", csrf, "Release", "release", f"Release job {job.id}"))
    if job.ended and (key := d.documents.get(job.id)):
        path = f"{page_path(d.info.key)}/documents/{key}/reprint"
        out.append(_button(path, csrf, "Reprint", "reprint", f"Reprint job {job.id}"))
    return "".join(out)


def _job_row(d: Detail, job: JobView, csrf: str) -> str:
    why = ", ".join(job.reasons)
    return (
        f'<tr id="job-{job.id}" class="job {_a(job.state)}"><td class="id">{job.id}</td>'
        f'<td class="job-name">{escape(job.name)}<div class="sub">{escape(job.user)}</div></td>'
        f'<td class="job-state">{escape(job.state)}<div class="sub">{escape(why)}</div>'
        f'<div class="sub">{escape(job.message)}</div></td>'
        f'<td class="pages">{"" if job.pages is None else job.pages}</td>'
        f'<td class="energy">{escape(energy_text(d.energy.get(job.id)))}</td>'
        f'<td class="times">{_when(job.created)}'
        f'<div class="sub">{_when(job.completed)}</div></td>'
        f'<td class="actions">{_job_actions(d, job, csrf)}</td></tr>'
    )


def _jobs(d: Detail, csrf: str) -> str:
    if not d.jobs:
        return '<p id="no-jobs">No jobs. (The queue lists ended jobs for a minute.)</p>'
    rows = "".join(_job_row(d, j, csrf) for j in d.jobs)
    return (
        '<div class="scroll"><table id="jobs"><thead><tr><th>#</th><th>Name / owner</th>'
        "<th>State / reason</th><th>Pages</th><th>Energy</th><th>Created / ended</th>"
        "<th>Actions</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def _kept_row(d: Detail, doc: KeptDocument, csrf: str) -> str:
    path = f"{page_path(d.info.key)}/documents/{doc.key}/reprint"
    label = f"Reprint {doc.job_name or 'job'} from {time.ctime(doc.created)}"
    return (
        f'<tr id="kept-{_a(doc.key)}"><td>{doc.job_id}</td><td>{escape(doc.job_name)}'
        f'<div class="sub">{escape(doc.user)}</div></td><td>{_when(doc.created)}</td>'
        f"<td>{doc.size // 1024 + 1} KiB</td>"
        f'<td class="actions">{_button(path, csrf, "Reprint", "reprint", label)}</td></tr>'
    )


def _kept(d: Detail, csrf: str, hours: float) -> str:
    listed = set(d.documents.values())
    older = [k for k in d.kept if k.key not in listed]
    if not older:
        return ""
    rows = "".join(_kept_row(d, k, csrf) for k in older)
    return (
        f"<section><h2>Earlier documents (kept {hours:g} h)</h2>"
        '<div class="scroll"><table id="kept"><thead><tr><th>#</th><th>Name / owner</th>'
        f"<th>Created</th><th>Size</th><th>Actions</th></tr></thead><tbody>{rows}</tbody>"
        "</table></div></section>"
    )


def render_detail(d: Detail, csrf: str, hours: float, held_days: float = 7.0) -> str:
    """Return the part of the page that live updates replace."""
    held = held_section(page_path(d.info.key), d.held, csrf, held_days)
    return (
        f'<div id="detail"><section><h2>Status</h2>{_status(d, csrf)}</section>'
        f"<section><h2>Supplies</h2>{_supplies(d)}</section>"
        f"<section><h2>Jobs</h2>{_jobs(d, csrf)}</section>{held}{_kept(d, csrf, hours)}</div>"
    )


def render_printer(
    d: Detail, csrf: str, message: str, hours: float, held_days: float = 7.0, extra: str = ""
) -> str:
    """Return the printer page's HTML; *extra* (the settings forms) follows the live part."""
    info = d.info
    note = f'<p id="message" role="status">{escape(message)}</p>' if message else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(info.name)} - printerapp</title>"
        '<link rel="stylesheet" href="/static/dashboard.css">'
        '<link rel="stylesheet" href="/static/printer.css">'
        '<script src="/static/printer.js" defer></script></head><body>'
        '<header><a href="/" class="back">&larr; All printers</a>'
        f'<h1>{escape(info.name)}</h1><span id="live">connecting…</span></header>'
        f'<p class="sub">{escape(info.make_and_model)} &middot; {escape(redact(info.device_uri))}'
        f' &middot; <a href="{_a(page_path(info.key))}/log" id="log-link">Log</a></p>'
        f"{note}{render_detail(d, csrf, hours, held_days)}{extra}</body></html>"
    )


async def _page(request: web.Request) -> web.Response:
    keep = request.app[KEEP]
    detail = await printer_detail(request.app[WEB], keep, request.match_info["name"])
    message = request.query.get("msg", "")[:_MESSAGE_LIMIT]
    csrf = request.app[SECURITY].csrf_token
    forms = await defaults_page.sections(request.app[WEB], request.match_info["name"], csrf)
    html = render_printer(detail, csrf, message, keep.hours, keep.held_days, forms)
    return web.Response(text=html, content_type="text/html", headers=_HEADERS)


async def _form_action(request: web.Request) -> web.Response:
    match = request.match_info
    target = match.get("job") or match.get("doc") or ""
    back = page_path(match["name"])
    try:
        message = await printer_action(request.app[WEB], match["name"], match["action"], target)
    except InputError as exc:
        message = f"Not done: {exc}"
    except (PrinterProcessError, PowerError, JobError) as exc:
        message = f"Failed: {exc}"
    return web.Response(status=303, headers={"Location": back + "?" + urlencode({"msg": message})})


def add_printer_page(app: web.Application) -> None:
    """Add the printer page and its forms to *app* (after :func:`add_printer_api`)."""
    app.router.add_get("/printers/{name}", _page)
    app.router.add_post("/printers/{name}/jobs/{job}/{action:cancel|hold|release}", _form_action)
    app.router.add_post("/printers/{name}/documents/{doc}/{action:reprint}", _form_action)
    app.router.add_post("/printers/{name}/{action:identify}", _form_action)
