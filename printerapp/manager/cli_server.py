"""``printerapp server``: run the daemon in the foreground (logs fit for journald)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from printerapp.config import load_config
from printerapp.errors import PrinterAppError

__all__ = ["add_arguments", "run"]

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the server's options."""
    parser.add_argument("--config", type=Path, default=None, help="configuration file")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also run a simulated network printer (loopback only) to print to",
    )


async def _serve(args: argparse.Namespace) -> None:
    from printerapp.detection.config import DetectionConfig
    from printerapp.manager.daemon import Server, install_signal_handlers
    from printerapp.manager.drivers import IdleIndexRanker, WorkerDrivers
    from printerapp.manager.settings import server_settings
    from printerapp.power.energy import DB_NAME as ENERGY_DB
    from printerapp.power.energy import EnergyLog
    from printerapp.power.serverpower import ServerPower
    from printerapp.power.settings import power_settings

    config = load_config(args.config)
    settings = server_settings(config)
    if args.log_level is None:
        logging.getLogger().setLevel(settings.log_level)
    detection = DetectionConfig.from_section(config.section("detection"))
    drivers = WorkerDrivers(settings.manager.state_dir, config.path)
    # build or refresh the index cache now, so the first hot-plug finds it warm
    await asyncio.to_thread(drivers.warm)
    ranker = IdleIndexRanker(settings.manager.state_dir, config.path)
    server = Server(settings, detection, drivers, demo=args.demo, ranker=ranker)
    energy = None
    if power_settings(config).printers:
        energy = EnergyLog(settings.manager.state_dir / ENERGY_DB)
        server.use_plugs(
            ServerPower(config, energy, server.manager, settings.manager.state_dir), energy
        )
    install_signal_handlers(server)
    try:
        await server.run()
    finally:
        if energy is not None:
            energy.close()


def run(args: argparse.Namespace) -> int:
    """Run the daemon until SIGTERM or SIGINT."""
    try:
        asyncio.run(_serve(args))
    except PrinterAppError as exc:
        print(f"printerapp server: {exc}", file=sys.stderr)
        return 1
    return 0
