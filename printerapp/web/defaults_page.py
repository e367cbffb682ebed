"""The "Printing defaults" and "Media" forms of the printer page, and their form posts.

They sit outside the page's live ``#detail`` part, so a refresh never throws
away a choice being made.  Each form posts the whole set (with the CSRF
token) and comes back to the page (303) with a message; the values are
checked exactly as ``PUT /api/printers/{name}/defaults|media`` checks them.
Every value shown is escaped: choice texts come from the PPD.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from printerapp.errors import InputError, PrinterAppError
from printerapp.web.defaults_api import (
    Printing,
    defaults_json,
    media_json,
    printing_of,
    store_defaults,
    store_media,
)
from printerapp.web.security import CSRF_FIELD
from printerapp.web.view import WebContext

__all__ = ["add_defaults_page", "render_defaults"]

_OPTION_PREFIX = "opt."
_SLOT_PREFIX = "slot."
_TYPE_PREFIX = "type."
_STANDARD = ("media", "sides", "print-quality", "print-color-mode")
#: the forms' layout, inline (the page allows inline styles) so printer.css stays untouched
_STYLE = (
    "<style>.settings div{display:flex;flex-wrap:wrap;gap:.3em .8em;align-items:center;"
    "margin:.3em 0}.settings label{min-width:12em}.settings select{max-width:100%;"
    "font:inherit;min-height:2.2em}</style>"
)
_TEXTS = {
    "one-sided": "One-sided",
    "two-sided-long-edge": "Two-sided (long edge)",
    "two-sided-short-edge": "Two-sided (short edge)",
}
_LABELS = {
    "media": "Media",
    "sides": "Sides",
    "print-quality": "Print quality",
    "print-color-mode": "Colour mode",
}


def _a(text: object) -> str:
    return escape(str(text), quote=True)


def _select(name: str, label: str, choices: list[tuple[str, str]], value: str, field: str) -> str:
    opts = "".join(
        f'<option value="{_a(v)}"{" selected" if v == value else ""}>{escape(t)}</option>'
        for v, t in choices
    )
    return (
        f'<label for="{_a(field)}">{escape(label)}</label>'
        f'<select id="{_a(field)}" name="{_a(name)}">{opts}</select>'
    )


def _defaults_form(path: str, csrf: str, d: dict[str, Any]) -> str:
    rows = []
    for name in _STANDARD:
        supported = d["supported"][name]
        pairs = [
            (s["name"], s["text"]) if isinstance(s, dict) else (s, _TEXTS.get(s, s))
            for s in supported
        ]
        shown = dict(pairs).get(d["ppd_defaults"][name], d["ppd_defaults"][name])
        choices = [("", f"Printer default ({shown})"), *pairs]
        rows.append(_select(name, _LABELS[name], choices, d[name], f"default-{name}"))
    for o in d["ppd_options"]:
        field = f"option-{o['keyword']}"
        default = next((c["text"] for c in o["choices"] if c["name"] == o["default"]), "")
        choices = [("", f"Printer default ({default})")]
        choices += [(c["name"], c["text"]) for c in o["choices"]]
        value = d["options"].get(o["keyword"], "")
        rows.append(_select(_OPTION_PREFIX + o["keyword"], o["text"], choices, value, field))
    return (
        f'<form method="post" action="{_a(path)}" id="defaults-form" class="settings">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">'
        f"{''.join(f'<div>{r}</div>' for r in rows)}"
        '<button aria-label="Save printing defaults">Save defaults</button></form>'
    )


def _media_form(path: str, csrf: str, m: dict[str, Any]) -> str:
    if not m["slots"]:
        return '<p id="no-slots">The printer\'s driver names no input slots.</p>'
    sizes = [("", "Nothing loaded / unknown")] + [
        (s["name"], s["text"]) for s in m["supported"]["media"]
    ]
    types = [("", "Any")] + [(t["name"], t["text"]) for t in m["supported"]["media-type"]]
    rows = []
    for s in m["slots"]:
        label = f"{s['text']} ({s['media-source']})"
        row = _select(_SLOT_PREFIX + s["slot"], label, sizes, s["media"], f"slot-{s['slot']}")
        if len(types) > 1:
            row += _select(
                _TYPE_PREFIX + s["slot"], "type", types, s["media-type"], f"type-{s['slot']}"
            )
        rows.append(f"<div>{row}</div>")
    return (
        f'<form method="post" action="{_a(path)}" id="media-form" class="settings">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_a(csrf)}">{"".join(rows)}'
        '<button aria-label="Save loaded media">Save media</button></form>'
    )


def render_defaults(p: Printing, csrf: str) -> str:
    """Return the two forms' sections for printer *p*."""
    base = "/printers/" + quote(p.info.key, safe="")
    return (
        f'{_STYLE}<section id="defaults"><h2>Printing defaults</h2>'
        '<p class="sub">Used by every job that does not ask otherwise.</p>'
        f"{_defaults_form(base + '/defaults', csrf, defaults_json(p))}</section>"
        '<section id="media"><h2>Media</h2><p class="sub">What is loaded in each tray.</p>'
        f"{_media_form(base + '/media', csrf, media_json(p))}</section>"
    )


async def sections(ctx: WebContext, name: str, csrf: str) -> str:
    """Return the forms for printer *name*, or a line saying why they are missing."""
    try:
        return render_defaults(await printing_of(ctx, name), csrf)
    except PrinterAppError as exc:
        why = escape(str(exc))
        return f'<section id="defaults"><p>Printing defaults: unavailable: {why}</p></section>'


def _defaults_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {k: str(form.get(k, "")) for k in _STANDARD}
    body["options"] = {
        k[len(_OPTION_PREFIX) :]: str(v) for k, v in form.items() if k.startswith(_OPTION_PREFIX)
    }
    return body


def _media_body(form: Any) -> dict[str, Any]:
    slots = {
        k[len(_SLOT_PREFIX) :]: {
            "media": str(v),
            "media-type": str(form.get(_TYPE_PREFIX + k[len(_SLOT_PREFIX) :], "")),
        }
        for k, v in form.items()
        if k.startswith(_SLOT_PREFIX)
    }
    return {"slots": slots}


async def _post(request: web.Request) -> web.Response:
    name, part = request.match_info["name"], request.match_info["part"]
    back = "/printers/" + quote(name, safe="")
    form = await request.post()
    try:
        if part == "media":
            p = await store_media(request, name, _media_body(form))
        else:
            p = await store_defaults(request, name, _defaults_body(form))
        message = f"{p.info.name}: {'media' if part == 'media' else 'printing defaults'} saved"
    except InputError as exc:
        message = f"Not saved: {exc}"
    return web.Response(status=303, headers={"Location": back + "?" + urlencode({"msg": message})})


def add_defaults_page(app: web.Application) -> None:
    """Add the two forms' post routes to *app* (after :func:`add_defaults_api`)."""
    app.router.add_post("/printers/{name}/{part:defaults|media}", _post)
