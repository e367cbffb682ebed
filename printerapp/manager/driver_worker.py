"""A short-lived process that answers one driver-database request.

The index of ~8,000 PPDs costs about 28 MB of memory once loaded; the
daemon needs it only when a device appears.  So the daemon asks this
worker (``python -m printerapp.manager.driver_worker``), which loads the
cached index (tens of milliseconds), answers one JSON request read from
stdin with one JSON line on stdout, and exits.  A driver program that
hangs or crashes takes the worker down, never the daemon.

Requests: ``{"op": "warm"}``; ``{"op": "choose", "uri", "make_and_model",
"device_id", "serial", "prefetch"?}`` (with ``prefetch`` the chosen PPD is
also written to that path, which saves the install request a process);
``{"op": "lookup", "name"}``; ``{"op": "install", "name", "dest"}``.
Answers: ``{"ppd_name", "make_and_model", "generic"}``, ``{"ok": true}`` or
``{"error": "reason"}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from printerapp.config import load_config
from printerapp.detection.records import Device
from printerapp.deviceid import parse_device_id
from printerapp.errors import PrinterAppError
from printerapp.manager.drivers import DatabaseDrivers

__all__ = ["answer", "main"]


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key, "")
    if not isinstance(value, str):
        raise PrinterAppError(f"request field {key!r} is not a string")
    return value


def answer(drivers: DatabaseDrivers, request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request with the in-process database."""
    op = request.get("op")
    if op == "warm":
        return {"ok": True, "ppds": len(drivers.index)}
    if op == "choose":
        device = Device(
            uri=_text(request, "uri"),
            make_and_model=_text(request, "make_and_model"),
            device_id=parse_device_id(_text(request, "device_id")),
            serial=_text(request, "serial"),
        )
        pick = drivers.choose(device)
        if prefetch := _text(request, "prefetch"):
            drivers.install(pick.ppd_name, Path(prefetch))
        return asdict(pick)
    if op == "lookup":
        return asdict(drivers.lookup(_text(request, "name")))
    if op == "install":
        drivers.install(_text(request, "name"), Path(_text(request, "dest")))
        return {"ok": True}
    raise PrinterAppError(f"unknown request {op!r}")


def _request(text: str) -> dict[str, Any]:
    request = json.loads(text)
    if not isinstance(request, dict):
        raise PrinterAppError("the request is not a JSON object")
    return request


def main(argv: list[str] | None = None) -> int:
    """Read one request from stdin, print one answer, exit 0 (the answer carries errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    try:
        request = _request(sys.stdin.read())
        drivers = DatabaseDrivers.from_config(load_config(args.config), args.state_dir)
        reply = answer(drivers, request)
    except (PrinterAppError, OSError, ValueError) as exc:
        reply = {"error": str(exc)}
    print(json.dumps(reply))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
