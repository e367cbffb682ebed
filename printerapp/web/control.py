"""The control API: JSON over HTTP (aiohttp), on 127.0.0.1 by default.

The ``printerapp printers|add|delete`` clients use it; they never touch the
state file behind the server's back.  The dashboard adds its own routes to
the same application (:mod:`printerapp.web.app`).

=======  ==========================  ==============================================
method   path                        answer
=======  ==========================  ==============================================
GET      /api/health                 ``{"status": "ok"}``
GET      /api/printers               ``{"printers": [PRINTER, ...]}``
POST     /api/printers               body ``{"device_uri", "ppd"?, "name"?,
                                     "make_and_model"?, "device_id"?}``;
                                     201 ``{"printer": PRINTER}``
DELETE   /api/printers/{name}        204; 404 when there is no such printer
POST     /api/printers/{name}/restart
                                     start the queue afresh now (stopped, waiting
                                     or running); ``{"printer": PRINTER}``; 409
                                     with the reason when it does not start
GET      /api/devices                ``{"devices": [DEVICE, ...]}`` (detected now)
GET      /api/unsupported            ``{"unsupported": [{"device_uri", "reason"...}]}``
=======  ==========================  ==============================================

PRINTER has ``state`` (``running``, ``restarting``, ``waiting``: crashed too
often and tried again at ``retry_at``, ``stopped``...), ``reason`` and
``last_crash``.

Errors are ``{"error": "message"}`` with the status of
:data:`printerapp.web.http.STATUSES`: 400 (bad request), 404, 409 (exists)
or 422 (no driver).  A mutating request must be ``application/json``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from aiohttp import web

from printerapp.detection.records import Device, Transport
from printerapp.deviceid import parse_device_id
from printerapp.errors import InputError
from printerapp.manager.system import Manager
from printerapp.web.http import (
    MAX_BODY,
    body_middleware,
    check_text,
    error_middleware,
    read_json_object,
)
from printerapp.web.logring import redact
from printerapp.web.view import info_json

__all__ = ["DEVICES", "MANAGER", "control_app", "device_json"]

log = logging.getLogger(__name__)

MANAGER = web.AppKey("manager", Manager)
DeviceSource = Callable[[], Sequence[Device]]
DEVICES: web.AppKey[DeviceSource] = web.AppKey("devices")


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
    return web.json_response({"printers": [info_json(p) for p in manager.printers()]})


async def _devices(request: web.Request) -> web.Response:
    return web.json_response({"devices": [device_json(d) for d in request.app[DEVICES]()]})


async def _unsupported(request: web.Request) -> web.Response:
    records = request.app[MANAGER].unsupported_devices()
    shown = [{**asdict(u), "device_uri": redact(u.device_uri)} for u in records]
    return web.json_response({"unsupported": shown})


def _device(body: dict[str, Any]) -> Device:
    uri = check_text(body.get("device_uri", ""), "device_uri", required=True)
    if ":" not in uri:
        raise InputError("'device_uri' must be a URI such as socket://host:9100")
    return Device(
        uri=uri,
        make_and_model=check_text(body.get("make_and_model", ""), "make_and_model"),
        device_id=parse_device_id(check_text(body.get("device_id", ""), "device_id")),
        transport=Transport.OTHER,
    )


async def _add(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    device = _device(body)
    ppd = check_text(body.get("ppd", ""), "ppd")
    name = check_text(body.get("name", ""), "name")
    info = await request.app[MANAGER].add_manual(device, ppd_name=ppd, name=name)
    return web.json_response({"printer": info_json(info)}, status=201)


async def _delete(request: web.Request) -> web.Response:
    await request.app[MANAGER].delete(request.match_info["name"])
    return web.Response(status=204)


async def _restart(request: web.Request) -> web.Response:
    await read_json_object(request, empty_ok=True)  # none is needed, but only JSON is taken
    info = await request.app[MANAGER].restart(request.match_info["name"])
    return web.json_response({"printer": info_json(info)})


def control_app(manager: Manager, devices: DeviceSource) -> web.Application:
    """Return the aiohttp application of the control API."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[error_middleware, body_middleware])
    app[MANAGER] = manager
    app[DEVICES] = devices
    app.router.add_get("/api/health", _health)
    app.router.add_get("/api/printers", _printers)
    app.router.add_post("/api/printers", _add)
    app.router.add_delete("/api/printers/{name}", _delete)
    app.router.add_post("/api/printers/{name}/restart", _restart)
    app.router.add_get("/api/devices", _devices)
    app.router.add_get("/api/unsupported", _unsupported)
    return app
