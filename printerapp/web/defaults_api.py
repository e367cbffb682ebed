"""A printer's printing defaults and loaded media: the JSON routes and what the forms share.

======  ==================================  ===========================================
method  path                                answer
======  ==================================  ===========================================
GET     /api/printers/{name}/defaults       the saved defaults ("" = the PPD's own),
                                            the PPD's default for each, and the
                                            choices (``supported``, ``ppd_options``)
PUT     /api/printers/{name}/defaults       set them all: ``media``, ``sides``,
                                            ``print-quality``, ``print-color-mode``,
                                            ``options`` {PPD option: choice}
GET     /api/printers/{name}/media          each InputSlot with what is loaded there
PUT     /api/printers/{name}/media          ``{"slots": {SLOT: {"media", "media-type"}}}``
======  ==================================  ===========================================

A PUT replaces what it covers (a value left out goes back to the PPD's
default; a slot left out is empty), checks every value against the queue's
PPD (400 naming the option and the reason) and writes the file atomically.
The queue is not restarted: each job reads the file when it starts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from printerapp.errors import InputError, PPDError
from printerapp.manager.naming import is_queue_key
from printerapp.manager.system import PrinterInfo
from printerapp.ppd.ippoverlay import ipp_overlay
from printerapp.ppd.printdefaults import (
    QUALITIES,
    SavedDefaults,
    check_defaults,
    check_media,
    load_defaults,
    save_defaults,
    supported_color_modes,
    supported_sides,
)
from printerapp.ppd.uioptions import PpdOption, PpdUi, media_source, read_ppd_ui
from printerapp.web.http import read_json_object
from printerapp.web.view import WEB, WebContext

__all__ = [
    "DEFAULTS_LOCK",
    "Printing",
    "add_defaults_api",
    "defaults_json",
    "media_json",
    "printing_of",
    "store_defaults",
    "store_media",
]

DEFAULTS_LOCK = web.AppKey("defaults_lock", asyncio.Lock)


@dataclass(frozen=True, slots=True)
class Printing:
    """One printer's PPD facts and saved defaults, where they live."""

    info: PrinterInfo
    ui: PpdUi
    saved: SavedDefaults
    state_dir: Path


def _read(ctx: WebContext, info: PrinterInfo) -> Printing:
    if not is_queue_key(info.key):
        raise InputError(f"{info.key!r} is not a queue key")
    ppd = ctx.manager.ppd_dir / f"{info.key}.ppd"
    try:
        ui = read_ppd_ui(ppd)
    except PPDError as exc:
        raise PPDError(f"{info.name}: the queue's PPD cannot be read: {exc}") from exc
    state = ctx.manager.settings.state_dir
    return Printing(info, ui, load_defaults(state, info.key, ui), state)


async def printing_of(ctx: WebContext, name: str) -> Printing:
    """Return printer *name*'s PPD facts and saved defaults."""
    info = ctx.printer(name)
    return await asyncio.to_thread(_read, ctx, info)


def _option_json(o: PpdOption) -> dict[str, Any]:
    return {
        "keyword": o.keyword,
        "text": o.text,
        "default": o.default,
        "choices": [{"name": c.name, "text": c.text} for c in o.choices],
    }


def _ppd_defaults(ui: PpdUi) -> dict[str, Any]:
    overlay = ipp_overlay(SavedDefaults(), ui)
    quality = {4: "normal", 3: "draft", 5: "high"}
    return {
        "media": ui.default_size,
        "sides": overlay["sides-default"][1][0],
        "print-quality": quality.get(int(str(overlay["print-quality-default"][1][0])), ""),
        "print-color-mode": overlay["print-color-mode-default"][1][0],
    }


def defaults_json(p: Printing) -> dict[str, Any]:
    """Return ``GET /api/printers/{name}/defaults``'s answer."""
    s, ui = p.saved, p.ui
    return {
        "media": s.media,
        "sides": s.sides,
        "print-quality": s.print_quality,
        "print-color-mode": s.print_color_mode,
        "options": dict(s.options),
        "ppd_defaults": _ppd_defaults(ui),
        "supported": {
            "media": [{"name": z.pwg, "text": z.text, "ppd": z.ppd} for z in ui.sizes],
            "sides": list(supported_sides(ui)),
            "print-quality": list(QUALITIES),
            "print-color-mode": list(supported_color_modes(ui)),
        },
        "ppd_options": [_option_json(o) for o in ui.other_options],
    }


def media_json(p: Printing) -> dict[str, Any]:
    """Return ``GET /api/printers/{name}/media``'s answer."""
    loaded = {m.slot: m for m in p.saved.ready}
    types = p.ui.option("MediaType")
    slots = []
    for c in p.ui.slots:
        m = loaded.get(c.name)
        slots.append(
            {
                "slot": c.name,
                "text": c.text,
                "media-source": media_source(c.name),
                "media": m.media if m else "",
                "media-type": m.media_type if m else "",
            }
        )
    return {
        "slots": slots,
        "supported": {
            "media": [{"name": z.pwg, "text": z.text} for z in p.ui.sizes],
            "media-type": [{"name": c.name, "text": c.text} for c in types.choices]
            if types
            else [],
        },
    }


async def _store(request: web.Request, name: str, body: dict[str, Any], part: str) -> Printing:
    ctx = request.app[WEB]
    async with request.app[DEFAULTS_LOCK]:  # read, change and write as one step
        p = await printing_of(ctx, name)
        if part == "media":
            unknown = sorted(set(body) - {"slots"})
            if unknown:
                raise InputError(f"{unknown[0]!r} is not part of the loaded media (send slots)")
            saved = check_media(body.get("slots", {}), p.ui, p.saved)
        else:
            saved = check_defaults(body, p.ui, p.saved)
        await asyncio.to_thread(save_defaults, p.state_dir, p.info.key, saved)
    return Printing(p.info, p.ui, saved, p.state_dir)


async def store_defaults(request: web.Request, name: str, body: dict[str, Any]) -> Printing:
    """Check and save printer *name*'s defaults from *body*."""
    return await _store(request, name, body, "defaults")


async def store_media(request: web.Request, name: str, body: dict[str, Any]) -> Printing:
    """Check and save the media loaded in printer *name*'s slots from *body*."""
    return await _store(request, name, body, "media")


async def _get_defaults(request: web.Request) -> web.Response:
    p = await printing_of(request.app[WEB], request.match_info["name"])
    return web.json_response(defaults_json(p))


async def _put_defaults(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    p = await store_defaults(request, request.match_info["name"], body)
    return web.json_response(defaults_json(p))


async def _get_media(request: web.Request) -> web.Response:
    p = await printing_of(request.app[WEB], request.match_info["name"])
    return web.json_response(media_json(p))


async def _put_media(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    p = await store_media(request, request.match_info["name"], body)
    return web.json_response(media_json(p))


def add_defaults_api(app: web.Application) -> None:
    """Add the defaults and media routes to *app* (which holds WEB)."""
    app[DEFAULTS_LOCK] = asyncio.Lock()
    base = "/api/printers/{name}"
    app.router.add_get(base + "/defaults", _get_defaults)
    app.router.add_put(base + "/defaults", _put_defaults)
    app.router.add_get(base + "/media", _get_media)
    app.router.add_put(base + "/media", _put_media)
