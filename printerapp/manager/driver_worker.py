"""A driver-database worker process: JSON requests in, JSON answers out, one a line.

The index of ~8,000 PPDs costs about 28 MB of memory once loaded; the
daemon needs it only when devices appear.  So the daemon asks this worker
(``python -m printerapp.manager.driver_worker``), which loads the cached
index once, answers one JSON request per stdin line with one JSON line on
stdout, and exits at the end of its input or after IDLE_EXIT_S without a
request: a burst of hot-plugs pays the start (~0.3 s) once, and the memory
goes back between bursts.  PPDs it has written are kept in memory, so a
hundred printers of one model run the driver program's ``cat`` once.  A
driver program that hangs or crashes takes the worker down, never the
daemon.

Requests: ``{"op": "warm"}``; ``{"op": "choose", "uri", "make_and_model",
"device_id", "serial", "prefetch"?}`` (with ``prefetch`` the chosen PPD is
also written to that path, which saves the install request a process);
``{"op": "lookup", "name"}``; ``{"op": "install", "name", "dest"}``.
Answers: ``{"ppd_name", "make_and_model", "generic"}``, ``{"ok": true}`` or
``{"error": "reason"}``, each with ``"warnings"``: what the request logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import select
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from printerapp.config import load_config
from printerapp.detection.records import Device
from printerapp.deviceid import parse_device_id
from printerapp.errors import PrinterAppError
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.ppd.install import write_atomic

__all__ = ["IDLE_EXIT_S", "answer", "main"]

#: the worker exits after this long without a request (the daemon starts another)
IDLE_EXIT_S = 30.0
#: PPDs kept in memory, by name (a few hundred kB each)
MAX_CACHED_PPDS = 16


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key, "")
    if not isinstance(value, str):
        raise PrinterAppError(f"request field {key!r} is not a string")
    return value


class _Cache:
    """The PPDs this worker wrote, by name: a second install is a copy."""

    def __init__(self, drivers: DatabaseDrivers) -> None:
        self.drivers = drivers
        self._texts: dict[str, bytes] = {}

    def install(self, name: str, dest: Path) -> None:
        data = self._texts.get(name)
        if data is None:
            self.drivers.install(name, dest)
            data = dest.read_bytes()
            if len(self._texts) >= MAX_CACHED_PPDS:
                self._texts.pop(next(iter(self._texts)))
            self._texts[name] = data
            return
        write_atomic(dest, data)


def answer(
    drivers: DatabaseDrivers, request: dict[str, Any], cache: _Cache | None = None
) -> dict[str, Any]:
    """Answer one request with the in-process database."""
    install = (cache or _Cache(drivers)).install
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
            install(pick.ppd_name, Path(prefetch))
        return asdict(pick)
    if op == "lookup":
        return asdict(drivers.lookup(_text(request, "name")))
    if op == "install":
        install(_text(request, "name"), Path(_text(request, "dest")))
        return {"ok": True}
    raise PrinterAppError(f"unknown request {op!r}")


def _request(text: str) -> dict[str, Any]:
    request = json.loads(text)
    if not isinstance(request, dict):
        raise PrinterAppError("the request is not a JSON object")
    return request


class _Warnings(logging.Handler):
    """Collect what one request logs, for its answer."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


def _lines(idle_s: float) -> Any:
    """Yield stdin's lines until its end or *idle_s* without one."""
    fd = sys.stdin.fileno()
    pending = b""
    while True:
        if b"\n" not in pending:
            ready, _, _ = select.select([fd], [], [], idle_s)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                if pending.strip():
                    yield pending.decode("utf-8", "replace")
                return
            pending += chunk
            continue
        line, pending = pending.split(b"\n", 1)
        if line.strip():
            yield line.decode("utf-8", "replace")


def _serve(state_dir: Path, config: Path | None, idle_s: float) -> None:
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    cache: _Cache | None = None
    for text in _lines(idle_s):
        warnings.lines.clear()
        try:
            request = _request(text)
            if cache is None:
                cache = _Cache(DatabaseDrivers.from_config(load_config(config), state_dir))
            reply = answer(cache.drivers, request, cache)
        except (PrinterAppError, OSError, ValueError) as exc:
            reply = {"error": str(exc)}
        reply["warnings"] = list(warnings.lines)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Answer the requests on stdin, one a line, until its end or an idle pause; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--idle", type=float, default=IDLE_EXIT_S)
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)  # into the answers, not onto stderr
    _serve(args.state_dir, args.config, args.idle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
