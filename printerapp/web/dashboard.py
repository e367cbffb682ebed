"""The dashboard: one server-rendered page, forms that work without script, live updates with it.

``GET /`` renders the printers table (state with its reason, last crash and
next try, jobs, plug, countdown to power-off), each printer's actions (Restart
only while the queue is stopped or waiting) and daily-energy chart, and the "add
printer" form with the detected devices and, for the chosen one
(``/?device=URI``), its ranked drivers.  Every form posts with the CSRF
token and redirects back (303).  ``static/dashboard.js`` then keeps the table
live from ``/api/events`` and fetches ranked drivers when another device is
picked.  No CDN, no external asset: the machine may be offline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote, urlencode

from aiohttp import web

from printerapp.detection.records import Device, Transport
from printerapp.deviceid import parse_device_id
from printerapp.errors import DriverError, InputError, JobError, PowerError, PrinterProcessError
from printerapp.manager.system import PrinterInfo
from printerapp.ppd.rank import DeviceQuery
from printerapp.web.control import DEVICES
from printerapp.web.energyview import energy_html, summary_svg
from printerapp.web.http import check_text
from printerapp.web.security import CSRF_FIELD, SECURITY, login
from printerapp.web.view import RESTARTABLE, WEB, WebContext, run_action

__all__ = ["CHART_DAYS", "STATIC_DIR", "add_dashboard_routes"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
#: days in each printer's energy chart
CHART_DAYS = 30
#: months listed under each chart
CHART_MONTHS = 3
_MESSAGE_LIMIT = 300
_DRIVER_CHOICES = 20
#: the page and its scripts come from this server only
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer makes Chromium send Origin: null
    "Cache-Control": "no-store",
}


def _a(text: object) -> str:
    return escape(str(text), quote=True)


def _form(
    path: str, csrf: str, fields: str, button: str, cls: str = "", *, hidden: bool = False
) -> str:
    shown = " hidden" if hidden else ""
    return (
        f'<form method="post" action="{_a(path)}" class="inline {cls}"{shown}>'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">{fields}'
        f"<button>{escape(button)}</button></form>"
    )


def _actions(info: PrinterInfo, csrf: str, has_plug: bool) -> str:
    path = f"/printers/{quote(info.key, safe='')}/action"
    hidden = '<input type="hidden" name="action" value="{}">'.format
    out = [_form(path, csrf, hidden("testpage"), "Test page", "testpage")]
    # always there, so that the live updates can show it when the queue fails
    out.append(
        _form(
            path,
            csrf,
            hidden("restart"),
            "Restart",
            "restart",
            hidden=info.state not in RESTARTABLE,
        )
    )
    if has_plug:
        out += [
            _form(path, csrf, hidden("on"), "Power on", "power-on"),
            _form(path, csrf, hidden("off"), "Power off", "power-off"),
            # visible words, not bare numbers: what the field is and in which unit
            _form(
                path,
                csrf,
                hidden("hold") + '<label class="num-field">keep on for '
                '<input name="value" type="number" min="0" value="3600" '
                'aria-label="seconds to keep the plug on" class="num"> s</label>',
                "Keep on",
            ),
            _form(
                path,
                csrf,
                hidden("delay") + '<label class="num-field">off when idle for '
                '<input name="value" type="number" min="0" value="600" '
                'aria-label="idle seconds before power-off" class="num"> s</label>',
                "Set",
            ),
        ]
    return "".join(out)


def _state(info: PrinterInfo, now: float) -> str:
    """The state cell: the state, its reason, the last crash and the countdown to the next try."""
    crash = info.last_crash
    shown_crash = f"last crash: {crash}" if crash and crash not in info.reason else ""
    retry_at, retry = "", ""
    if info.retry_at is not None:
        retry_at = f"{info.retry_at:.3f}"
        retry = f"next try in {max(0, round(info.retry_at - now))} s"
    return (
        f'<td class="state">{escape(info.state)}'
        f'<div class="sub reason">{escape(info.reason)}</div>'
        f'<div class="sub crash">{escape(shown_crash)}</div>'
        f'<div class="sub retry" data-retry-at="{retry_at}">{escape(retry)}</div></td>'
    )


def _row(ctx: WebContext, info: PrinterInfo, csrf: str) -> str:
    power = ctx.power.status(info.name)
    plug = "-" if power is None else f"{_a(power.plug)}: {_a(power.state)}"
    off_at = "" if power is None or power.off_at is None else f"{power.off_at:.3f}"
    return (
        f'<tr id="printer-{_a(info.key)}" data-name="{_a(info.name)}">'
        f'<td class="name"><a href="/printers/{_a(quote(info.key, safe=""))}">{escape(info.name)}'
        f'</a><div class="sub">{escape(info.uri)}</div>'
        f'<div class="sub">{escape(info.make_and_model)}</div></td>'
        f"{_state(info, ctx.clock())}"
        '<td><span class="jobs">-</span><div class="sub held"></div></td>'
        f'<td class="plug">{plug}</td>'
        f'<td class="countdown" data-off-at="{off_at}">-</td>'
        f'<td class="actions">{_actions(info, csrf, power is not None)}</td></tr>'
    )


def _printers(ctx: WebContext, infos: Sequence[PrinterInfo], csrf: str) -> str:
    if not infos:
        return '<p id="no-printers">No printers yet: add one below.</p>'
    rows = "".join(_row(ctx, i, csrf) for i in infos)
    return (
        '<table id="printers"><thead><tr><th>Printer</th><th>State</th><th>Jobs</th>'
        "<th>Plug</th><th>Power-off in</th><th>Actions</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _charts(ctx: WebContext, infos: Sequence[PrinterInfo]) -> str:
    out = []
    for info in infos:
        if ctx.power.status(info.name) is None:
            continue
        summary = ctx.power.energy_summary(info.name, CHART_DAYS, CHART_MONTHS, ctx.clock())
        body = energy_html(summary, info.name, info.key)
        out.append(f'<figure id="energy-{_a(info.key)}">{body}</figure>')
    return "".join(out) or "<p>No printer has a plug, so no energy is measured.</p>"


def _device_options(devices: Sequence[Device], chosen: str) -> str:
    out = ['<option value="">(enter a URI below)</option>']
    for d in devices:
        sel = " selected" if d.uri == chosen else ""
        label = f"{d.make_and_model or d.info or d.uri} ({d.uri})"
        out.append(
            f'<option value="{_a(d.uri)}" data-device-id="{_a(d.device_id)}" '
            f'data-make-model="{_a(d.make_and_model)}"{sel}>{escape(label)}</option>'
        )
    return "".join(out)


def _driver_options(ctx: WebContext, device: Device | None) -> str:
    out = ['<option value="">(best match)</option>']
    if device is None or ctx.ranker is None:
        return "".join(out)
    query = DeviceQuery(str(device.device_id), device.make_and_model, device.uri)
    for c in ctx.ranker(query, _DRIVER_CHOICES).candidates:
        why = ", ".join(c.reasons)
        text = f"{c.record.make_and_model} [{why}]"
        out.append(f'<option value="{_a(c.record.name)}">{escape(text)}</option>')
    return "".join(out)


def _add_form(ctx: WebContext, devices: Sequence[Device], chosen: str, csrf: str) -> str:
    device = next((d for d in devices if d.uri == chosen), None)
    return (
        f'<form method="post" action="/add" id="add-printer">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">'
        f'<label>Detected device <select name="device" id="device">'
        f"{_device_options(devices, chosen)}</select></label>"
        '<label>or device URI <input name="device_uri" id="device_uri" '
        'placeholder="socket://192.168.1.20:9100"></label>'
        f'<label>Driver <select name="ppd" id="ppd">{_driver_options(ctx, device)}</select></label>'
        '<label>Name <input name="name" id="name" placeholder="(automatic)"></label>'
        "<button>Add printer</button></form>"
    )


def render_page(
    ctx: WebContext, devices: Sequence[Device], csrf: str, message: str, chosen: str
) -> str:
    """Return the dashboard's HTML."""
    infos = ctx.manager.printers()
    note = f'<p id="message" role="status">{escape(message)}</p>' if message else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{_a(csrf)}">'
        '<title>printerapp</title><link rel="stylesheet" href="/static/dashboard.css">'
        '<script src="/static/dashboard.js" defer></script></head><body>'
        '<header><h1>printerapp</h1><span id="live">connecting…</span></header>'
        f"{note}<section><h2>Printers</h2>{_printers(ctx, infos, csrf)}</section>"
        f"<section><h2>Add a printer</h2>{_add_form(ctx, devices, chosen, csrf)}</section>"
        f"<section><h2>Energy, last {CHART_DAYS} days</h2>{_charts(ctx, infos)}</section>"
        "</body></html>"
    )


async def _page(request: web.Request) -> web.Response:
    security = request.app[SECURITY]
    if (answer := login(request, security)) is not None:
        return answer
    devices = list(request.app[DEVICES]())
    message = request.query.get("msg", "")[:_MESSAGE_LIMIT]
    chosen = request.query.get("device", "")
    html = render_page(request.app[WEB], devices, security.csrf_token, message, chosen)
    return web.Response(text=html, content_type="text/html", headers=_HEADERS)


def _back(message: str) -> web.Response:
    return web.Response(status=303, headers={"Location": "/?" + urlencode({"msg": message})})


def _field(form: dict[str, str], key: str, limit: int = 1023) -> str:
    return check_text(form.get(key, "").strip(), key, limit=limit)


def _device_uri(form: dict[str, str]) -> str:
    uri = _field(form, "device_uri") or _field(form, "device")
    if ":" not in uri:
        raise InputError("choose a detected device or enter a URI such as socket://host:9100")
    return uri


async def _form_fields(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _add(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    try:
        form = await _form_fields(request)
        uri = _device_uri(form)
        known = next((d for d in request.app[DEVICES]() if d.uri == uri), None)
        device = known or Device(uri, "", device_id=parse_device_id(""), transport=Transport.OTHER)
        info = await ctx.manager.add_manual(device, _field(form, "ppd"), _field(form, "name"))
    except InputError as exc:
        return web.Response(status=400, text=f"Bad request: {exc}\n")
    except (DriverError, PrinterProcessError) as exc:
        return _back(f"Not added: {exc}")
    return _back(f"Added {info.name} at {info.uri}")


async def _action(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    try:
        form = await _form_fields(request)
        message = await run_action(
            ctx, request.match_info["name"], _field(form, "action", 16), form.get("value")
        )
    except InputError as exc:
        return web.Response(status=400, text=f"Bad request: {exc}\n")
    except (PrinterProcessError, PowerError, JobError) as exc:
        return _back(f"Failed: {exc}")
    return _back(message)


async def _chart(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    info = ctx.printer(request.match_info["name"])
    summary = ctx.power.energy_summary(info.name, CHART_DAYS, 1, ctx.clock())
    return web.Response(text=summary_svg(summary, info.name), content_type="image/svg+xml")


def add_dashboard_routes(app: web.Application) -> None:
    """Add the page, its forms, the chart and the static files to *app*."""
    app.router.add_get("/", _page)
    app.router.add_post("/add", _add)
    app.router.add_post("/printers/{name}/action", _action)
    app.router.add_get("/energy/{name}.svg", _chart)
    app.router.add_static("/static", STATIC_DIR, show_index=False, follow_symlinks=False)
