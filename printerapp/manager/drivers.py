"""The driver database as the manager uses it: choose, look up, install.

Loading the index reads the cache in the state directory (tens of ms) or,
when a source changed, the driver programs' ``list`` output (under a
second); each unusable source is reported once, at load.

:class:`DatabaseDrivers` holds the index in this process; the daemon uses
:class:`WorkerDrivers`, which asks a worker process instead, kept warm
through a burst of hot-plugs and gone between them, so the index's memory
is not held by the daemon (see driver_worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from printerapp.config import Config, load_config
from printerapp.cups import CupsDirs
from printerapp.detection.records import Device
from printerapp.errors import DriverError
from printerapp.ppd.cache import load_index
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes, write_atomic
from printerapp.ppd.needs import missing_needs
from printerapp.ppd.rank import Choice, DeviceQuery, choose, missing_need
from printerapp.ppd.settings import DriversConfig, drivers_config

__all__ = [
    "INDEX_IDLE_S",
    "WORKER_TIMEOUT_S",
    "DatabaseDrivers",
    "DriverPick",
    "Drivers",
    "IdleIndexRanker",
    "WorkerDrivers",
]

log = logging.getLogger(__name__)

#: the dashboard's ranking keeps the index this long after its last use
INDEX_IDLE_S = 120.0
#: a worker builds a cold index in ~1 s and runs one driver program's cat (30 s at most)
WORKER_TIMEOUT_S = 90.0


@dataclass(frozen=True, slots=True)
class DriverPick:
    """The driver chosen for a device."""

    #: the driver database's name of the PPD
    ppd_name: str
    #: the PPD's make-and-model
    make_and_model: str
    #: True when no model matched and a generic PDL driver was chosen
    generic: bool = False


class Drivers(Protocol):
    """What the manager needs of the driver database."""

    def choose(self, device: Device) -> DriverPick:
        """Return the driver for *device*; raise DriverError with the reason when none fits."""
        ...

    def lookup(self, ppd_name: str) -> DriverPick:
        """Return the driver called *ppd_name*; raise DriverError when it is unknown."""
        ...

    def install(self, ppd_name: str, dest: Path) -> None:
        """Write the PPD *ppd_name* to *dest* atomically."""
        ...


class DatabaseDrivers:
    """The manager's Drivers, over the PPD index."""

    def __init__(
        self, index: DriverIndex, config: DriversConfig, missing: frozenset[str] | None = None
    ) -> None:
        self.index = index
        self.config = config
        #: what drivers need that this host lacks (HP's plugin...); None: look at each choice,
        #: so a plugin installed meanwhile counts (a few stat calls)
        self.missing = missing

    @classmethod
    def from_config(
        cls, config: Config, state_dir: Path, dirs: CupsDirs | None = None
    ) -> DatabaseDrivers:
        """Load the index for *config*, from the cache in *state_dir* when it is fresh."""
        settings = drivers_config(config)
        # load_index reports each unusable source when it reads it, so once
        index, stats = load_index(dirs or CupsDirs.from_env(), settings, state_dir)
        log.info("driver database: %d PPDs (%s)", len(index), stats)
        return cls(index, settings)

    def choose(self, device: Device) -> DriverPick:
        """Return the best driver for *device*; raise DriverError with the reason."""
        query = DeviceQuery(str(device.device_id), device.make_and_model, device.uri)
        pinned = self.config.pinned(device.uri, device.serial)
        missing = missing_needs() if self.missing is None else self.missing
        choice = choose(self.index, query, pinned, missing)
        best = choice.best
        if best is None:
            raise DriverError(choice.reason)
        if need := missing_need(choice, missing):
            if not best.pinned:
                raise DriverError(f"{need}; once installed, re-plug the printer or restart")
            log.warning("%s: the pinned driver %s", device.uri, need)
        if best.generic:
            log.info("%s: no model match; generic driver %s", device.uri, best.record.name)
        return DriverPick(best.record.name, best.record.make_and_model, best.generic)

    def lookup(self, ppd_name: str) -> DriverPick:
        """Return the driver called *ppd_name*."""
        record = self.index.get(ppd_name)
        if record is None:
            raise DriverError(f"unknown driver {ppd_name!r} (see 'printerapp drivers --list')")
        return DriverPick(record.name, record.make_and_model, record.generic)

    def install(self, ppd_name: str, dest: Path) -> None:
        """Write the PPD *ppd_name* to *dest* atomically."""
        record = self.index.get(ppd_name)
        if record is None:
            raise DriverError(f"unknown driver {ppd_name!r}")
        write_atomic(dest, ppd_bytes(record, self.config.cat_timeout))


class _WorkerGone(Exception):
    """The worker's pipes closed (it exited after its idle time, or crashed)."""


class WorkerDrivers:
    """The manager's Drivers, answered by a warm driver_worker process."""

    def __init__(self, state_dir: Path, config_file: Path | None = None) -> None:
        self.state_dir = state_dir
        self.config_file = config_file
        #: PPDs the last choices already wrote, by name: install() only renames them
        self._prefetched: dict[str, Path] = {}
        #: the warm worker; one request at a time (asyncio.to_thread callers)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        for leftover in (state_dir / "ppd").glob(".prefetch-*.ppd"):
            leftover.unlink(missing_ok=True)

    def _argv(self) -> list[str]:
        argv = [sys.executable, "-m", "printerapp.manager.driver_worker"]
        argv += ["--state-dir", str(self.state_dir)]
        if self.config_file is not None:
            argv += ["--config", str(self.config_file)]
        return argv

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send *request* to the warm worker (starting one when needed); return its answer."""
        with self._lock:
            for attempt in (1, 2):
                proc = self._worker()
                try:
                    line = self._exchange(proc, json.dumps(request) + "\n")
                except _WorkerGone:
                    self._end_worker()
                    if attempt == 2:
                        raise DriverError("driver database worker failed: it exited") from None
                    continue  # it had just exited when idle: a fresh one answers
                break
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise DriverError("driver database worker failed: unreadable answer")
        for warning in reply.pop("warnings", ()):
            log.warning("driver database: %s", warning)
        if "error" in reply:
            raise DriverError(str(reply["error"]))
        return reply

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._end_worker()
        try:
            self._proc = subprocess.Popen(
                self._argv(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise DriverError(f"driver database worker failed: {exc}") from exc
        return self._proc

    def _exchange(self, proc: subprocess.Popen[bytes], text: str) -> str:
        if proc.stdin is None or proc.stdout is None:
            raise _WorkerGone
        try:
            proc.stdin.write(text.encode())
            proc.stdin.flush()
        except OSError:
            raise _WorkerGone from None
        ready, _, _ = select.select([proc.stdout], [], [], WORKER_TIMEOUT_S)
        if not ready:
            self._end_worker()
            raise DriverError(f"driver database worker: no answer after {WORKER_TIMEOUT_S:g} s")
        line = proc.stdout.readline()
        if not line:
            raise _WorkerGone
        return line.decode("utf-8", "replace")

    def _end_worker(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    @property
    def pid(self) -> int | None:
        """The warm worker's process id, None when none runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def close(self) -> None:
        """End the warm worker, if one runs."""
        with self._lock:
            self._end_worker()

    def _pick(self, reply: dict[str, Any]) -> DriverPick:
        return DriverPick(
            str(reply["ppd_name"]), str(reply["make_and_model"]), bool(reply["generic"])
        )

    def warm(self) -> int:
        """Build or refresh the cached index now; return how many PPDs it holds."""
        return int(self._ask({"op": "warm"})["ppds"])

    def choose(self, device: Device) -> DriverPick:
        """Return the best driver for *device*; raise DriverError with the reason."""
        prefetch = self.state_dir / "ppd" / f".prefetch-{len(self._prefetched)}-{id(device)}.ppd"
        request = {
            "op": "choose",
            "uri": device.uri,
            "make_and_model": device.make_and_model,
            "device_id": str(device.device_id),
            "serial": device.serial,
            "prefetch": str(prefetch),
        }
        pick = self._pick(self._ask(request))
        stale = self._prefetched.pop(pick.ppd_name, None)
        if stale is not None:
            stale.unlink(missing_ok=True)
        if prefetch.is_file():
            self._prefetched[pick.ppd_name] = prefetch
        return pick

    def lookup(self, ppd_name: str) -> DriverPick:
        """Return the driver called *ppd_name*."""
        return self._pick(self._ask({"op": "lookup", "name": ppd_name}))

    def install(self, ppd_name: str, dest: Path) -> None:
        """Write the PPD *ppd_name* to *dest* atomically (a rename when it was prefetched)."""
        prefetched = self._prefetched.pop(ppd_name, None)
        if prefetched is not None and prefetched.is_file():
            prefetched.replace(dest)
            return
        self._ask({"op": "install", "name": ppd_name, "dest": str(dest)})


class IdleIndexRanker:
    """Rank drivers for the dashboard, loading the index on demand and dropping it when idle.

    Someone choosing a driver in the "add printer" form asks several
    questions in a row; between such visits the daemon does not carry the
    index (see driver_worker).
    """

    def __init__(self, state_dir: Path, config_file: Path | None = None) -> None:
        self.state_dir = state_dir
        self.config_file = config_file
        self._index: DriverIndex | None = None
        self._last_use = 0.0

    def __call__(self, query: DeviceQuery, limit: int) -> Choice:
        """Rank the drivers for *query* (called on the event loop)."""
        if self._index is None:
            config = load_config(self.config_file)
            self._index = DatabaseDrivers.from_config(config, self.state_dir).index
            asyncio.get_running_loop().call_later(INDEX_IDLE_S, self._drop)
        self._last_use = time.monotonic()
        return choose(self._index, query, missing=missing_needs(), limit=limit)

    def _drop(self) -> None:
        idle = time.monotonic() - self._last_use
        if idle >= INDEX_IDLE_S:
            self._index = None
        else:
            asyncio.get_running_loop().call_later(INDEX_IDLE_S - idle, self._drop)
