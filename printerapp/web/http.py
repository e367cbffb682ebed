"""What every route shares: one table from errors to HTTP statuses, one JSON reader, one text check.

A handler raises a :class:`~printerapp.errors.PrinterAppError`; the
middleware answers ``{"error": message}`` with the status of the first row
of :data:`STATUSES` that the error is an instance of (500 when none is).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from printerapp.errors import (
    DriverError,
    InputError,
    JobError,
    PlugUnreachableError,
    PowerError,
    PrinterAppError,
    PrinterProcessError,
    UnknownDocumentError,
    UnknownPrinterError,
)
from printerapp.web.ratelog import RateLimitedLog

__all__ = [
    "BODY_TIMEOUT_S",
    "MAX_BODY",
    "STATUSES",
    "TEXT_LIMIT",
    "body_middleware",
    "check_text",
    "error_middleware",
    "error_status",
    "json_error",
    "read_json_object",
]

log = logging.getLogger(__name__)
_errors = RateLimitedLog(log)

#: the largest request body accepted (a printer definition or an action is tiny)
MAX_BODY = 16 * 1024
#: seconds a client has to send its request body, once the headers are in
BODY_TIMEOUT_S = 10.0
#: the longest line of text a field may hold
TEXT_LIMIT = 1023

#: error -> status, the first match wins: subclasses come before their bases
STATUSES: tuple[tuple[type[PrinterAppError], int], ...] = (
    (UnknownDocumentError, 404),  # no such held document
    (InputError, 400),  # malformed request
    (UnknownPrinterError, 404),  # no such printer
    (DriverError, 422),  # no driver for the device, or no such PPD
    (PlugUnreachableError, 503),  # the plug did not answer
    (PowerError, 409),  # no plug, or a job is active
    (PrinterProcessError, 409),  # exists already, or the queue is not running
    (JobError, 502),  # the queue refused or failed the job
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_status(exc: PrinterAppError) -> int:
    """Return the HTTP status for *exc*."""
    return next((status for kind, status in STATUSES if isinstance(exc, kind)), 500)


def json_error(status: int, message: str) -> web.Response:
    """Return the JSON error answer every route gives."""
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a PrinterAppError a handler raised with its status and message."""
    try:
        return await handler(request)
    except PrinterAppError as exc:
        status = error_status(exc)
        if status == 500:
            _errors.log(logging.ERROR, "%s %r: %s", request.method, request.path, exc)
        return json_error(status, str(exc))


def _closing(status: int, message: str) -> web.Response:
    response = json_error(status, message)
    response.force_close()  # what is left of the body is never read
    return response


@web.middleware
async def body_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the whole body first, within BODY_TIMEOUT_S and the app's size limit.

    A client that sends headers and then a trickle of body would otherwise
    keep its handler waiting for ever.  Multipart bodies are refused: no
    route takes them, and they cannot be read ahead.
    """
    if not request.body_exists:
        return await handler(request)
    if request.content_type.startswith("multipart/"):
        return _closing(415, "multipart bodies are not accepted: send JSON or a urlencoded form")
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S):
            await request.read()  # cached: json() and post() read it again from memory
    except TimeoutError:
        return _closing(408, f"the request body did not arrive within {BODY_TIMEOUT_S:g} s")
    except web.HTTPRequestEntityTooLarge:
        # aiohttp reads and discards the rest (it lingers), then keeps the connection
        return json_error(413, f"the request body is larger than {request.client_max_size} bytes")
    return await handler(request)


def check_text(value: object, key: str, *, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    """Return *value* if it is one short line of text; raise InputError naming *key*."""
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        need = "non-empty " if required else ""
        raise InputError(f"{key!r} must be a {need}string of at most {limit} characters")
    if any(ord(c) < 32 for c in value):
        raise InputError(f"{key!r} must be a short line of text: it holds control characters")
    return value


async def read_json_object(request: web.Request, *, empty_ok: bool = False) -> dict[str, Any]:
    """Return the request's body, which must be a JSON object sent as ``application/json``.

    Requiring the content type is part of the API's CSRF defence: a page in
    the user's browser cannot send it cross-origin without a CORS preflight,
    which this server never grants.
    """
    if empty_ok and (not request.body_exists or request.content_length == 0):
        return {}
    if request.content_type != "application/json":
        raise InputError("the request body must be application/json")
    if (request.content_length or 0) > MAX_BODY:
        raise InputError("the request body is too large")
    try:
        body = await request.json()
    except ValueError as exc:  # JSONDecodeError, and bad UTF-8
        raise InputError(f"the request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    return body
