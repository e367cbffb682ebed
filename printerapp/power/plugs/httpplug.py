"""What the HTTP plugs (Shelly, Tasmota) share: one aiohttp session and error mapping.

A refused connection, a dropped connection or a timeout is an unreachable
plug (retryable); an HTTP error status or an answer that is not the expected
JSON is a :class:`PowerError`.  URLs may carry a login (Tasmota's ``user``/
``password`` parameters), so they are never logged nor put in a message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Credentials, Plug, PlugSpec

__all__ = ["HTTP_TIMEOUT_S", "HttpPlug", "number"]

logger = logging.getLogger(__name__)

#: how long one request may take (option ``timeout`` overrides it)
HTTP_TIMEOUT_S = 5.0


class HttpPlug(Plug):
    """A plug spoken to with HTTP GETs answering JSON."""

    #: the protocol's port when the spec has none
    default_port = 80

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        super().__init__(spec, credentials)
        self._session: aiohttp.ClientSession | None = None
        try:
            self._timeout = float(spec.option("timeout") or HTTP_TIMEOUT_S)
        except ValueError:
            raise PowerError(f"plug {spec}: option timeout is not a number") from None
        port = spec.port if spec.port is not None else self.default_port
        host = f"[{spec.host}]" if ":" in spec.host else spec.host
        self._base = f"http://{host}:{port}"

    def _auth(self) -> aiohttp.BasicAuth | None:
        """Return the HTTP login to send, if any (the default sends none)."""
        return None

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET *path* and return its JSON body."""
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            # One connection per request: plug firmwares keep connections badly, and
            # aiohttp silently re-sends a GET whose kept-alive connection dropped,
            # which would hide a second retry layer under retry.py.
            connector = aiohttp.TCPConnector(force_close=True)
            self._session = aiohttp.ClientSession(
                timeout=timeout, auth=self._auth(), connector=connector
            )
        try:
            async with self._session.get(self._base + path, params=params) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise PlugUnreachableError(
                f"plug {self.spec}: no answer ({type(exc).__name__})"
            ) from exc
        except aiohttp.ClientError as exc:
            raise PowerError(f"plug {self.spec}: HTTP error ({type(exc).__name__})") from exc
        if status in (401, 403):
            raise PowerError(f"plug {self.spec}: login refused (HTTP {status})")
        if status != 200:
            raise PowerError(f"plug {self.spec}: HTTP status {status} for {path}")
        try:
            return json.loads(body)
        except ValueError:
            raise PowerError(f"plug {self.spec}: answer to {path} is not JSON") from None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def number(data: Any, *keys: str | int, what: str) -> float:
    """Return the number at *keys* inside *data*, or a PowerError naming *what*."""
    try:
        for key in keys:
            data = data[key]
    except (KeyError, IndexError, TypeError):
        raise PowerError(f"the plug's answer has no {what}") from None
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise PowerError(f"the plug's {what} is not a number: {data!r}")
    return float(data)
