"""``printerapp cups-power``: plug power for the queues of an existing CUPS server.

The watch itself is :class:`printerapp.power.cupspower.CupsPower`; this
module runs it until SIGTERM, re-reading the idle delays on SIGHUP.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from printerapp.config import Config, load_config
from printerapp.errors import PrinterAppError
from printerapp.power.cupspower import CupsPower
from printerapp.power.energy import EnergyLog
from printerapp.power.settings import cups_power_settings, power_settings

__all__ = ["add_arguments", "run"]

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``printerapp cups-power``."""
    parser.add_argument("--config", type=Path, help="configuration file (default: the usual one)")


async def _main(config: Config) -> None:
    stop = asyncio.Event()
    energy = EnergyLog.open_default(tariff=power_settings(config).tariff)
    watcher = CupsPower(config, energy)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGHUP, watcher.reload_delays)
    try:
        await watcher.run(stop)
    finally:
        energy.close()


def run(args: argparse.Namespace) -> int:
    """Run ``printerapp cups-power`` until SIGTERM."""
    try:
        config = load_config(args.config, required=args.config is not None)
        if not cups_power_settings(config).queues:
            logger.error("no [cups_power.queues] in the configuration: nothing to watch")
            return 2
        asyncio.run(_main(config))
    except PrinterAppError as exc:
        logger.error("%s", exc)
        return 1
    return 0
