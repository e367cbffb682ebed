"""The daemon's control API: JSON over HTTP (aiohttp), on 127.0.0.1 by default.

The ``printerapp printers|add|delete`` clients use it; they never touch the
state file behind the server's back.

=======  ==========================  ==============================================
method   path                        answer
=======  ==========================  ==============================================
GET      /api/health                 ``{"status": "ok"}``
GET      /api/printers               ``{"printers": [PRINTER, ...]}``
POST     /api/printers               body ``{"device_uri", "ppd"?, "name"?,
                                     "make_and_model"?, "device_id"?}``;
                                     201 ``{"printer": PRINTER}``
DELETE   /api/printers/{name}        204; 404 when there is no such printer
GET      /api/devices                ``{"devices": [DEVICE, ...]}`` (detected now)
GET      /api/unsupported            ``{"unsupported": [{"device_uri", "reason"...}]}``
=======  ==========================  ==============================================

Errors are ``{"error": "message"}`` with 400 (bad request), 404, 409 (exists)
or 422 (no driver).  A mutating request must be ``application/json``: a web
page in the user's browser cannot send that cross-origin without a CORS
preflight, which this server never grants, so it cannot forge requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from aiohttp import web

from printerapp.detection.records import Device, Transport
from printerapp.deviceid import parse_device_id
from printerapp.errors import DriverError, PrinterProcessError
from printerapp.manager.system import Manager

__all__ = ["DEFAULT_CONTROL_PORT", "control_app", "device_json"]

log = logging.getLogger(__name__)

DEFAULT_CONTROL_PORT = 7631
#: the largest request body accepted (a printer definition is tiny)
MAX_BODY = 16 * 1024
_TEXT_LIMIT = 1023

MANAGER = web.AppKey("manager", Manager)
DeviceSource = Callable[[], Sequence[Device]]
DEVICES: web.AppKey[DeviceSource] = web.AppKey("devices")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def device_json(device: Device) -> dict[str, Any]:
    """Return a device as the API shows it."""
    return {
        "uri": device.uri,
        "make_and_model": device.make_and_model,
        "info": device.info,
        "device_id": str(device.device_id),
        "location": device.location,
        "transport": device.transport.name.lower(),
        "serial": device.serial,
    }


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _printers(request: web.Request) -> web.Response:
    manager = request.app[MANAGER]
    return web.json_response({"printers": [asdict(p) for p in manager.printers()]})


async def _devices(request: web.Request) -> web.Response:
    return web.json_response({"devices": [device_json(d) for d in request.app[DEVICES]()]})


async def _unsupported(request: web.Request) -> web.Response:
    records = request.app[MANAGER].unsupported.values()
    return web.json_response({"unsupported": [asdict(u) for u in records]})


class BadRequestError(ValueError):
    """A request the API refuses with 400."""


def _uri(body: dict[str, Any]) -> str:
    uri = _text(body, "device_uri", required=True)
    if ":" not in uri:
        raise BadRequestError("'device_uri' must be a URI such as socket://host:9100")
    return uri


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > _TEXT_LIMIT or (required and not value):
        raise BadRequestError(f"{key!r} must be a {'non-empty ' if required else ''}string")
    if any(ord(c) < 32 for c in value):
        raise BadRequestError(f"{key!r} holds control characters")
    return value


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BadRequestError("the request body must be application/json")
    if (request.content_length or 0) > MAX_BODY:
        raise BadRequestError("the request body is too large")
    body = await request.json()
    if not isinstance(body, dict):
        raise BadRequestError("the request body must be a JSON object")
    return body


async def _add(request: web.Request) -> web.Response:
    try:
        body = await _json_body(request)
        device = Device(
            uri=_uri(body),
            make_and_model=_text(body, "make_and_model"),
            device_id=parse_device_id(_text(body, "device_id")),
            transport=Transport.OTHER,
        )
        ppd, name = _text(body, "ppd"), _text(body, "name")
    except ValueError as exc:  # JSONDecodeError is a ValueError too
        return _error(400, str(exc))
    try:
        info = await request.app[MANAGER].add_manual(device, ppd_name=ppd, name=name)
    except DriverError as exc:
        return _error(422, str(exc))
    except PrinterProcessError as exc:
        return _error(409, str(exc))
    return web.json_response({"printer": asdict(info)}, status=201)


async def _delete(request: web.Request) -> web.Response:
    try:
        await request.app[MANAGER].delete(request.match_info["name"])
    except PrinterProcessError as exc:
        return _error(404, str(exc))
    return web.Response(status=204)


def control_app(manager: Manager, devices: DeviceSource) -> web.Application:
    """Return the aiohttp application of the control API."""
    app = web.Application(client_max_size=MAX_BODY)
    app[MANAGER] = manager
    app[DEVICES] = devices
    app.router.add_get("/api/health", _health)
    app.router.add_get("/api/printers", _printers)
    app.router.add_post("/api/printers", _add)
    app.router.add_delete("/api/printers/{name}", _delete)
    app.router.add_get("/api/devices", _devices)
    app.router.add_get("/api/unsupported", _unsupported)
    return app
