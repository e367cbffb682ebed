"""``printerapp plugs energy`` and ``plugs hold``: readouts and requests to the server.

``energy`` reads the energy history in the server's state directory (it
works with the server stopped); ``hold`` asks the running server to keep a
plug on, through the control API, for every printer on that plug.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from urllib.parse import quote

from printerapp.config import load_config
from printerapp.errors import ConfigError, PowerError

__all__ = ["energy_arguments", "hold_arguments", "parse_duration", "run_energy", "run_hold"]

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str) -> float:
    """Parse ``2h``, ``90m``, ``1h30m``, ``45s`` or plain seconds."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None:
        raise ConfigError(f"--for: {text!r} is not a duration such as 2h, 30m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600.0 + minutes * 60.0 + seconds


def energy_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``plugs energy NAME [--days N] [--months M]``."""
    parser.add_argument("name", help="a [power.plugs.NAME] of the configuration")
    parser.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    parser.add_argument("--months", type=int, default=12, help="monthly totals (default 12)")
    parser.add_argument("--config", type=Path, help="configuration file (default: the usual)")


def hold_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``plugs hold NAME [--for DURATION]``."""
    parser.add_argument("name", help="a [power.plugs.NAME] of the configuration")
    parser.add_argument("--for", dest="duration", default="2h", help="how long (default 2h)")
    parser.add_argument("--config", type=Path, help="configuration file (default: the usual)")
    parser.add_argument("--server", help="HOST:PORT of the control API (default: from config)")


async def run_energy(args: argparse.Namespace) -> int:
    """Print a plug's daily and monthly energy and cost, its jobs and last switch-off."""
    from printerapp.power.energy import DB_NAME, EnergyLog, energy_report
    from printerapp.power.settings import power_settings
    from printerapp.server.settings import server_settings

    if not 1 <= args.days <= 3660:
        raise ConfigError("--days must be between 1 and 3660")
    if not 1 <= args.months <= 120:
        raise ConfigError("--months must be between 1 and 120")
    config = load_config(args.config)
    state_dir = server_settings(config).manager.state_dir
    log = EnergyLog(state_dir / DB_NAME, tariff=power_settings(config).tariff)
    try:
        print(energy_report(log, args.name, args.days, time.time(), args.months))
    finally:
        log.close()
    return 0


async def run_hold(args: argparse.Namespace) -> int:
    """Ask the server to keep every printer on plug NAME on for the duration."""
    from printerapp.cli.printers import client_for

    seconds = parse_duration(args.duration)
    client = client_for(args.server, args.config)
    status = client.request("GET", "/api/status")
    printers = [
        p["name"] for p in status["printers"] if (p.get("plug") or {}).get("plug") == args.name
    ]
    if not printers:
        raise PowerError(f"no printer of the running server is on plug {args.name!r}")
    for name in printers:
        body = {"seconds": seconds}
        client.request("POST", f"/api/printers/{quote(name, safe='')}/hold", body)
        print(f"{name}: held on for {seconds:.0f} s")
    return 0
