"""A small synchronous client of the control API, for the CLI commands.

The stdlib's urllib is enough for a few JSON requests and costs nothing to
import; the address comes from ``--server`` or the ``[server] control`` key.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from printerapp.errors import PrinterAppError

__all__ = ["ControlClient", "ControlError", "NoServerError"]

TIMEOUT_S = 30.0


class ControlError(PrinterAppError):
    """The server refused a request or could not be reached."""


class NoServerError(ControlError):
    """Nothing answers at the control address: no server is running there."""


class ControlClient:
    """Requests to ``http://HOST:PORT/api/...``."""

    def __init__(self, host: str, port: int, token: str = "") -> None:
        shown = f"[{host}]" if ":" in host else host
        self.base = f"http://{shown}:{port}"
        #: needed when the server listens beyond loopback (see printerapp.web.security)
        self.token = token

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request and return the decoded JSON answer (None for 204)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}{path}", data=data, method=method)  # noqa: S310 - our own http:// URL
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ControlError(_message(exc.read()) or f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NoServerError(f"no printerapp server at {self.base} ({reason})") from exc
        return json.loads(raw) if raw else None


def _message(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("error", ""))
    except (ValueError, AttributeError):
        return raw.decode("utf-8", "replace")[:200]
