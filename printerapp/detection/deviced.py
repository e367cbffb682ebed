"""Run the CUPS backends in discovery mode, as cups-deviced does, but exactly.

The backends :mod:`.selection` picks (exact names) are started in parallel
with ``argv[0]`` = their name and no arguments, each in its own process group,
as ``lp`` unless cups-deviced's rule keeps them root.  Their output is read
while they run (a backend printing megabytes never blocks on a full pipe), and
a hard timeout kills the whole group, grandchildren included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printerapp.deviceid import parse_device_id
from printerapp.errors import DetectionError, MalformedLineError

from .backendline import MAX_LINE, DiscoveryLine, parse_backend_line
from .records import Device, Transport, clean_text, host_from_uri, serial_from_uri
from .selection import BackendProgram, SchemeFilter, list_backends

__all__ = [
    "BACKEND_TIMEOUT_S",
    "BACKEND_USER",
    "BackendProgram",
    "BackendRun",
    "ScanResult",
    "SchemeFilter",
    "list_backends",
    "run_backend",
    "scan",
    "to_device",
]

log = logging.getLogger(__name__)

#: hard limit on one discovery run; the whole process group is killed after it
BACKEND_TIMEOUT_S = 10.0
#: the unprivileged account backends run as when we are root (cupsd's ``User``)
BACKEND_USER = "lp"
#: output kept per backend; the rest is read and discarded so the pipe never fills
MAX_OUTPUT = 1024 * 1024
#: devices kept per backend
MAX_DEVICES = 512
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class BackendRun:
    """What one backend printed and how it ended."""

    name: str
    lines: tuple[DiscoveryLine, ...]
    errors: tuple[str, ...] = ()
    timed_out: bool = False
    returncode: int | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Devices of one scan and the backends that ran to completion."""

    devices: tuple[Device, ...]
    #: every backend started
    scanned: frozenset[str]
    #: backends that ended by themselves (their output is complete)
    complete: frozenset[str]
    runs: tuple[BackendRun, ...] = field(default=())


def _user_options(program: BackendProgram, euid: int) -> dict[str, Any]:
    """Return the Popen options that drop root for a backend that allows it."""
    if euid != 0 or program.as_root:
        return {}
    entry = pwd.getpwnam(BACKEND_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [entry.pw_gid]}


def backend_env(base: Mapping[str, str]) -> dict[str, str]:
    """Return the small environment a backend gets (CUPS_* from *base*)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SOFTWARE": "printerapp", "TMPDIR": "/tmp"}  # noqa: S108
    env.update({k: v for k, v in base.items() if k.startswith("CUPS_")})
    return env


class _Collector:
    """Split a backend's stdout into lines, bounded in length and total size."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = b""
        self.total = 0
        self.discarding = False
        self.lines: list[DiscoveryLine] = []
        self.errors: list[str] = []

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.total > MAX_OUTPUT:
            return
        data = self.pending + chunk
        *complete, self.pending = data.split(b"\n")
        for raw in complete:
            self._line(raw)
        if len(self.pending) > MAX_LINE:
            if not self.discarding:  # one report per over-long line, however long
                self._error("line too long", self.pending[:80])
            self.pending, self.discarding = b"", True

    def finish(self) -> None:
        if self.pending:
            self._line(self.pending)
        if self.total > MAX_OUTPUT:
            self._error(f"output beyond {MAX_OUTPUT} bytes ignored", b"")

    def _line(self, raw: bytes) -> None:
        if self.discarding:  # the tail of an over-long line
            self.discarding = False
            return
        text = raw.decode("utf-8", errors="replace")
        if not text.strip() or len(self.lines) >= MAX_DEVICES:
            return
        try:
            self.lines.append(parse_backend_line(text))
        except MalformedLineError as exc:
            self._error(str(exc), raw[:80])

    def _error(self, reason: str, sample: bytes) -> None:
        message = f"backend {self.name}: {reason}: {sample!r}"
        log.warning("%s", message)
        self.errors.append(message)


async def _drain_stdout(stream: asyncio.StreamReader, collector: _Collector) -> None:
    while chunk := await stream.read(_CHUNK):
        collector.feed(chunk)
    collector.finish()


async def _drain_stderr(stream: asyncio.StreamReader, name: str) -> None:
    kept = 0
    while chunk := await stream.read(_CHUNK):
        if kept < MAX_OUTPUT:
            kept += len(chunk)
            for line in chunk.decode("utf-8", errors="replace").splitlines():
                log.debug("backend %s: %s", name, clean_text(line, 200))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_backend(
    program: BackendProgram, env: Mapping[str, str], limit_s: float = BACKEND_TIMEOUT_S
) -> BackendRun:
    """Run one backend in discovery mode and parse what it prints."""
    collector = _Collector(program.name)
    try:
        proc = await asyncio.create_subprocess_exec(
            program.name,
            executable=str(program.path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            process_group=0,
            **_user_options(program, os.geteuid()),
        )
    except (OSError, KeyError, subprocess.SubprocessError) as exc:
        log.warning("backend %s could not be started: %s", program.name, exc)
        return BackendRun(program.name, (), (f"backend {program.name}: not started: {exc}",))
    if proc.stdout is None or proc.stderr is None:  # cannot happen with PIPE; keeps mypy honest
        raise DetectionError(f"backend {program.name}: no pipes")
    timed_out = False
    try:
        async with asyncio.timeout(limit_s):
            await asyncio.gather(
                _drain_stdout(proc.stdout, collector), _drain_stderr(proc.stderr, program.name)
            )
            await proc.wait()
    except TimeoutError:
        timed_out = True
        log.info("backend %s still running after %.1f s: killing its group", program.name, limit_s)
        collector.finish()
    finally:
        # The group goes in every case: a grandchild must not outlive the scan.
        _kill_group(proc.pid)
        await proc.wait()
    return BackendRun(
        program.name, tuple(collector.lines), tuple(collector.errors), timed_out, proc.returncode
    )


def transport_for(backend: str, line: DiscoveryLine) -> Transport:
    """Classify a backend's device: SNMP finds, then by scheme and device class."""
    scheme = line.uri.partition(":")[0].lower()
    if backend == "snmp":
        return Transport.SNMP
    if scheme == "serial" or line.device_class == "serial":
        return Transport.SERIAL
    if scheme == "parallel":
        return Transport.PARALLEL
    if line.device_class == "direct":
        return Transport.USB
    if line.device_class == "network":
        return Transport.NETWORK
    return Transport.OTHER


def to_device(line: DiscoveryLine, backend: str) -> Device | None:
    """Turn a discovery line into a device; ``Unknown`` make-and-model is dropped."""
    if not line.make_and_model or line.make_and_model.lower() == "unknown":
        return None
    device_id = parse_device_id(line.device_id)
    transport = transport_for(backend, line)
    host = host_from_uri(line.uri) if transport in (Transport.NETWORK, Transport.SNMP) else ""
    return Device(
        uri=line.uri,
        make_and_model=line.make_and_model,
        info=line.info,
        device_id=device_id,
        location=line.location,
        transport=transport,
        serial=serial_from_uri(line.uri) or device_id.serial,
        host=host,
        source=backend,
    )


async def scan(
    backend_dir: Path,
    selection: SchemeFilter,
    *,
    env: Mapping[str, str] | None = None,
    limit_s: float = BACKEND_TIMEOUT_S,
) -> ScanResult:
    """Run every selected backend in parallel and collect their devices."""
    programs = list_backends(backend_dir, selection)
    run_env = backend_env(os.environ if env is None else env)
    runs = await asyncio.gather(*(run_backend(p, run_env, limit_s) for p in programs))
    devices = [d for r in runs for d in (to_device(x, r.name) for x in r.lines) if d is not None]
    return ScanResult(
        devices=tuple(devices),
        scanned=frozenset(p.name for p in programs),
        complete=frozenset(r.name for r in runs if not r.timed_out and r.returncode is not None),
        runs=tuple(runs),
    )
