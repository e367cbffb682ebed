"""The driver database as the manager uses it: choose, look up, install.

Loading the index reads the cache in the state directory (tens of ms) or,
when a source changed, the driver programs' ``list`` output (under a
second); each unusable source is reported once, at load.

:class:`DatabaseDrivers` holds the index in this process; the daemon uses
:class:`WorkerDrivers`, which asks a short-lived worker process instead, so
the index's memory is not held between hot-plugs (see driver_worker).
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
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
from printerapp.ppd.rank import Choice, DeviceQuery, choose, rank
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

    def __init__(self, index: DriverIndex, config: DriversConfig) -> None:
        self.index = index
        self.config = config

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
        choice = choose(self.index, query, self.config.pinned(device.uri, device.serial))
        best = choice.best
        if best is None:
            raise DriverError(choice.reason)
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


class WorkerDrivers:
    """The manager's Drivers, answered by a driver_worker process per request."""

    def __init__(self, state_dir: Path, config_file: Path | None = None) -> None:
        self.state_dir = state_dir
        self.config_file = config_file
        #: PPDs the last choices already wrote, by name: install() only renames them
        self._prefetched: dict[str, Path] = {}
        for leftover in (state_dir / "ppd").glob(".prefetch-*.ppd"):
            leftover.unlink(missing_ok=True)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        argv = [sys.executable, "-m", "printerapp.manager.driver_worker"]
        argv += ["--state-dir", str(self.state_dir)]
        if self.config_file is not None:
            argv += ["--config", str(self.config_file)]
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=WORKER_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DriverError(f"driver database worker failed: {exc}") from exc
        for line in done.stderr.splitlines():
            log.warning("driver database: %s", line)
        try:
            reply = json.loads(done.stdout)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise DriverError(f"driver database worker failed (status {done.returncode})")
        if "error" in reply:
            raise DriverError(str(reply["error"]))
        return reply

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
        return rank(self._index, query, limit)

    def _drop(self) -> None:
        idle = time.monotonic() - self._last_use
        if idle >= INDEX_IDLE_S:
            self._index = None
        else:
            asyncio.get_running_loop().call_later(INDEX_IDLE_S - idle, self._drop)
