"""The driver database as the manager uses it: choose, look up, install.

Loading the index reads the cache in the state directory (tens of ms) or,
when a source changed, the driver programs' ``list`` output (under a
second); each unusable source is reported once, at load.
"""

from __future__ import annotations

import logging
from pathlib import Path

from printerapp.config import Config
from printerapp.cupsdirs import CupsDirs
from printerapp.detection.records import Device
from printerapp.errors import DriverError
from printerapp.manager.system import DriverPick
from printerapp.ppd.cache import load_index
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes, write_atomic
from printerapp.ppd.rank import DeviceQuery, choose
from printerapp.ppd.settings import DriversConfig, drivers_config

__all__ = ["DatabaseDrivers"]

log = logging.getLogger(__name__)


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
